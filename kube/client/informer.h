#pragma once
// kube/client/informer.h: a watch-fed cache of one kind, as client-go's informers keep it:
// list, then watch from the list's resourceVersion; a dropped stream resumes from the last
// version seen (bookmarks included), a 410 Expired relists and reconciles the cache against the
// fresh list with the events that make up the difference. A label selector keeps the cache to
// the objects Converge manages.
//
// Thread-safe: Run() on one thread (the operator's); reads from any. Handlers run on Run()'s
// thread, one at a time, in the order of the server's events, after the cache has changed.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client/client.h"

namespace converge::kube {

struct InformerOptions {
  GroupVersionKind gvk;
  std::string ns;                           // "" for all namespaces
  std::string label_selector;               // e.g. "app.kubernetes.io/managed-by=converge"
  std::chrono::seconds watch_timeout{300};  // each watch request's timeoutSeconds
  std::chrono::milliseconds retry_base{
      200};  // backoff after a failed list or watch, doubling to 30 s
};

struct InformerHandlers {
  std::function<void(const Object& added)> on_add;
  std::function<void(const Object& before, const Object& after)> on_update;
  std::function<void(const Object& deleted)> on_delete;
};

using ObjectRef = std::shared_ptr<const Object>;

class Informer {
 public:
  // `client` must outlive the informer.
  Informer(Client& client, InformerOptions options, InformerHandlers handlers = {});

  // Lists and watches until `stop` is requested. Errors are retried with backoff; they are
  // logged at debug and counted in errors().
  void Run(std::stop_token stop);

  // True once the first list is in the cache and its handlers have run.
  bool Synced() const;
  // Waits until Synced() or `timeout`; returns Synced().
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  // nullptr when absent. Cluster-scoped objects have ns "".
  ObjectRef Get(std::string_view ns, std::string_view name) const;
  // Sorted by namespace, then name.
  std::vector<ObjectRef> List() const;
  std::vector<ObjectRef> ByNamespace(std::string_view ns) const;
  // Objects whose label `key` has `value`.
  std::vector<ObjectRef> ByLabel(std::string_view key, std::string_view value) const;
  size_t Size() const;

  std::string resource_version() const;  // the last version seen
  int64_t lists() const;                 // full lists so far (1 + relists)
  int64_t errors() const;

 private:
  using Key = std::pair<std::string, std::string>;  // namespace, name

  ApiResult<Done> ListAndReplace();
  ApiResult<Done> WatchFrom(std::stop_token stop);
  bool Apply(WatchEvent&& event);
  void Index(const Key& key, const Object& object, bool add);
  std::vector<ObjectRef> Collect(const std::set<Key>& keys) const;

  Client& client_;
  InformerOptions options_;
  InformerHandlers handlers_;

  mutable std::shared_mutex mutex_;
  std::map<Key, ObjectRef> objects_;               // guarded by mutex_
  std::map<std::string, std::set<Key>> by_label_;  // guarded by mutex_: "key=value" → objects
  std::string resource_version_;                   // guarded by mutex_
  bool synced_ = false;                            // guarded by mutex_
  int64_t lists_ = 0;                              // guarded by mutex_
  int64_t errors_ = 0;                             // guarded by mutex_
  mutable std::condition_variable_any synced_changed_;
};

}  // namespace converge::kube
