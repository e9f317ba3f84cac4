#include "apiserver/watch.h"

#include <algorithm>

namespace converge::apiserver {

std::vector<Event> Subscription::Take(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait_for(lock, timeout, [&] { return !queue_.empty() || overflowed_ || closed_; });
  if (overflowed_ || closed_) return {};
  std::vector<Event> events(std::make_move_iterator(queue_.begin()),
                            std::make_move_iterator(queue_.end()));
  queue_.clear();
  return events;
}

bool Subscription::overflowed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return overflowed_;
}

bool Subscription::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

void Subscription::Push(const Event& event) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (overflowed_ || closed_) return;
    if (queue_.size() >= capacity_) {
      overflowed_ = true;
      queue_.clear();
    } else {
      queue_.push_back(event);
    }
  }
  ready_.notify_one();
}

void Subscription::Close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

std::shared_ptr<Subscription> WatchHub::Subscribe(const std::string& prefix, size_t capacity) {
  auto subscription = std::make_shared<Subscription>(prefix, capacity);
  std::lock_guard<std::mutex> lock(mutex_);
  subscriptions_.push_back(subscription);
  return subscription;
}

void WatchHub::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase(subscriptions_, subscription);
}

void WatchHub::Publish(const Event& event) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::shared_ptr<Subscription>& subscription : subscriptions_) {
    if (event.key.compare(0, subscription->prefix().size(), subscription->prefix()) == 0) {
      subscription->Push(event);
    }
  }
}

void WatchHub::CloseAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::shared_ptr<Subscription>& subscription : subscriptions_) subscription->Close();
}

size_t WatchHub::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return subscriptions_.size();
}

}  // namespace converge::apiserver
