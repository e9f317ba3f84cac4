#pragma once
// operator/controller/application_cache.h: the Applications of the watched namespaces, held
// once per process. The controller and the HTTP API both read it and subscribe to its changes:
// a copy each would double the operator's largest memory cost at a thousand Applications. It
// runs whether or not this replica leads, so a standby's API answers too.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client/client.h"
#include "kube/client/informer.h"

namespace converge::controller {

struct ApplicationHandlers {
  std::function<void(const kube::ObjectRef& added)> on_add;
  std::function<void(const kube::Object& before, const kube::ObjectRef& after)> on_update;
  std::function<void(const kube::Object& deleted)> on_delete;
};

class ApplicationCache {
 public:
  // `namespaces` empty: all. `client` must outlive the cache.
  ApplicationCache(kube::Client& client, std::vector<std::string> namespaces);
  ~ApplicationCache();

  // Lists and watches until `stop`.
  void Run(std::stop_token stop);

  // Waits until every namespace's first list is in, or `stop`; returns whether it is.
  bool WaitForSync(std::stop_token stop) const;
  bool Synced() const;

  kube::ObjectRef Get(std::string_view ns, std::string_view name) const;
  // Sorted by namespace, then name.
  std::vector<kube::ObjectRef> List() const;

  // Calls `handlers` for every change from now on (on the watching threads, after the cache
  // changed) until Unsubscribe, which waits for a call under way. Changes before subscribing
  // are not replayed: subscribers read List() after subscribing.
  uint64_t Subscribe(ApplicationHandlers handlers);
  void Unsubscribe(uint64_t id);

 private:
  void Notify(const std::function<void(const ApplicationHandlers&)>& call) const;

  std::vector<std::unique_ptr<kube::Informer>> informers_;
  mutable std::shared_mutex subscribers_mu_;
  std::map<uint64_t, ApplicationHandlers> subscribers_;  // guarded by subscribers_mu_
  uint64_t next_id_ = 1;                                 // guarded by subscribers_mu_
};

}  // namespace converge::controller
