#pragma once
// apiserver/watch.h (internal): fan-out of committed events to watch streams. The store
// publishes each event once, in revision order; every subscription whose key prefix matches
// gets a shared reference. A subscription holds at most `capacity` undelivered events: a
// watcher that falls that far behind is cut off (overflowed) instead of slowing writers, and
// its client re-lists, as with a real API server.
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "apiserver/storage.h"

namespace converge::apiserver {

class Subscription {
 public:
  Subscription(std::string prefix, size_t capacity)
      : prefix_(std::move(prefix)), capacity_(capacity) {}

  // Waits up to `timeout` for events and takes them all. Empty on timeout, overflow or close.
  std::vector<Event> Take(std::chrono::milliseconds timeout);
  bool overflowed() const;
  bool closed() const;
  const std::string& prefix() const { return prefix_; }

 private:
  friend class WatchHub;
  void Push(const Event& event);
  void Close();

  const std::string prefix_;
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Event> queue_;  // guarded by mutex_
  bool overflowed_ = false;  // guarded by mutex_
  bool closed_ = false;      // guarded by mutex_
};

class WatchHub {
 public:
  std::shared_ptr<Subscription> Subscribe(const std::string& prefix, size_t capacity);
  void Unsubscribe(const std::shared_ptr<Subscription>& subscription);
  void Publish(const Event& event);
  // Wakes and closes every subscription (server shutdown).
  void CloseAll();
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Subscription>> subscriptions_;  // guarded by mutex_
};

}  // namespace converge::apiserver
