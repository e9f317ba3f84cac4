#include "operator/controller/workqueue.h"

#include <algorithm>

namespace converge::controller {

WorkQueue::WorkQueue(Options options) : options_(options) {}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  ++adds_;
  if (processing_.contains(key)) return;  // queued again by Done
  queue_.push_back(key);
  added_at_[key] = Clock::now();
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  if (delay <= std::chrono::milliseconds::zero()) {
    AddLocked(key);
    return;
  }
  Clock::time_point due = Clock::now() + delay;
  // One pending delay per key, the earliest: a later AddAfter never postpones an earlier one.
  if (auto pending = delayed_due_.find(key); pending != delayed_due_.end()) {
    if (pending->second <= due) return;
    auto [first, last] = delayed_.equal_range(pending->second);
    for (auto it = first; it != last; ++it) {
      if (it->second == key) {
        delayed_.erase(it);
        break;
      }
    }
  }
  delayed_.emplace(due, key);
  delayed_due_[key] = due;
  cv_.notify_all();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mu_);
    int failures = failures_[key]++;
    int64_t ms = options_.base_delay.count();
    for (int i = 0; i < failures && ms < options_.max_delay.count(); ++i) ms *= 2;
    delay = std::min(std::chrono::milliseconds(ms), options_.max_delay);
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int WorkQueue::Failures(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::PromoteDueLocked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    delayed_due_.erase(key);
    AddLocked(key);
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    PromoteDueLocked(Clock::now());
    if (!queue_.empty()) break;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      // A copy: the entry may be erased while the lock is released.
      Clock::time_point due = delayed_.begin()->first;
      cv_.wait_until(lock, due);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  auto added = added_at_.find(key);
  if (added != added_at_.end()) {
    waits_.Observe(std::chrono::duration<double>(Clock::now() - added->second).count());
    added_at_.erase(added);
  }
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.contains(key) && !shutting_down_) {
    queue_.push_back(key);
    added_at_[key] = Clock::now();
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  queue_.clear();
  delayed_.clear();
  delayed_due_.clear();
  cv_.notify_all();
}

WorkQueue::Stats WorkQueue::stats() const {
  std::lock_guard lock(mu_);
  return Stats{.depth = queue_.size(), .delayed = delayed_.size(), .adds = adds_};
}

}  // namespace converge::controller
