#pragma once
// operator/cli/source.h: what the commands that read a source (render, diff, sync) and the ones
// that reach a cluster (diff, sync) share: their flags, rendering the source they name, and
// connecting to the cluster.

#include <memory>
#include <string_view>
#include <vector>

#include "kube/client/client.h"
#include "kube/kube.h"
#include "operator/cli/commands.h"

namespace converge::cli {

// PATH or --repo URL with its revision, path and credentials, and the directory options.
std::vector<FlagSpec> SourceFlags();

// Renders the source the flags name: exactly one PATH (a directory or a .tgz chart), or
// --repo. `git_timeout` is the value of the flag limiting each network operation (seconds).
// With --repo the resolved revision is printed on streams.err. For a Helm chart `helm_text`
// (when given) receives exactly what `helm template` prints, and the objects are decoded only
// when it is null or --output is json.
Result<std::vector<kube::Object>> RenderSource(const ParsedFlags& flags,
                                               std::string_view git_timeout, Streams streams,
                                               std::string* helm_text = nullptr);

// --kubeconfig, --context, --server, --insecure-skip-tls-verify.
std::vector<FlagSpec> ClusterFlags();

// A client for the cluster the flags name (kubectl's rules: --kubeconfig, else $KUBECONFIG,
// else ~/.kube/config; --server overrides the kubeconfig's server, and without a kubeconfig
// the bearer token is read from $CONVERGE_TOKEN).
Result<std::unique_ptr<kube::Client>> ConnectCluster(const ParsedFlags& flags);

// --app-name (or --app), --app-namespace, --namespace: the Application a one-shot command acts
// for and where its namespaced objects go.
std::vector<FlagSpec> ApplicationFlags();
// "<app-namespace>_<app-name>", or "" when no name was given.
std::string AppId(const ParsedFlags& flags);
// --namespace, else the context's namespace.
std::string DestinationNamespace(const ParsedFlags& flags, const kube::Client& client);

}  // namespace converge::cli
