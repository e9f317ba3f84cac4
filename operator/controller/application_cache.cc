#include "operator/controller/application_cache.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "operator/application/application.h"

namespace converge::controller {
ApplicationCache::ApplicationCache(kube::Client& client, std::vector<std::string> namespaces) {
  if (namespaces.empty()) namespaces.push_back("");
  for (const std::string& ns : namespaces) {
    // Handlers hand subscribers the cached object itself (the informer changed its cache
    // before calling), so that they can keep it without a copy.
    size_t index = informers_.size();
    auto cached = [this, index](const kube::Object& object) {
      kube::ObjectRef found = informers_[index]->Get(object.Namespace(), object.Name());
      return found != nullptr ? found : std::make_shared<const kube::Object>(object);
    };
    informers_.push_back(std::make_unique<kube::Informer>(
        client, kube::InformerOptions{.gvk = app::kApplicationGvk, .ns = ns},
        kube::InformerHandlers{
            .on_add =
                [this, cached](const kube::Object& added) {
                  kube::ObjectRef ref = cached(added);
                  Notify([&](const ApplicationHandlers& h) {
                    if (h.on_add) h.on_add(ref);
                  });
                },
            .on_update =
                [this, cached](const kube::Object& before, const kube::Object& after) {
                  kube::ObjectRef ref = cached(after);
                  Notify([&](const ApplicationHandlers& h) {
                    if (h.on_update) h.on_update(before, ref);
                  });
                },
            .on_delete =
                [this](const kube::Object& deleted) {
                  Notify([&](const ApplicationHandlers& h) {
                    if (h.on_delete) h.on_delete(deleted);
                  });
                }}));
  }
}

ApplicationCache::~ApplicationCache() = default;

void ApplicationCache::Run(std::stop_token stop) {
  std::vector<std::jthread> threads;
  for (auto& informer : informers_) {
    threads.emplace_back([&informer, stop] { informer->Run(stop); });
  }
}

bool ApplicationCache::WaitForSync(std::stop_token stop) const {
  for (const auto& informer : informers_) {
    while (!stop.stop_requested() && !informer->WaitForSync(std::chrono::milliseconds(200))) {
    }
  }
  return !stop.stop_requested() && Synced();
}

bool ApplicationCache::Synced() const {
  return std::all_of(informers_.begin(), informers_.end(),
                     [](const auto& informer) { return informer->Synced(); });
}

kube::ObjectRef ApplicationCache::Get(std::string_view ns, std::string_view name) const {
  for (const auto& informer : informers_) {
    if (kube::ObjectRef found = informer->Get(ns, name)) return found;
  }
  return nullptr;
}

std::vector<kube::ObjectRef> ApplicationCache::List() const {
  if (informers_.size() == 1) return informers_.front()->List();
  std::vector<kube::ObjectRef> out;
  for (const auto& informer : informers_) {
    std::vector<kube::ObjectRef> listed = informer->List();
    out.insert(out.end(), listed.begin(), listed.end());
  }
  std::sort(out.begin(), out.end(), [](const kube::ObjectRef& a, const kube::ObjectRef& b) {
    return std::pair(a->Namespace(), a->Name()) < std::pair(b->Namespace(), b->Name());
  });
  return out;
}

uint64_t ApplicationCache::Subscribe(ApplicationHandlers handlers) {
  std::unique_lock lock(subscribers_mu_);
  uint64_t id = next_id_++;
  subscribers_.emplace(id, std::move(handlers));
  return id;
}

void ApplicationCache::Unsubscribe(uint64_t id) {
  std::unique_lock lock(subscribers_mu_);
  subscribers_.erase(id);
}

void ApplicationCache::Notify(const std::function<void(const ApplicationHandlers&)>& call) const {
  std::shared_lock lock(subscribers_mu_);
  for (const auto& [id, handlers] : subscribers_) call(handlers);
}

}  // namespace converge::controller
