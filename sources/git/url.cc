#include <string>

#include "base/strings.h"
#include "sources/git/git.h"
#include "sources/git/internal.h"

namespace converge::sources::git {
namespace {

// "git@host:org/repo" (no scheme, a colon before the first slash) is scp-like SSH syntax.
bool IsScpLike(std::string_view url) {
  if (url.find("://") != std::string_view::npos) return false;
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  return colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash);
}

std::string_view DefaultPort(std::string_view scheme) {
  if (scheme == "http") return "80";
  if (scheme == "https") return "443";
  if (scheme == "ssh") return "22";
  if (scheme == "git") return "9418";
  return "";
}

}  // namespace

Result<UrlParts> ParseUrl(std::string_view url) {
  UrlParts parts;
  std::string_view rest = url;
  if (IsScpLike(url)) {
    parts.scheme = "ssh";
    size_t colon = rest.find(':');
    std::string_view authority = rest.substr(0, colon);
    parts.path = "/" + std::string(rest.substr(colon + 1));
    rest = authority;
  } else {
    size_t sep = rest.find("://");
    if (sep == std::string_view::npos || sep == 0) {
      return Status::Invalid("repository URL \"" + DisplayUrl(url) + "\" has no scheme");
    }
    parts.scheme = AsciiLower(rest.substr(0, sep));
    rest.remove_prefix(sep + 3);
    size_t slash = rest.find('/');
    parts.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    size_t colon = userinfo.find(':');
    parts.username = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) parts.password = std::string(userinfo.substr(colon + 1));
    rest.remove_prefix(at + 1);
  }
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    parts.port = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  } else if (size_t bracket = rest.find("]:"); bracket != std::string_view::npos) {
    parts.port = std::string(rest.substr(bracket + 2));
    rest = rest.substr(0, bracket + 1);
  }
  parts.host = AsciiLower(rest);
  // file:// names a repository on this machine (the local demo of `converge up`).
  if (parts.host.empty() && parts.scheme != "file") {
    return Status::Invalid("repository URL \"" + DisplayUrl(url) + "\" has no host");
  }
  if (parts.port == DefaultPort(parts.scheme)) parts.port.clear();
  return parts;
}

std::string NormalizeUrl(std::string_view url) {
  Result<UrlParts> parts = ParseUrl(url);
  if (!parts.ok()) return DisplayUrl(url);
  std::string path = parts->path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.size() > 4 && path.ends_with(".git")) path.resize(path.size() - 4);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::string out = parts->scheme + "://" + parts->host;
  if (!parts->port.empty()) out += ":" + parts->port;
  return out + (path == "/" ? "" : path);
}

std::string DisplayUrl(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  size_t end = url.find('/', start);
  std::string_view authority = url.substr(start, end == std::string_view::npos ? end : end - start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start)) + std::string(url.substr(start + at + 1));
}

const Credentials* FindCredentials(const std::vector<CredentialRule>& rules,
                                   const std::string& normalized_url) {
  const CredentialRule* best = nullptr;
  size_t best_length = 0;
  for (const CredentialRule& rule : rules) {
    std::string prefix = NormalizeUrl(rule.url_prefix);
    if (!normalized_url.starts_with(prefix)) continue;
    // A prefix matches whole path segments only: "https://h/org" is not a prefix of
    // "https://h/organisation".
    if (normalized_url.size() > prefix.size() && normalized_url[prefix.size()] != '/') continue;
    if (best == nullptr || prefix.size() > best_length) {
      best = &rule;
      best_length = prefix.size();
    }
  }
  return best == nullptr ? nullptr : &best->credentials;
}

std::string Commit::Display() const { return ref.empty() ? "sha1:" + sha : ref + "@sha1:" + sha; }

}  // namespace converge::sources::git
