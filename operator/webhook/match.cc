// Which Applications a push concerns: Argo CD's rules (util/webhook/webhook.go and
// util/app/path), with branches and tags kept apart when the targetRevision says which it is.
#include <algorithm>

#include "base/glob.h"
#include "base/strings.h"
#include "operator/application/application.h"
#include "operator/webhook/webhook.h"
#include "sources/git/git.h"

namespace converge::webhook {
namespace {

constexpr std::string_view kPathsAnnotation = "converge.dev/manifest-generate-paths";
constexpr std::string_view kArgoPathsAnnotation = "argocd.argoproj.io/manifest-generate-paths";

// The repository a URL names, whatever its spelling: host and path, lower-cased, without
// scheme, user, port, ".git" or the "ssh."/"altssh." host some providers use for SSH.
std::string RepositoryKey(std::string_view url) {
  std::string normalized = sources::git::NormalizeUrl(url);
  std::string_view rest = normalized;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
  }
  size_t slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (host.starts_with('[')) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  for (std::string_view prefix : {"ssh.", "altssh."}) {
    if (host.starts_with(prefix)) host.remove_prefix(prefix.size());
  }
  return AsciiLower(host) + AsciiLower(path);
}

bool UsesRepository(const Push& push, std::string_view repo_url) {
  std::string key = RepositoryKey(repo_url);
  for (const std::string& url : push.repository_urls) {
    if (RepositoryKey(url) == key) return true;
  }
  return false;
}

bool RevisionPushed(const Push& push, std::string_view target) {
  if (target.empty() || target == "HEAD") {
    if (!push.default_branch) return true;
    target = *push.default_branch;
    return std::find(push.refs.begin(), push.refs.end(), "refs/heads/" + std::string(target)) !=
           push.refs.end();
  }
  for (const std::string& ref : push.refs) {
    if (target.starts_with("refs/") ? ref == target
                                    : (ref == "refs/heads/" + std::string(target) ||
                                       ref == "refs/tags/" + std::string(target))) {
      return true;
    }
  }
  return false;
}

// A path from the repository root without ".", "..", or empty segments; "" is the root.
std::string Clean(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? "" : path.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty()) out += '/';
    out.append(part);
  }
  return out;
}

std::vector<std::string> RefreshPaths(std::string_view annotation,
                                      const std::vector<app::Source>& sources) {
  std::vector<std::string> paths;
  while (!annotation.empty()) {
    size_t semicolon = annotation.find(';');
    std::string item = TrimRight(annotation.substr(0, semicolon));
    item.erase(0, item.find_first_not_of(" \t"));
    annotation = semicolon == std::string_view::npos ? "" : annotation.substr(semicolon + 1);
    if (item.empty()) continue;
    if (item.starts_with('/')) {
      paths.push_back(Clean(item));
      continue;
    }
    for (const app::Source& source : sources) paths.push_back(Clean(source.path + "/" + item));
  }
  return paths;
}

bool FileUnder(const std::string& file, const std::string& path) {
  if (path.empty() || file == path) return true;
  if (file.size() > path.size() && file.starts_with(path) && file[path.size()] == '/') {
    return true;
  }
  Result<Glob> glob = Glob::Compile(path, U"/");
  return glob.ok() && glob->Match(file);
}

bool FilesChanged(const Push& push, const std::vector<std::string>& paths) {
  if (push.changed_files.empty() || paths.empty()) return true;
  for (const std::string& changed : push.changed_files) {
    std::string file = Clean(changed);
    for (const std::string& path : paths) {
      if (FileUnder(file, path)) return true;
    }
  }
  return false;
}

}  // namespace

bool Concerns(const Push& push, const kube::Object& application) {
  Result<app::Spec> spec = app::ParseSpec(application.json().value("spec", nlohmann::json()));
  if (!spec.ok()) return false;
  bool pushed = false;
  for (const app::Source& source : spec->sources) {
    pushed |= UsesRepository(push, source.repo_url) && RevisionPushed(push, source.target_revision);
  }
  if (!pushed) return false;
  std::string_view annotation = application.Annotation(kPathsAnnotation);
  if (annotation.empty()) annotation = application.Annotation(kArgoPathsAnnotation);
  return FilesChanged(push, RefreshPaths(annotation, spec->sources));
}

}  // namespace converge::webhook
