#include "apiserver/controllers.h"

#include <algorithm>
#include <thread>

#include "base/log.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kUserAgent = "kube-controller-manager/v1.33.0 (converge) simulated";
constexpr size_t kEventBuffer = 100000;

struct KeyParts {
  std::string group;
  std::string resource;
  std::string ns;
  std::string name;
};

// "/registry/<group>/<resource>/[<ns>/]<name>"
std::optional<KeyParts> ParseKey(const std::string& key, const Catalog& catalog) {
  std::vector<std::string> parts = SplitPath(key);
  if (parts.size() < 4 || parts[0] != "registry") return std::nullopt;
  KeyParts out;
  out.group = parts[1] == "core" ? "" : parts[1];
  out.resource = parts[2];
  const ResourceType* type = catalog.StorageType(out.group, out.resource);
  if (type == nullptr) return std::nullopt;
  if (type->namespaced) {
    if (parts.size() != 5) return std::nullopt;
    out.ns = parts[3];
    out.name = parts[4];
  } else {
    out.name = parts[3];
  }
  return out;
}

}  // namespace

std::string ResourcePath(const ResourceType& type, const std::string& ns, const std::string& name,
                         const std::string& subresource) {
  std::string path =
      type.group.empty() ? "/api/" + type.version : "/apis/" + type.group + "/" + type.version;
  if (type.namespaced) path += "/namespaces/" + ns;
  path += "/" + type.resource;
  if (!name.empty()) path += "/" + name;
  if (!subresource.empty()) path += "/" + subresource;
  return path;
}

std::string MetadataString(const json& object, const char* field) {
  return std::string(kube::StringAt(object, {"metadata", field}));
}

Controllers::Controllers(Api& api, Store& store, WatchHub& hub, Registry& registry,
                         ControllerOptions options)
    : api_(api), store_(store), hub_(hub), registry_(registry), options_(options) {}

Response Controllers::Send(const std::string& method, const std::string& path, const json& body,
                           const std::string& content_type) {
  Request request;
  request.method = method;
  request.path = path;
  request.content_type = content_type;
  request.user_agent = kUserAgent;
  request.user = AdminUser();
  request.body = body.is_null() ? "" : body.dump();
  return api_.Handle(request);
}

void Controllers::Run(std::stop_token stop) {
  auto subscription = hub_.Subscribe("/registry/", kEventBuffer);
  Rebuild();
  auto next_maintenance = Clock::now();
  while (!stop.stop_requested()) {
    std::vector<Event> events = subscription->Take(std::chrono::milliseconds(100));
    if (subscription->overflowed()) {
      hub_.Unsubscribe(subscription);
      subscription = hub_.Subscribe("/registry/", kEventBuffer);
      Rebuild();
    }
    for (const Event& event : events) OnEvent(event);
    std::set<std::string> pending;
    pending.swap(gc_pending_);
    for (const std::string& key : pending) CollectGarbage(key);
    std::set<std::string> namespaces;
    namespaces.swap(accounts_pending_);
    for (const std::string& ns : namespaces) CreateDefaultAccount(ns);
    Clock::time_point now = Clock::now();
    while (!due_.empty() && due_.begin()->first <= now) {
      std::set<std::string> keys = std::move(due_.begin()->second);
      due_.erase(due_.begin());
      for (const std::string& key : keys) Reconcile(key);
    }
    if (now >= next_maintenance) {
      api_.RunMaintenance();
      next_maintenance = now + std::chrono::seconds(1);
    }
  }
  hub_.Unsubscribe(subscription);
}

void Controllers::Rebuild() {
  objects_.clear();
  keys_by_uid_.clear();
  dependents_.clear();
  Result<ListPage> all = store_.List("/registry/", "", 0);
  if (!all.ok()) {
    log::Warn("controllers cannot list objects", {{"error", all.status().message()}});
    return;
  }
  for (const StoredObject& stored : all->items) {
    Index(stored.key, stored.object, false);
    WatchAccounts(stored.key, stored.object, false);
    gc_pending_.insert(stored.key);
    if (options_.simulate) due_[Clock::now()].insert(stored.key);
  }
}

