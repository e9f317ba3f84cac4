#include "operator/api/events.h"

#include <algorithm>

namespace converge::api {
namespace {

std::shared_ptr<const std::string> Text(const kube::Object& object) {
  return std::make_shared<const std::string>(
      object.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

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

void EventLog::Add(EventType type, const std::string& key, kube::ObjectRef object,
                   std::shared_ptr<const std::string> data) {
  uint64_t id = ++last_id_;
  if (type == EventType::kDeleted) {
    current_.erase(key);
  } else {
    current_[key] = Current{id, std::move(object)};
  }
  buffer_.push_back(Event{id, type, std::move(data)});
  while (buffer_.size() > capacity_) buffer_.pop_front();
}

void EventLog::Record(EventType type, const std::string& key, kube::ObjectRef object) {
  std::shared_ptr<const std::string> data = Text(*object);
  {
    std::lock_guard lock(mu_);
    Add(type, key, std::move(object), std::move(data));
  }
  changed_.notify_all();
}

void EventLog::Seed(const std::string& key, kube::ObjectRef object) {
  std::shared_ptr<const std::string> data = Text(*object);
  {
    std::lock_guard lock(mu_);
    if (current_.contains(key)) return;
    Add(EventType::kAdded, key, std::move(object), std::move(data));
  }
  changed_.notify_all();
}

std::vector<Event> EventLog::State(uint64_t* last_id) const {
  std::vector<std::pair<uint64_t, kube::ObjectRef>> objects;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, entry] : current_) objects.emplace_back(entry.id, entry.object);
    *last_id = last_id_;
  }
  std::sort(objects.begin(), objects.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Event> out;
  out.reserve(objects.size());
  for (const auto& [id, object] : objects) {
    out.push_back(Event{id, EventType::kAdded, Text(*object)});
  }
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

kube::ObjectRef EventLog::WaitFor(const std::string& key,
                                  const std::function<bool(const kube::Object*)>& done,
                                  std::chrono::milliseconds wait) const {
  std::unique_lock lock(mu_);
  auto current = [&]() -> kube::ObjectRef {
    auto it = current_.find(key);
    return it == current_.end() ? nullptr : it->second.object;
  };
  changed_.wait_for(lock, wait, [&] { return done(current().get()); });
  return current();
}

}  // namespace converge::api
