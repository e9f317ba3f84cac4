#pragma once
// operator/api/events.h: the numbered log of Application changes that event streams read: the
// current state of every Application (with the id of its last change) and a bounded buffer of
// the latest events. The current objects are the cache's own (shared, not copied); the buffer
// keeps JSON text, several times smaller than parsed objects, and what streams send anyway.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "kube/client/informer.h"

namespace converge::api {

enum class EventType { kAdded, kModified, kDeleted };
std::string_view EventTypeName(EventType type);  // "ADDED", ...

struct Event {
  uint64_t id = 0;
  EventType type = EventType::kAdded;
  std::shared_ptr<const std::string> data;  // the Application as JSON text
};

class EventLog {
 public:
  // Ids start above `first_id`; starting from the clock makes the ids of a restarted process
  // larger than any its predecessor gave out, so an old Last-Event-ID is never mistaken.
  EventLog(size_t capacity, uint64_t first_id);

  // Records a change (key: "namespace/name") and wakes the waiting readers.
  void Record(EventType type, const std::string& key, kube::ObjectRef object);
  // Records `object` as ADDED unless the log already holds `key` (filling the log from a
  // cache that was watching before the log subscribed).
  void Seed(const std::string& key, kube::ObjectRef object);

  // Every current Application as an ADDED event whose id is that of its last change, in id
  // order; and the id of the last event.
  std::vector<Event> State(uint64_t* last_id) const;

  // The events after `id`, waiting up to `wait` (or until `stop`) for one; empty when none
  // came. nullopt when `id` is not in the buffer's reach (too old, or not given out).
  std::optional<std::vector<Event>> After(uint64_t id, std::chrono::milliseconds wait,
                                          std::stop_token stop) const;

  // The current object at `key` (null when absent), once `done` holds for it (given null when
  // absent) or `wait` passed.
  kube::ObjectRef WaitFor(const std::string& key,
                          const std::function<bool(const kube::Object*)>& done,
                          std::chrono::milliseconds wait) const;

 private:
  bool Reaches(uint64_t id) const;  // REQUIRES: mu_ held
  void Add(EventType type, const std::string& key, kube::ObjectRef object,
           std::shared_ptr<const std::string> data);  // REQUIRES: mu_ held

  size_t capacity_;
  mutable std::mutex mu_;
  mutable std::condition_variable_any changed_;
  uint64_t last_id_;          // guarded by mu_
  std::deque<Event> buffer_;  // guarded by mu_
  struct Current {
    uint64_t id = 0;
    kube::ObjectRef object;
  };
  std::map<std::string, Current> current_;  // guarded by mu_
};

}  // namespace converge::api
