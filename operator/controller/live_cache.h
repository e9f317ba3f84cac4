#pragma once
// operator/controller/live_cache.h: the live objects Converge manages, kept by one informer per
// kind (label-selected: only objects carrying Converge's managed-by label), indexed by the
// Application their tracking id names. Reconciles read tracked objects from memory instead of
// listing every kind, and a change to a tracked object (drift, a rollout's progress, a
// deletion) is reported so its Application is looked at at once.
//
// Limited to namespaces (an operator whose RBAC covers only those), it keeps one informer per
// namespace of each namespaced kind and none for cluster-scoped kinds; objects elsewhere are
// read from the server, which refuses what the operator may not see.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "kube/client/client.h"
#include "kube/client/informer.h"

namespace converge::controller {

class LiveCache {
 public:
  // `changed` receives the app id ("<ns>_<name>") of a tracked object that was added, changed
  // or deleted. It runs on an informer's thread. `namespaces` empty: every namespace.
  LiveCache(kube::Client& client, std::function<void(const std::string& app_id)> changed,
            std::vector<std::string> namespaces = {});
  ~LiveCache();

  // Discovers the kinds the server lists and starts their informers; returns once each has
  // its first list (or `stop` is requested). Informers run until `stop`.
  Status Start(std::stop_token stop);

  // The objects tracked to `app_id`, and the live counterparts of `desired` (from the cache
  // when Converge manages them, else read from the server: an object to adopt, or one owned
  // by another Application). Desired objects without a namespace are looked up in
  // `destination_namespace`. Sorted by key. A kind without an informer yet (a CRD the last sync
  // created) gets one.
  Result<std::vector<kube::Object>> Read(const std::string& app_id,
                                         const std::vector<kube::Object>& desired,
                                         const std::string& destination_namespace);

  size_t kinds() const;

 private:
  struct Kind;
  Kind& AddKind(const kube::GroupVersionKind& gvk);
  Kind* FindKind(const kube::GroupVersionKind& gvk);
  void Track(const Kind& kind, const kube::Object& object, bool present);

  kube::Client& client_;
  std::function<void(const std::string&)> changed_;
  std::vector<std::string> namespaces_;
  std::stop_token stop_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Kind>> kinds_;  // by "group/version/Kind"
  // app id -> (kind key, namespace, name) of its tracked objects
  std::map<std::string, std::set<std::tuple<std::string, std::string, std::string>>> by_app_;
  std::vector<std::jthread> threads_;
};

}  // namespace converge::controller