void Controllers::Index(const std::string& key, const json& object, bool deleted) {
  auto existing = objects_.find(key);
  if (existing != objects_.end()) {
    for (const std::string& owner : existing->second.owners) dependents_[owner].erase(key);
    keys_by_uid_.erase(existing->second.uid);
    objects_.erase(existing);
  }
  if (deleted) return;
  Owned owned;
  owned.uid = MetadataString(object, "uid");
  owned.deleting = !MetadataString(object, "deletionTimestamp").empty();
  const json& metadata = object.value("metadata", json::object());
  for (const json& reference : metadata.value("ownerReferences", json::array())) {
    std::string uid = reference.value("uid", "");
    if (!uid.empty()) {
      owned.owners.push_back(uid);
      dependents_[uid].insert(key);
    }
  }
  for (const json& finalizer : metadata.value("finalizers", json::array())) {
    if (finalizer.is_string()) owned.finalizers.push_back(finalizer.get<std::string>());
  }
  keys_by_uid_[owned.uid] = key;
  objects_[key] = std::move(owned);
}

void Controllers::OnEvent(const Event& event) {
  json object = json::parse(*event.text, nullptr, false);
  if (object.is_discarded()) return;
  std::string uid = MetadataString(object, "uid");
  // Owners it had before may be waiting for it (Foreground, Orphan).
  if (auto before = objects_.find(event.key); before != objects_.end()) {
    for (const std::string& owner : before->second.owners) {
      if (auto owner_key = keys_by_uid_.find(owner); owner_key != keys_by_uid_.end()) {
        gc_pending_.insert(owner_key->second);
      }
    }
  }
  Index(event.key, object, event.type == EventType::kDeleted);
  WatchAccounts(event.key, object, event.type == EventType::kDeleted);
  gc_pending_.insert(event.key);
  // Owners and dependents of what changed may have work now.
  if (auto it = dependents_.find(uid); it != dependents_.end()) {
    for (const std::string& dependent : it->second) gc_pending_.insert(dependent);
  }
  for (const json& reference : object["metadata"].value("ownerReferences", json::array())) {
    auto owner = keys_by_uid_.find(reference.value("uid", ""));
    if (owner != keys_by_uid_.end()) gc_pending_.insert(owner->second);
    if (options_.simulate && owner != keys_by_uid_.end()) {
      due_[Clock::now() + options_.delay].insert(owner->second);
    }
  }
  if (options_.simulate && event.type != EventType::kDeleted) {
    due_[Clock::now() + options_.delay].insert(event.key);
  }
}

void Controllers::WatchAccounts(const std::string& key, const json& object, bool deleted) {
  constexpr std::string_view kNamespaces = "/registry/core/namespaces/";
  constexpr std::string_view kAccounts = "/registry/core/serviceaccounts/";
  std::string_view view(key);
  if (view.substr(0, kNamespaces.size()) == kNamespaces) {
    if (!deleted && MetadataString(object, "deletionTimestamp").empty()) {
      accounts_pending_.insert(MetadataString(object, "name"));
    }
  } else if (deleted && view.substr(0, kAccounts.size()) == kAccounts &&
             MetadataString(object, "name") == "default") {
    accounts_pending_.insert(MetadataString(object, "namespace"));
  }
}

void Controllers::CreateDefaultAccount(const std::string& ns) {
  const ResourceType* accounts = registry_.Snapshot()->Find("", "v1", "serviceaccounts");
  if (accounts == nullptr) return;
  Result<std::optional<StoredObject>> existing = store_.Get(accounts->Key(ns, "default"));
  if (!existing.ok() || existing->has_value()) return;
  Response response = Send(
      "POST", ResourcePath(*accounts, ns, ""),
      json{{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "default"}}}});
  // A namespace that went away or started terminating meanwhile needs no account.
  if (response.status != 201 && response.status != 409 && response.status != 403 &&
      response.status != 404) {
    log::Warn("cannot create the default ServiceAccount",
              {{"namespace", ns}, {"status", std::to_string(response.status)}});
  }
}

