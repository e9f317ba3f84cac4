// ReadLiveObjects: what a one-shot sync (the CLI) knows of the cluster without an informer.

#include <algorithm>
#include <map>

#include "kube/client/client.h"
#include "sync/sync.h"

namespace converge::sync {
namespace {

using nlohmann::json;

// The listable kinds of one group version, from its discovery document.
Status AddKinds(kube::Client& client, const std::string& path, const std::string& group_version,
                std::vector<kube::GroupVersionKind>& out) {
  kube::ApiResult<std::string> body = client.Raw("GET", path);
  if (!body.ok()) return body.status().Wrap("discovery " + path);
  json list = json::parse(*body, nullptr, false);
  if (!list.is_object()) return Status::Invalid("discovery " + path + ": not a JSON object");
  size_t slash = group_version.find('/');
  std::string group = slash == std::string::npos ? "" : group_version.substr(0, slash);
  std::string version = group_version.substr(slash == std::string::npos ? 0 : slash + 1);
  for (const json& resource : list.value("resources", json::array())) {
    if (!resource.is_object() || resource.value("name", "").find('/') != std::string::npos) {
      continue;
    }
    json verbs = resource.value("verbs", json::array());
    if (std::find(verbs.begin(), verbs.end(), "list") == verbs.end()) continue;
    out.push_back({group, version, resource.value("kind", "")});
  }
  return Status();
}

}  // namespace

Result<std::vector<kube::GroupVersionKind>> ListableKinds(kube::Client& client) {
  std::vector<kube::GroupVersionKind> kinds;
  if (Status s = AddKinds(client, "/api/v1", "v1", kinds); !s.ok()) return s;
  kube::ApiResult<std::string> body = client.Raw("GET", "/apis");
  if (!body.ok()) return body.status().Wrap("discovery /apis");
  json groups = json::parse(*body, nullptr, false);
  if (!groups.is_object()) return Status::Invalid("discovery /apis: not a JSON object");
  for (const json& group : groups.value("groups", json::array())) {
    std::string group_version(kube::StringAt(group, {"preferredVersion", "groupVersion"}));
    if (group_version.empty()) continue;
    if (Status s = AddKinds(client, "/apis/" + group_version, group_version, kinds); !s.ok()) {
      return s;
    }
  }
  return kinds;
}

Result<std::optional<Placement>> Place(kube::Client& client, const kube::Object& object,
                                       std::string_view destination_namespace) {
  kube::GroupVersionKind gvk = kube::GroupVersionKind::Of(object);
  kube::ApiResult<kube::ResourceMapping> mapping = client.Mapping(gvk);
  if (mapping.reason() == kube::Reason::kNotFound) return std::optional<Placement>();
  if (!mapping.ok()) return mapping.status().Wrap(kube::Describe(object));
  gvk.version = mapping->gvk.version;
  std::string_view ns = object.Namespace().empty() ? destination_namespace : object.Namespace();
  return std::optional<Placement>(
      Placement{.gvk = gvk, .ns = mapping->namespaced ? std::string(ns) : ""});
}

Result<std::optional<kube::Object>> ReadCounterpart(kube::Client& client,
                                                    const kube::Object& desired,
                                                    const Placement& placement) {
  kube::ApiResult<kube::Object> live = client.Get(placement.gvk, placement.ns, desired.Name());
  if (live.reason() == kube::Reason::kNotFound) return std::optional<kube::Object>();
  if (!live.ok()) return live.status().Wrap(kube::Describe(desired));
  return std::optional<kube::Object>(std::move(*live));
}

Result<std::vector<kube::Object>> ReadLiveObjects(kube::Client& client, std::string_view app_id,
                                                  const std::vector<kube::Object>& desired,
                                                  std::string_view destination_namespace) {
  std::map<kube::ResourceKey, kube::Object> found;
  Result<std::vector<kube::GroupVersionKind>> kinds = ListableKinds(client);
  if (!kinds.ok()) return kinds.status();
  std::string selector = std::string(kManagedByLabel) + "=" + kManagedByValue;
  for (const kube::GroupVersionKind& gvk : *kinds) {
    kube::ApiResult<kube::ObjectList> list = client.List(gvk, "", {.label_selector = selector});
    if (!list.ok()) return list.status().Wrap("list " + gvk.ApiVersion() + " " + gvk.kind);
    for (kube::Object& object : list->items) {
      if (TrackedApp(object.Annotation(kTrackingAnnotation)) != app_id) continue;
      // Lists leave out apiVersion and kind on items; the key needs them.
      object.mutable_json()["apiVersion"] = gvk.ApiVersion();
      object.mutable_json()["kind"] = gvk.kind;
      found.emplace(object.Key(), std::move(object));
    }
  }
  for (const kube::Object& object : desired) {
    if (object.Name().empty()) continue;
    Result<std::optional<Placement>> placement = Place(client, object, destination_namespace);
    if (!placement.ok()) return placement.status();
    if (!placement->has_value()) continue;
    Result<std::optional<kube::Object>> live = ReadCounterpart(client, object, **placement);
    if (!live.ok()) return live.status();
    if (live->has_value()) found.insert_or_assign((*live)->Key(), std::move(**live));
  }
  std::vector<kube::Object> out;
  out.reserve(found.size());
  for (auto& [key, object] : found) out.push_back(std::move(object));
  return out;
}

}  // namespace converge::sync
