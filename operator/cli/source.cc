#include "operator/cli/source.h"

#include <charconv>
#include <cstdlib>
#include <ostream>

#include "base/log.h"
#include "operator/cli/render_helm.h"
#include "sources/directory/directory.h"
#include "sources/git/git.h"
#include "sources/kustomize/kustomize.h"
#include "sources/tree/tree.h"

namespace converge::cli {
namespace {

// Which renderer a source directory calls for, from the files Argo CD looks at.
Result<std::string> DetectSourceType(const sources::tree::FileTree& tree) {
  for (const char* file : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    if (tree.Stat(file).ok()) return std::string("kustomize");
  }
  if (tree.Stat("Chart.yaml").ok()) return std::string("helm");
  return std::string("directory");
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::filesystem::path DefaultCacheDir() {
  if (std::string dir = Env("CONVERGE_CACHE_DIR"); !dir.empty()) return dir;
  if (std::string xdg = Env("XDG_CACHE_HOME"); !xdg.empty()) {
    return std::filesystem::path(xdg) / "converge/git";
  }
  return std::filesystem::path(Env("HOME")) / ".cache/converge/git";
}

// The repository's tree at --revision and --path. Credentials come from flags and environment
// variables (secrets only from the environment, so they stay out of process listings).
Result<std::unique_ptr<sources::tree::FileTree>> OpenRepository(const ParsedFlags& flags,
                                                                std::string_view timeout_text,
                                                                Streams streams) {
  std::string url = flags.String("repo");
  sources::git::Credentials credentials{
      .username = flags.Has("username") ? flags.String("username") : Env("CONVERGE_GIT_USERNAME"),
      .password = Env("CONVERGE_GIT_PASSWORD"),
      .bearer_token = Env("CONVERGE_GIT_BEARER_TOKEN"),
      .ca_file = flags.String("ca-file"),
      .ssh_private_key = flags.String("ssh-key"),
      .ssh_passphrase = Env("CONVERGE_GIT_SSH_PASSPHRASE"),
      .known_hosts = flags.Has("known-hosts")
                         ? std::filesystem::path(flags.String("known-hosts"))
                         : std::filesystem::path(Env("HOME")) / ".ssh/known_hosts",
  };
  int timeout = 0;
  auto [end, error] =
      std::from_chars(timeout_text.data(), timeout_text.data() + timeout_text.size(), timeout);
  if (error != std::errc() || end != timeout_text.data() + timeout_text.size() || timeout <= 0) {
    return Status::Invalid("the Git timeout must be a positive number of seconds, not \"" +
                           std::string(timeout_text) + "\"");
  }
  sources::git::Mirror mirror({
      .cache_dir = flags.Has("cache-dir") ? std::filesystem::path(flags.String("cache-dir"))
                                          : DefaultCacheDir(),
      .credentials = {{.url_prefix = url, .credentials = std::move(credentials)}},
      .timeout = std::chrono::seconds(timeout),
  });
  Result<sources::git::Commit> commit = mirror.Resolve(url, flags.String("revision"));
  if (!commit.ok()) return commit.status();
  streams.err << "revision: " << commit->Display() << "\n";
  Result<std::unique_ptr<sources::git::TreeView>> tree = mirror.Tree(*commit, flags.String("path"));
  if (!tree.ok()) return tree.status();
  return std::unique_ptr<sources::tree::FileTree>(std::move(*tree));
}

}  // namespace

std::vector<FlagSpec> SourceFlags() {
  std::vector<FlagSpec> flags = {
      {.name = "source-type",
       .value_name = "TYPE",
       .help = "directory or helm; detected from the files when omitted"},
      {.name = "recurse", .type = FlagType::kBool, .help = "directory: include subdirectories"},
      {.name = "include",
       .type = FlagType::kList,
       .value_name = "GLOB",
       .help = "directory: render only matching files (Argo CD glob, e.g. '{a.yaml,b/*}')"},
      {.name = "exclude",
       .type = FlagType::kList,
       .value_name = "GLOB",
       .help = "directory: skip matching files"},
      {.name = "repo",
       .value_name = "URL",
       .help = "render from a Git repository (https://, ssh://, git://) instead of a PATH"},
      {.name = "revision",
       .value_name = "REV",
       .help = "with --repo: branch, tag, commit, refs/... or semver range over tags",
       .default_value = "HEAD"},
      {.name = "path",
       .value_name = "P",
       .help = "with --repo: the directory inside the repository"},
      {.name = "cache-dir",
       .value_name = "DIR",
       .help = "with --repo: where mirrors are kept (default $CONVERGE_CACHE_DIR, else "
               "~/.cache/converge/git)"},
      {.name = "username",
       .value_name = "NAME",
       .help = "HTTPS user (or $CONVERGE_GIT_USERNAME); the password is read from "
               "$CONVERGE_GIT_PASSWORD, a bearer token from $CONVERGE_GIT_BEARER_TOKEN"},
      {.name = "ca-file", .value_name = "FILE", .help = "PEM CA bundle for an HTTPS server"},
      {.name = "ssh-key",
       .value_name = "FILE",
       .help = "SSH private key; its passphrase is read from $CONVERGE_GIT_SSH_PASSPHRASE"},
      {.name = "known-hosts",
       .value_name = "FILE",
       .help = "SSH known_hosts (default ~/.ssh/known_hosts); unknown hosts are refused"},
  };
  for (FlagSpec& spec : HelmRenderFlags()) flags.push_back(std::move(spec));
  return flags;
}

// A kustomization on disk may read bases above it (../base), so its tree is the whole file
// system and messages name absolute paths, as kustomize's do. From Git the tree is --path's:
// bases above it are refused as outside the source.
Result<std::vector<kube::Object>> BuildKustomization(const ParsedFlags& flags,
                                                     const sources::tree::FileTree& tree) {
  if (flags.Has("repo"))
    return sources::kustomize::Build(tree, "", {.display_root = tree.Describe("")});
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::weakly_canonical(flags.positional()[0], error);
  if (error) return Status::Invalid(flags.positional()[0] + ": " + error.message());
  Result<std::unique_ptr<sources::tree::FileTree>> root = sources::tree::OpenDirectory("/");
  if (!root.ok()) return root.status();
  return sources::kustomize::Build(**root, absolute.relative_path().string(),
                                   {.display_root = "/"});
}

Result<RenderedSource> RenderSource(const ParsedFlags& flags, std::string_view git_timeout,
                                    Streams streams, bool objects_needed) {
  bool from_git = flags.Has("repo");
  if (flags.positional().size() != (from_git ? 0u : 1u)) {
    return Status::Invalid("exactly one PATH, or --repo URL, is needed");
  }
  // A chart archive is rendered from the directory holding it.
  std::filesystem::path local = from_git ? "" : flags.positional()[0];
  bool archive =
      !from_git && local.extension() == ".tgz" && std::filesystem::is_regular_file(local);
  Result<std::unique_ptr<sources::tree::FileTree>> tree =
      from_git ? OpenRepository(flags, git_timeout, streams)
               : sources::tree::OpenDirectory(archive ? local.parent_path() : local);
  if (!tree.ok()) return tree.status();
  std::string path = (*tree)->Describe("");
  std::string type = archive ? "helm" : flags.String("source-type");
  if (type.empty()) {
    Result<std::string> detected = DetectSourceType(**tree);
    if (!detected.ok()) return detected.status();
    type = *detected;
  }
  if (type == "kustomize") {
    Result<std::vector<kube::Object>> objects = BuildKustomization(flags, **tree);
    if (!objects.ok()) return objects.status();
    std::string text = sources::kustomize::Print(*objects);
    return RenderedSource{.objects = std::move(*objects), .text = std::move(text)};
  }
  if (type == "helm") {
    Result<HelmOutput> helm =
        RenderHelm(**tree, archive ? local.filename().string() : "", flags, objects_needed);
    if (!helm.ok()) return helm.status();
    return RenderedSource{.objects = std::move(helm->objects), .text = std::move(helm->text)};
  }
  if (type != "directory") {
    return Status::Invalid(path + " is a " + type +
                           " source, which this build cannot render yet; pass --source-type "
                           "directory to read its files as plain manifests");
  }
  sources::directory::Options options{.recurse = flags.Bool("recurse"),
                                      .include = flags.List("include"),
                                      .exclude = flags.List("exclude")};
  Result<std::vector<kube::Object>> objects = sources::directory::Render(**tree, "", options);
  if (!objects.ok()) return objects.status();
  log::Debug("rendered", {{"path", path}, {"objects", std::to_string(objects->size())}});
  return RenderedSource{.objects = std::move(*objects)};
}

std::vector<FlagSpec> ClusterFlags() {
  return {
      {.name = "kubeconfig",
       .value_name = "FILE",
       .help = "kubeconfig to use (default $KUBECONFIG, else ~/.kube/config)"},
      {.name = "context", .value_name = "NAME", .help = "kubeconfig context (default: current)"},
      {.name = "server",
       .value_name = "URL",
       .help = "API server URL; overrides the kubeconfig's (token from $CONVERGE_TOKEN when "
               "there is no kubeconfig)"},
      {.name = "insecure-skip-tls-verify",
       .type = FlagType::kBool,
       .help = "do not verify the server's certificate"},
  };
}

Result<std::unique_ptr<kube::Client>> ConnectCluster(const ParsedFlags& flags,
                                                     kube::ClientOptions options) {
  std::vector<std::filesystem::path> files =
      flags.Has("kubeconfig") ? std::vector<std::filesystem::path>{flags.String("kubeconfig")}
                              : kube::KubeconfigPaths();
  Result<kube::ClientConfig> config = kube::LoadKubeconfig(files, flags.String("context"));
  if (!config.ok()) {
    if (config.status().code() != StatusCode::kNotFound || !flags.Has("server")) {
      return config.status();
    }
    config = kube::ClientConfig{.token = Env("CONVERGE_TOKEN")};
  }
  if (flags.Has("server")) config->server = flags.String("server");
  if (flags.Bool("insecure-skip-tls-verify")) config->insecure_skip_tls_verify = true;
  return kube::Client::Create(std::move(*config), std::move(options));
}

std::optional<int> StartApplicationCommand(const std::vector<FlagSpec>& specs,
                                           std::span<const std::string> args,
                                           std::string_view usage, Streams streams,
                                           ParsedFlags& flags) {
  Result<ParsedFlags> parsed = ParseFlags(specs, args);
  if (!parsed.ok()) return Fail(streams, parsed.status(), 2);
  flags = std::move(*parsed);
  if (flags.Bool("help")) {
    streams.out << usage << "\n\nFlags:\n" << FlagHelp(specs);
    return 0;
  }
  if (Status s = ConfigureLogging(flags); !s.ok()) return Fail(streams, s, 2);
  if (AppId(flags).empty()) return Fail(streams, Status::Invalid("--app-name is required"), 2);
  return std::nullopt;
}

std::vector<FlagSpec> ApplicationFlags() {
  return {
      {.name = "app-name",
       .value_name = "NAME",
       .help = "the Application the objects are tracked to (required)"},
      {.name = "app", .value_name = "NAME", .help = "the same as --app-name"},
      {.name = "app-namespace",
       .value_name = "NS",
       .help = "the Application's namespace, part of the tracking id",
       .default_value = "converge"},
      {.name = "namespace",
       .short_name = 'n',
       .value_name = "NS",
       .help = "destination namespace for objects without one (default: the context's)"},
  };
}

std::string AppId(const ParsedFlags& flags) {
  std::string app = flags.Has("app-name") ? flags.String("app-name") : flags.String("app");
  return app.empty() ? "" : flags.String("app-namespace") + "_" + app;
}

std::string DestinationNamespace(const ParsedFlags& flags, const kube::Client& client) {
  return flags.Has("namespace") ? flags.String("namespace") : client.config().ns;
}

}  // namespace converge::cli
