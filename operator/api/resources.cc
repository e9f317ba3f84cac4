#include "operator/api/resources.h"

#include <map>
#include <set>

#include "diff/diff.h"
#include "sync/health/health.h"

namespace converge::api {
namespace {

using nlohmann::json;

json HealthJson(const std::optional<sync::health::HealthStatus>& health) {
  if (!health) return nullptr;
  json out = {{"status", sync::health::HealthCodeName(health->code)}};
  if (!health->message.empty()) out["message"] = health->message;
  return out;
}

const kube::Object* FindByKey(const std::vector<kube::Object>& objects,
                              const kube::ResourceKey& key) {
  for (const kube::Object& object : objects) {
    if (object.Key() == key) return &object;
  }
  return nullptr;
}

json Node(const kube::Object& object, json parents,
          const std::optional<sync::health::HealthStatus>& health) {
  kube::GroupVersionKind gvk = kube::GroupVersionKind::Of(object);
  json node = {{"group", gvk.group},
               {"version", gvk.version},
               {"kind", gvk.kind},
               {"namespace", object.Namespace()},
               {"name", object.Name()},
               {"uid", object.json()["metadata"].value("uid", "")},
               {"parentRefs", std::move(parents)}};
  if (json h = HealthJson(health); !h.is_null()) node["health"] = std::move(h);
  return node;
}

// Kinds whose objects are created by controllers below the managed ones.
const kube::GroupVersionKind kChildKinds[] = {{"apps", "v1", "ReplicaSet"},
                                              {"apps", "v1", "ControllerRevision"},
                                              {"batch", "v1", "Job"},
                                              {"", "v1", "Pod"}};

}  // namespace

json ManagedResources(const controller::Comparison& comparison) {
  std::vector<kube::Object> desired_objects = comparison.Desired();
  std::vector<kube::Object> live_objects = comparison.Live();
  json items = json::array();
  for (size_t i = 0; i < comparison.report.resources.size(); ++i) {
    const diff::ResourceDiff& resource = comparison.report.resources[i];
    const kube::Object* desired = FindByKey(desired_objects, resource.key);
    const kube::Object* live = FindByKey(live_objects, resource.key);
    json target = desired != nullptr ? desired->json() : json();
    json current = live != nullptr ? live->json() : json();
    diff::MaskSecrets(desired != nullptr ? &target : nullptr, live != nullptr ? &current : nullptr);
    std::optional<sync::health::HealthStatus> health;
    if (i < comparison.resources.size() && comparison.resources[i].key == resource.key) {
      health = comparison.resources[i].health;
    }
    items.push_back({{"group", resource.key.group},
                     {"kind", resource.key.kind},
                     {"namespace", resource.key.ns},
                     {"name", resource.key.name},
                     {"status", diff::SyncStatusName(resource.status)},
                     {"health", HealthJson(health)},
                     {"targetState", std::move(target)},
                     {"liveState", std::move(current)},
                     {"diff", diff::ResourceText(resource, {})}});
  }
  return {{"items", std::move(items)}};
}

json ResourceTree(const controller::Comparison& comparison, kube::Client& client) {
  json nodes = json::array();
  std::set<std::string> uids;
  std::set<std::string> namespaces;
  for (const kube::Object& live : comparison.Live()) {
    std::string uid = live.json()["metadata"].value("uid", "");
    if (!uid.empty()) uids.insert(uid);
    if (!live.Namespace().empty()) namespaces.insert(std::string(live.Namespace()));
    nodes.push_back(Node(live, json::array(), sync::health::Assess(&live, {})));
  }
  std::vector<kube::Object> candidates;
  for (const std::string& ns : namespaces) {
    for (const kube::GroupVersionKind& gvk : kChildKinds) {
      kube::ApiResult<kube::ObjectList> listed = client.List(gvk, ns);
      if (!listed.ok()) continue;  // a kind the server does not serve has no children
      for (kube::Object& object : listed->items) candidates.push_back(std::move(object));
    }
  }
  // Owners come before their children in no particular order, so adopt until nothing moves.
  std::vector<bool> placed(candidates.size(), false);
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (placed[i]) continue;
      const kube::Object& child = candidates[i];
      json parents = json::array();
      for (const json& owner : child.json()["metadata"].value("ownerReferences", json::array())) {
        std::string uid = owner.value("uid", "");
        if (uids.count(uid) == 0) continue;
        std::string api_version = owner.value("apiVersion", "");
        size_t slash = api_version.find('/');
        parents.push_back(
            {{"group", slash == std::string::npos ? "" : api_version.substr(0, slash)},
             {"kind", owner.value("kind", "")},
             {"namespace", child.Namespace()},
             {"name", owner.value("name", "")},
             {"uid", uid}});
      }
      if (parents.empty()) continue;
      placed[i] = progress = true;
      std::string uid = child.json()["metadata"].value("uid", "");
      if (!uid.empty()) uids.insert(uid);
      nodes.push_back(Node(child, std::move(parents), sync::health::Assess(&child, {})));
    }
  }
  return {{"nodes", std::move(nodes)}};
}

}  // namespace converge::api
