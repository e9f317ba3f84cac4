#include "kube/client/discovery.h"

#include <nlohmann/json.hpp>

#include "kube/client/transport.h"

namespace converge::kube {
namespace {

using nlohmann::json;

constexpr char kAggregatedAccept[] =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

std::vector<std::string> Strings(const json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const json& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

ApiResult<json> GetJson(Transport& transport, const std::string& path, const char* accept) {
  ApiResult<HttpResponse> response =
      transport.Send({.method = "GET", .target = path, .accept = accept, .idempotent = true});
  if (!response.ok()) return response.error();
  json body = json::parse(response->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return ApiError{.reason = Reason::kUnknown,
                    .http_status = response->status,
                    .message = "discovery " + path + ": the response is not a JSON object"};
  }
  return body;
}

}  // namespace

ApiResult<ResourceMapping> RestMapper::Find(const GroupVersionKind& gvk) {
  std::lock_guard lock(mutex_);
  if (!loaded_) {
    if (ApiResult<Done> loaded = Refresh(); !loaded.ok()) return loaded.error();
  }
  if (const ResourceMapping* found = Lookup(gvk)) return *found;
  if (std::chrono::steady_clock::now() - refreshed_ > std::chrono::seconds(1)) {
    if (ApiResult<Done> loaded = Refresh(); !loaded.ok()) return loaded.error();
    if (const ResourceMapping* found = Lookup(gvk)) return *found;
  }
  std::string api_version = gvk.version.empty() ? gvk.group : gvk.ApiVersion();
  return ApiError{.reason = Reason::kNotFound,
                  .http_status = 404,
                  .message = "the server has no resource for kind " + gvk.kind + " in " +
                             (api_version.empty() ? "the core group" : api_version)};
}

void RestMapper::Invalidate() {
  std::lock_guard lock(mutex_);
  loaded_ = false;
}

const ResourceMapping* RestMapper::Lookup(const GroupVersionKind& gvk) const {
  std::string version = gvk.version;
  if (version.empty()) {
    auto preferred = preferred_.find(gvk.group);
    if (preferred == preferred_.end()) return nullptr;
    version = preferred->second;
  }
  auto found = mappings_.find({gvk.group, version, gvk.kind});
  return found == mappings_.end() ? nullptr : &found->second;
}

ApiResult<Done> RestMapper::Refresh() {
  mappings_.clear();
  preferred_.clear();
  refreshed_ = std::chrono::steady_clock::now();
  bool served = false;
  if (ApiResult<Done> core = LoadAggregated("/api", served); !core.ok()) return core;
  if (served) {
    if (ApiResult<Done> groups = LoadAggregated("/apis", served); !groups.ok()) return groups;
  }
  if (!served) {
    mappings_.clear();
    preferred_.clear();
    if (ApiResult<Done> legacy = LoadLegacy(); !legacy.ok()) return legacy;
  }
  loaded_ = true;
  return Done{};
}

ApiResult<Done> RestMapper::LoadAggregated(const std::string& root, bool& served) {
  ApiResult<json> body = GetJson(transport_, root, kAggregatedAccept);
  if (!body.ok()) return body.error();
  served = body->value("kind", "") == "APIGroupDiscoveryList";
  if (!served) return Done{};
  for (const json& group : body->value("items", json::array())) {
    std::string name = group.contains("metadata") ? group["metadata"].value("name", "") : "";
    bool first = true;
    // Versions come in preference order.
    for (const json& version : group.value("versions", json::array())) {
      std::string version_name = version.value("version", "");
      if (first) preferred_[name] = version_name;
      first = false;
      for (const json& resource : version.value("resources", json::array())) {
        const json& kind = resource.value("responseKind", json::object());
        ResourceMapping mapping;
        mapping.gvk = {name, version_name, kind.value("kind", "")};
        mapping.resource = resource.value("resource", "");
        mapping.namespaced = resource.value("scope", "") == "Namespaced";
        mapping.verbs = Strings(resource.value("verbs", json::array()));
        for (const json& sub : resource.value("subresources", json::array())) {
          mapping.subresources.push_back(sub.value("subresource", ""));
        }
        if (!mapping.gvk.kind.empty()) {
          mappings_.try_emplace({name, version_name, mapping.gvk.kind}, std::move(mapping));
        }
      }
    }
  }
  return Done{};
}

ApiResult<Done> RestMapper::LoadLegacy() {
  ApiResult<json> core = GetJson(transport_, "/api", "application/json");
  if (!core.ok()) return core.error();
  std::vector<std::string> core_versions = Strings(core->value("versions", json::array()));
  if (!core_versions.empty()) preferred_[""] = core_versions.front();
  for (const std::string& version : core_versions) {
    if (ApiResult<Done> loaded = LoadGroupVersion("", version, "/api/" + version); !loaded.ok())
      return loaded;
  }
  ApiResult<json> groups = GetJson(transport_, "/apis", "application/json");
  if (!groups.ok()) return groups.error();
  for (const json& group : groups->value("groups", json::array())) {
    std::string name = group.value("name", "");
    if (group.contains("preferredVersion")) {
      preferred_[name] = group["preferredVersion"].value("version", "");
    }
    for (const json& version : group.value("versions", json::array())) {
      std::string version_name = version.value("version", "");
      ApiResult<Done> loaded =
          LoadGroupVersion(name, version_name, "/apis/" + name + "/" + version_name);
      if (!loaded.ok()) return loaded;
    }
  }
  return Done{};
}

ApiResult<Done> RestMapper::LoadGroupVersion(const std::string& group, const std::string& version,
                                             const std::string& path) {
  ApiResult<json> list = GetJson(transport_, path, "application/json");
  if (!list.ok()) return list.error();
  std::map<std::string, std::vector<std::string>> subresources;
  for (const json& resource : list->value("resources", json::array())) {
    std::string name = resource.value("name", "");
    if (size_t slash = name.find('/'); slash != std::string::npos) {
      subresources[name.substr(0, slash)].push_back(name.substr(slash + 1));
    }
  }
  for (const json& resource : list->value("resources", json::array())) {
    std::string name = resource.value("name", "");
    if (name.find('/') != std::string::npos) continue;
    ResourceMapping mapping;
    mapping.gvk = {group, version, resource.value("kind", "")};
    mapping.resource = name;
    mapping.namespaced = resource.value("namespaced", false);
    mapping.verbs = Strings(resource.value("verbs", json::array()));
    mapping.subresources = subresources[name];
    mappings_.try_emplace({group, version, mapping.gvk.kind}, std::move(mapping));
  }
  return Done{};
}

}  // namespace converge::kube
