#include "operator/api/events.h"

#include <algorithm>

namespace converge::api {

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
  }
  return "MODIFIED";
}

EventLog::EventLog(size_t capacity, uint64_t first_id)
    : capacity_(std::max<size_t>(capacity, 1)), last_id_(first_id) {}

void EventLog::Record(EventType type, const std::string& key, const nlohmann::json& object) {
  {
    std::lock_guard lock(mu_);
    uint64_t id = ++last_id_;
    if (type == EventType::kDeleted) {
      current_.erase(key);
    } else {
      current_[key] = Current{id, object};
    }
    buffer_.push_back(Event{id, type, object});
    while (buffer_.size() > capacity_) buffer_.pop_front();
  }
  changed_.notify_all();
}

std::vector<Event> EventLog::State(uint64_t* last_id) const {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  for (const auto& [key, entry] : current_) {
    out.push_back(Event{entry.id, EventType::kAdded, entry.object});
  }
  std::sort(out.begin(), out.end(), [](const Event& a, const Event& b) { return a.id < b.id; });
  *last_id = last_id_;
  return out;
}

bool EventLog::Reaches(uint64_t id) const {
  if (id > last_id_) return false;
  if (buffer_.empty()) return id == last_id_;
  return id + 1 >= buffer_.front().id;
}

std::optional<std::vector<Event>> EventLog::After(uint64_t id, std::chrono::milliseconds wait,
                                                  std::stop_token stop) const {
  std::unique_lock lock(mu_);
  if (!Reaches(id)) return std::nullopt;
  changed_.wait_for(lock, stop, wait, [&] { return last_id_ > id; });
  if (!Reaches(id)) return std::nullopt;
  std::vector<Event> out;
  for (const Event& event : buffer_) {
    if (event.id > id) out.push_back(event);
  }
  return out;
}

nlohmann::json EventLog::WaitFor(const std::string& key,
                                 const std::function<bool(const nlohmann::json&)>& done,
                                 std::chrono::milliseconds wait) const {
  std::unique_lock lock(mu_);
  auto current = [&] {
    auto it = current_.find(key);
    return it == current_.end() ? nlohmann::json() : it->second.object;
  };
  changed_.wait_for(lock, wait, [&] { return done(current()); });
  return current();
}

}  // namespace converge::api
