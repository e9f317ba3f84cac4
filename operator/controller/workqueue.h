#pragma once
// operator/controller/workqueue.h: the queue between watch events and reconcile workers, with
// client-go's workqueue guarantees: a key waits in the queue at most once however often it is
// added, a key is never handed to two workers at once (added while in progress, it is queued
// again when the worker is done), keys can be delayed, and failing keys back off
// exponentially per key. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "operator/metrics/prometheus.h"

namespace converge::controller {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // Per-key failure backoff: base × 2^failures, capped (client-go: 5 ms .. 1000 s).
    std::chrono::milliseconds base_delay{5};
    std::chrono::milliseconds max_delay{1000 * 1000};
  };

  WorkQueue() : WorkQueue(Options{}) {}
  explicit WorkQueue(Options options);

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  // Adds after the key's backoff, which doubles with each call until Forget.
  void AddRateLimited(const std::string& key);
  // Resets the key's backoff after a success.
  void Forget(const std::string& key);
  int Failures(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (nullopt). The caller must call Done.
  std::optional<std::string> Get();
  void Done(const std::string& key);

  // Wakes every Get; keys still queued are dropped, delayed ones are not added.
  void ShutDown();

  struct Stats {
    size_t depth = 0;    // keys waiting to be handed out
    size_t delayed = 0;  // keys waiting for their time
    uint64_t adds = 0;
  };
  Stats stats() const;
  // How long keys waited between being added (or falling due) and being handed out.
  const metrics::Histogram& waits() const { return waits_; }

 private:
  void AddLocked(const std::string& key);
  void PromoteDueLocked(Clock::time_point now);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued or to be queued again after Done
  std::set<std::string> processing_;  // handed out, Done not yet called
  std::map<std::string, Clock::time_point> added_at_;
  std::multimap<Clock::time_point, std::string> delayed_;
  std::map<std::string, Clock::time_point> delayed_due_;  // key -> its entry in delayed_
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
  uint64_t adds_ = 0;
  metrics::Histogram waits_;
};

}  // namespace converge::controller
