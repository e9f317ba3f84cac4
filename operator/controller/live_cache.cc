#include "operator/controller/live_cache.h"

#include "sync/sync.h"

namespace converge::controller {
namespace {

std::string KindKey(const kube::GroupVersionKind& gvk) {
  return gvk.group + "/" + gvk.version + "/" + gvk.kind;
}

// The object in the version it was asked for (the keys need apiVersion and kind); a copy that
// shares the cache's document when it already is.
kube::Object Typed(const kube::Object& object, const kube::GroupVersionKind& gvk) {
  kube::Object out = object;
  std::string api_version = gvk.ApiVersion();
  if (out.ApiVersion() != api_version) out.mutable_json()["apiVersion"] = api_version;
  if (out.Kind() != gvk.kind) out.mutable_json()["kind"] = gvk.kind;
  return out;
}

}  // namespace

struct LiveCache::Kind {
  kube::GroupVersionKind gvk;
  std::string key;
  // By namespace; "" watches every namespace (and cluster-scoped objects).
  std::map<std::string, std::unique_ptr<kube::Informer>> informers;

  kube::ObjectRef Get(std::string_view ns, std::string_view name) const {
    auto it = informers.find("");
    if (it == informers.end()) it = informers.find(std::string(ns));
    return it == informers.end() ? nullptr : it->second->Get(ns, name);
  }
  // Until every informer has its first list, `stop` is requested or `deadline` passes.
  void WaitForSync(std::stop_token stop, std::chrono::steady_clock::time_point deadline) const {
    for (const auto& [ns, informer] : informers) {
      while (!stop.stop_requested() && std::chrono::steady_clock::now() < deadline &&
             !informer->WaitForSync(std::chrono::milliseconds(200))) {
      }
    }
  }
};

LiveCache::LiveCache(kube::Client& client, std::function<void(const std::string&)> changed,
                     std::vector<std::string> namespaces)
    : client_(client), changed_(std::move(changed)), namespaces_(std::move(namespaces)) {}

LiveCache::~LiveCache() {
  for (std::jthread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

size_t LiveCache::kinds() const {
  std::lock_guard lock(mu_);
  return kinds_.size();
}

void LiveCache::Track(const Kind& kind, const kube::Object& object, bool present) {
  std::string app = sync::TrackedApp(object.Annotation(sync::kTrackingAnnotation));
  if (app.empty()) return;
  {
    std::lock_guard lock(mu_);
    auto ref =
        std::make_tuple(kind.key, std::string(object.Namespace()), std::string(object.Name()));
    if (present) {
      by_app_[app].insert(ref);
    } else if (auto it = by_app_.find(app); it != by_app_.end()) {
      it->second.erase(ref);
    }
  }
  if (changed_) changed_(app);
}

LiveCache::Kind& LiveCache::AddKind(const kube::GroupVersionKind& gvk) {
  std::vector<std::string> scopes = {""};
  if (!namespaces_.empty()) {
    kube::ApiResult<kube::ResourceMapping> mapping = client_.Mapping(gvk);
    bool namespaced = mapping.ok() && mapping->namespaced;
    scopes = namespaced ? namespaces_ : std::vector<std::string>{};
  }
  std::lock_guard lock(mu_);
  std::string key = KindKey(gvk);
  if (auto it = kinds_.find(key); it != kinds_.end()) return *it->second;
  auto kind = std::make_unique<Kind>();
  kind->gvk = gvk;
  kind->key = key;
  Kind* raw = kind.get();
  for (const std::string& ns : scopes) {
    kube::InformerHandlers handlers{
        .on_add = [this, raw](const kube::Object& added) { Track(*raw, added, true); },
        .on_update =
            [this, raw](const kube::Object& before, const kube::Object& after) {
              if (before.Annotation(sync::kTrackingAnnotation) !=
                  after.Annotation(sync::kTrackingAnnotation)) {
                Track(*raw, before, false);
              }
              Track(*raw, after, true);
            },
        .on_delete = [this, raw](const kube::Object& deleted) { Track(*raw, deleted, false); },
    };
    auto informer = std::make_unique<kube::Informer>(
        client_,
        kube::InformerOptions{
            .gvk = gvk,
            .ns = ns,
            .label_selector = std::string(sync::kManagedByLabel) + "=" + sync::kManagedByValue},
        std::move(handlers));
    kube::Informer* running = informer.get();
    std::stop_token stop = stop_;
    threads_.emplace_back([running, stop] { running->Run(stop); });
    kind->informers.emplace(ns, std::move(informer));
  }
  kinds_.emplace(key, std::move(kind));
  return *raw;
}

LiveCache::Kind* LiveCache::FindKind(const kube::GroupVersionKind& gvk) {
  std::lock_guard lock(mu_);
  auto it = kinds_.find(KindKey(gvk));
  return it == kinds_.end() ? nullptr : it->second.get();
}

Status LiveCache::Start(std::stop_token stop) {
  stop_ = stop;
  Result<std::vector<kube::GroupVersionKind>> kinds = sync::ListableKinds(client_);
  if (!kinds.ok()) return kinds.status();
  std::vector<Kind*> started;
  for (const kube::GroupVersionKind& gvk : *kinds) started.push_back(&AddKind(gvk));
  for (Kind* kind : started) kind->WaitForSync(stop, std::chrono::steady_clock::time_point::max());
  return Status();
}

Result<std::vector<kube::Object>> LiveCache::Read(const std::string& app_id,
                                                  const std::vector<kube::Object>& desired,
                                                  const std::string& destination_namespace) {
  std::map<kube::ResourceKey, kube::Object> found;
  std::vector<std::tuple<std::string, std::string, std::string>> refs;
  {
    std::lock_guard lock(mu_);
    if (auto it = by_app_.find(app_id); it != by_app_.end()) {
      refs.assign(it->second.begin(), it->second.end());
    }
  }
  for (const auto& [kind_key, ns, name] : refs) {
    Kind* kind = nullptr;
    {
      std::lock_guard lock(mu_);
      kind = kinds_.at(kind_key).get();
    }
    if (kube::ObjectRef object = kind->Get(ns, name)) {
      kube::Object typed = Typed(*object, kind->gvk);
      found.emplace(typed.Key(), std::move(typed));
    }
  }
  for (const kube::Object& object : desired) {
    if (object.Name().empty()) continue;
    Result<std::optional<sync::Placement>> placement =
        sync::Place(client_, object, destination_namespace);
    if (!placement.ok()) return placement.status();
    if (!placement->has_value()) continue;  // a kind the sync defines
    const sync::Placement& where = **placement;
    Kind* kind = FindKind(where.gvk);
    if (kind == nullptr) {
      kind = &AddKind(where.gvk);
      kind->WaitForSync(stop_, std::chrono::steady_clock::now() + std::chrono::seconds(10));
    }
    if (kube::ObjectRef cached = kind->Get(where.ns, object.Name())) {
      kube::Object typed = Typed(*cached, where.gvk);
      found.insert_or_assign(typed.Key(), std::move(typed));
      continue;
    }
    // Not managed by Converge (yet): the server has the answer.
    Result<std::optional<kube::Object>> live = sync::ReadCounterpart(client_, object, where);
    if (!live.ok()) return live.status();
    if (live->has_value()) found.insert_or_assign((*live)->Key(), std::move(**live));
  }
  std::vector<kube::Object> out;
  out.reserve(found.size());
  for (auto& [key, object] : found) out.push_back(std::move(object));
  return out;
}

}  // namespace converge::controller
