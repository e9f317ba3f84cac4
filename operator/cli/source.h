#pragma once
// operator/cli/source.h: what the commands that read a source (render, diff, sync) and the ones
// that reach a cluster (diff, sync) share: their flags, rendering the source they name, and
// connecting to the cluster.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client/client.h"
#include "kube/kube.h"
#include "operator/cli/commands.h"

namespace converge::cli {

// PATH or --repo URL with its revision, path and credentials, and the directory options.
std::vector<FlagSpec> SourceFlags();

// What a source rendered to: its objects, and the text its own tool prints for them
// (`kustomize build`'s, `helm template`'s), empty for plain directories.
struct RenderedSource {
  std::vector<kube::Object> objects;
  std::string text;
};

// Renders the source the flags name: exactly one PATH (a directory or a .tgz chart), or
// --repo. The kind of source (directory, kustomize, helm) comes from --source-type or its
// files. `git_timeout` is the value of the flag limiting each network operation (seconds).
// With --repo the resolved revision is printed on streams.err. A chart's objects are decoded
// only when `objects_needed` (printing helm's text needs none).
Result<RenderedSource> RenderSource(const ParsedFlags& flags, std::string_view git_timeout,
                                    Streams streams, bool objects_needed = true);

// --kubeconfig, --context, --server, --insecure-skip-tls-verify.
std::vector<FlagSpec> ClusterFlags();

// A client for the cluster the flags name (kubectl's rules: --kubeconfig, else $KUBECONFIG,
// else ~/.kube/config; --server overrides the kubeconfig's server, and without a kubeconfig
// the bearer token is read from $CONVERGE_TOKEN).
Result<std::unique_ptr<kube::Client>> ConnectCluster(const ParsedFlags& flags,
                                                     kube::ClientOptions options = {});

// The start of a command acting for one Application: parses `args`, prints `usage` and the flag
// help for --help, configures logging, and requires --app-name. Returns the exit code when the
// command is already done (help: 0, bad usage: 2), nullopt to go on with `flags` set.
std::optional<int> StartApplicationCommand(const std::vector<FlagSpec>& specs,
                                           std::span<const std::string> args,
                                           std::string_view usage, Streams streams,
                                           ParsedFlags& flags);

// --app-name (or --app), --app-namespace, --namespace: the Application a one-shot command acts
// for and where its namespaced objects go.
std::vector<FlagSpec> ApplicationFlags();
// "<app-namespace>_<app-name>", or "" when no name was given.
std::string AppId(const ParsedFlags& flags);
// --namespace, else the context's namespace.
std::string DestinationNamespace(const ParsedFlags& flags, const kube::Client& client);

}  // namespace converge::cli
