#include <charconv>
#include <cstdlib>
#include <ostream>

#include "base/log.h"
#include "kube/kube.h"
#include "operator/cli/commands.h"
#include "operator/cli/render_helm.h"
#include "sources/directory/directory.h"
#include "sources/git/git.h"
#include "sources/tree/tree.h"

namespace converge::cli {
namespace {

std::vector<FlagSpec> RenderFlags() {
  std::vector<FlagSpec> flags = {
      {.name = "output",
       .short_name = 'o',
       .value_name = "FORMAT",
       .help = "yaml (a multi-document stream) or json (a v1 List, as kubectl prints)",
       .default_value = "yaml"},
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
      {.name = "timeout",
       .value_name = "SECONDS",
       .help = "with --repo: limit for each network operation",
       .default_value = "60"},
      {.name = "help", .short_name = 'h', .type = FlagType::kBool, .help = "show this help"},
  };
  for (FlagSpec& spec : HelmRenderFlags()) flags.push_back(std::move(spec));
  for (FlagSpec& spec : LoggingFlags()) flags.push_back(std::move(spec));
  return flags;
}

// Which renderer a source directory calls for, from the files Argo CD looks at.
Result<std::string> DetectSourceType(const sources::tree::FileTree& tree) {
  for (const char* file : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    if (tree.Stat(file).ok()) return std::string("kustomize");
  }
  if (tree.Stat("Chart.yaml").ok()) return std::string("helm");
  return std::string("directory");
}

std::string EncodeAsList(const std::vector<kube::Object>& objects) {
  nlohmann::json list = {{"apiVersion", "v1"},
                         {"kind", "List"},
                         {"metadata", {{"resourceVersion", ""}}},
                         {"items", nlohmann::json::array()}};
  for (const kube::Object& object : objects) list["items"].push_back(object.json());
  return kube::EncodeJson(list, 4) + "\n";
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
  std::string timeout_text = flags.String("timeout");
  auto [end, error] =
      std::from_chars(timeout_text.data(), timeout_text.data() + timeout_text.size(), timeout);
  if (error != std::errc() || end != timeout_text.data() + timeout_text.size() || timeout <= 0) {
    return Status::Invalid("--timeout must be a positive number of seconds, not \"" + timeout_text +
                           "\"");
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

int RunRender(std::span<const std::string> args, Streams streams) {
  std::vector<FlagSpec> specs = RenderFlags();
  Result<ParsedFlags> flags = ParseFlags(specs, args);
  if (!flags.ok()) return Fail(streams, flags.status(), 2);
  if (flags->Bool("help")) {
    streams.out << "Usage: converge render PATH [flags]\n       converge render --repo URL "
                   "[--revision REV] [--path P] [flags]\n\nRenders the manifests of a source "
                   "directory, on disk or in a Git repository, and prints them. With --repo the "
                   "resolved revision is printed on stderr.\n\nFlags:\n"
                << FlagHelp(specs);
    return 0;
  }
  if (Status s = ConfigureLogging(*flags); !s.ok()) return Fail(streams, s, 2);
  bool from_git = flags->Has("repo");
  if (flags->positional().size() != (from_git ? 0u : 1u)) {
    return Fail(streams, Status::Invalid("render takes exactly one PATH, or --repo URL"), 2);
  }
  std::string output = flags->String("output");
  if (output != "yaml" && output != "json") {
    return Fail(streams, Status::Invalid("--output must be yaml or json, not \"" + output + "\""),
                2);
  }
  // A chart archive is rendered from the directory holding it.
  std::filesystem::path local = from_git ? "" : flags->positional()[0];
  bool archive =
      !from_git && local.extension() == ".tgz" && std::filesystem::is_regular_file(local);
  Result<std::unique_ptr<sources::tree::FileTree>> tree =
      from_git ? OpenRepository(*flags, streams)
               : sources::tree::OpenDirectory(archive ? local.parent_path() : local);
  if (!tree.ok()) return Fail(streams, tree.status());
  std::string path = (*tree)->Describe("");

  std::string type = archive ? "helm" : flags->String("source-type");
  if (type.empty()) {
    Result<std::string> detected = DetectSourceType(**tree);
    if (!detected.ok()) return Fail(streams, detected.status());
    type = *detected;
  }
  if (type == "helm") {
    Result<HelmOutput> helm = RenderHelm(**tree, archive ? local.filename().string() : "", *flags);
    if (!helm.ok()) return Fail(streams, helm.status());
    streams.out << (output == "json" ? EncodeAsList(helm->objects) : helm->text);
    return 0;
  }
  if (type != "directory") {
    return Fail(streams, Status::Invalid(path + " is a " + type +
                                         " source, which this build cannot render yet; pass "
                                         "--source-type directory to read its files as plain "
                                         "manifests"));
  }
  sources::directory::Options options{.recurse = flags->Bool("recurse"),
                                      .include = flags->List("include"),
                                      .exclude = flags->List("exclude")};
  Result<std::vector<kube::Object>> objects = sources::directory::Render(**tree, "", options);
  if (!objects.ok()) {
    return Fail(streams, objects.status());
  }
  log::Debug("rendered", {{"path", path}, {"objects", std::to_string(objects->size())}});
  streams.out << (output == "json" ? EncodeAsList(*objects) : kube::EncodeYamlStream(*objects));
  return 0;
}

}  // namespace converge::cli