// The garbage collector's view of one object: dependents of a deleted owner go, a Foreground
// owner waits for its dependents, an Orphan owner lets them go free.
void Controllers::CollectGarbage(const std::string& key) {
  std::shared_ptr<const Catalog> catalog = registry_.Snapshot();
  std::optional<KeyParts> parts = ParseKey(key, *catalog);
  if (!parts) return;
  const ResourceType* type = catalog->StorageType(parts->group, parts->resource);
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  const Owned& object = it->second;

  // A dependent whose owners are all gone is deleted (in the background).
  if (!object.owners.empty() && !object.deleting) {
    bool any_owner =
        std::any_of(object.owners.begin(), object.owners.end(),
                    [&](const std::string& uid) { return keys_by_uid_.count(uid) != 0; });
    if (!any_owner) {
      Send("DELETE", ResourcePath(*type, parts->ns, parts->name),
           json{{"propagationPolicy", "Background"}});
      return;
    }
  }
  if (!object.deleting) return;
  std::vector<std::string> dependents;
  if (auto found = dependents_.find(object.uid); found != dependents_.end()) {
    dependents.assign(found->second.begin(), found->second.end());
  }
  auto has = [&](const char* finalizer) {
    return std::find(object.finalizers.begin(), object.finalizers.end(), finalizer) !=
           object.finalizers.end();
  };
  auto release = [&](const char* finalizer) {
    Result<std::optional<StoredObject>> current = store_.Get(key);
    if (!current.ok() || !current->has_value()) return;
    json finalizers = json::array();
    for (const json& item : (*current)->object["metadata"].value("finalizers", json::array())) {
      if (item != finalizer) finalizers.push_back(item);
    }
    Send("PATCH", ResourcePath(*type, parts->ns, parts->name),
         json{{"metadata",
               {{"finalizers", finalizers},
                {"resourceVersion", std::to_string((*current)->revision)}}}},
         "application/merge-patch+json");
  };
  if (has("orphan")) {
    for (const std::string& dependent_key : dependents) {
      std::optional<KeyParts> dependent = ParseKey(dependent_key, *catalog);
      Result<std::optional<StoredObject>> current = store_.Get(dependent_key);
      if (!dependent || !current.ok() || !current->has_value()) continue;
      const ResourceType* dependent_type =
          catalog->StorageType(dependent->group, dependent->resource);
      json references = json::array();
      for (const json& reference :
           (*current)->object["metadata"].value("ownerReferences", json::array())) {
        if (reference.value("uid", "") != object.uid) references.push_back(reference);
      }
      json patch = {
          {"metadata", {{"ownerReferences", references.empty() ? json(nullptr) : references}}}};
      Send("PATCH", ResourcePath(*dependent_type, dependent->ns, dependent->name), patch,
           "application/merge-patch+json");
    }
    if (dependents.empty()) release("orphan");
    return;
  }
  if (has("foregroundDeletion")) {
    for (const std::string& dependent_key : dependents) {
      std::optional<KeyParts> dependent = ParseKey(dependent_key, *catalog);
      if (!dependent) continue;
      auto found = objects_.find(dependent_key);
      if (found != objects_.end() && found->second.deleting) continue;
      const ResourceType* dependent_type =
          catalog->StorageType(dependent->group, dependent->resource);
      Send("DELETE", ResourcePath(*dependent_type, dependent->ns, dependent->name),
           json{{"propagationPolicy", "Foreground"}});
    }
    if (dependents.empty()) release("foregroundDeletion");
  }
}

}  // namespace converge::apiserver
