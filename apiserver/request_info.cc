#include <string_view>

#include "apiserver/api.h"

namespace converge::apiserver {
std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    if (end > pos) parts.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return parts;
}

namespace {

bool IsWatch(const std::map<std::string, std::string>& query) {
  auto it = query.find("watch");
  return it != query.end() && (it->second == "true" || it->second == "1");
}

}  // namespace

RequestInfo ParseRequestInfo(const std::string& method, const std::string& path,
                             const std::map<std::string, std::string>& query) {
  RequestInfo info;
  std::vector<std::string> parts = SplitPath(path);
  size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    info.version = parts[1];
    i = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    info.group = parts[1];
    info.version = parts[2];
    i = 3;
  } else {
    return info;
  }
  if (i >= parts.size()) return info;
  std::vector<std::string> rest(parts.begin() + static_cast<ptrdiff_t>(i), parts.end());
  if (rest[0] == "namespaces" && rest.size() > 1) {
    info.ns = rest[1];
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") {
      rest.erase(rest.begin(), rest.begin() + 2);
    }
  }
  info.is_resource = true;
  info.resource = rest[0];
  if (rest.size() > 1) info.name = rest[1];
  if (rest.size() > 2) info.subresource = rest[2];
  if (info.resource == "namespaces") info.ns.clear();
  if (rest.size() > 3) info.is_resource = false;

  if (method == "GET" || method == "HEAD") {
    info.verb = IsWatch(query) ? "watch" : info.name.empty() ? "list" : "get";
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  }
  return info;
}

}  // namespace converge::apiserver
