#include "kube/client/informer.h"

#include <algorithm>

#include "base/log.h"
#include "kube/client/wait.h"

namespace converge::kube {
namespace {

std::string LabelKey(std::string_view key, std::string_view value) {
  std::string out;
  out.reserve(key.size() + value.size() + 1);
  out.append(key).append("=").append(value);
  return out;
}

std::string VersionOf(const Object& object) {
  return std::string(StringAt(object.json(), {"metadata", "resourceVersion"}));
}

}  // namespace

Informer::Informer(Client& client, InformerOptions options, InformerHandlers handlers)
    : client_(client), options_(std::move(options)), handlers_(std::move(handlers)) {}

void Informer::Run(std::stop_token stop) {
  bool need_list = true;
  int failures = 0;
  while (!stop.stop_requested()) {
    auto started = std::chrono::steady_clock::now();
    ApiResult<Done> result = need_list ? ListAndReplace() : ApiResult<Done>(Done{});
    if (result.ok()) {
      need_list = false;
      result = WatchFrom(stop);
    }
    if (stop.stop_requested()) break;
    bool quick = std::chrono::steady_clock::now() - started < std::chrono::seconds(1);
    if (result.ok() && !quick) {
      failures = 0;
      continue;  // the server ended the stream: resume from the last version
    }
    if (!result.ok() && result.reason() == Reason::kGone) {
      need_list = true;  // too old to resume: relist, at once
      continue;
    }
    if (!result.ok()) {
      std::unique_lock lock(mutex_);
      ++errors_;
      log::Debug("informer retrying",
                 {{"kind", options_.gvk.kind}, {"error", result.error().message}});
    }
    auto backoff = options_.retry_base * (1 << std::min(failures, 8));
    failures++;
    SleepUnlessStopped(std::min<std::chrono::milliseconds>(backoff, std::chrono::seconds(30)),
                       stop);
  }
}

ApiResult<Done> Informer::ListAndReplace() {
  ApiResult<ObjectList> list =
      client_.List(options_.gvk, options_.ns, {.label_selector = options_.label_selector});
  if (!list.ok()) return list.error();
  std::map<Key, ObjectRef> fresh;
  for (Object& item : list->items) {
    // A list's items carry no apiVersion and kind (watch events' objects do): the cache
    // holds them typed alike.
    if (item.ApiVersion().empty()) item.mutable_json()["apiVersion"] = options_.gvk.ApiVersion();
    if (item.Kind().empty()) item.mutable_json()["kind"] = options_.gvk.kind;
    Key key{std::string(item.Namespace()), std::string(item.Name())};
    fresh.emplace(std::move(key), std::make_shared<const Object>(std::move(item)));
  }
  std::vector<ObjectRef> added;
  std::vector<std::pair<ObjectRef, ObjectRef>> updated;
  std::vector<ObjectRef> deleted;
  {
    std::unique_lock lock(mutex_);
    for (const auto& [key, object] : objects_) {
      auto now = fresh.find(key);
      if (now == fresh.end()) {
        deleted.push_back(object);
      } else if (VersionOf(*now->second) != VersionOf(*object)) {
        updated.emplace_back(object, now->second);
      }
    }
    for (const auto& [key, object] : fresh) {
      if (!objects_.contains(key)) added.push_back(object);
    }
    objects_ = std::move(fresh);
    by_label_.clear();
    for (const auto& [key, object] : objects_) Index(key, *object, true);
    resource_version_ = list->resource_version;
    ++lists_;
  }
  for (const ObjectRef& object : deleted) {
    if (handlers_.on_delete) handlers_.on_delete(*object);
  }
  for (const auto& [before, after] : updated) {
    if (handlers_.on_update) handlers_.on_update(*before, *after);
  }
  for (const ObjectRef& object : added) {
    if (handlers_.on_add) handlers_.on_add(*object);
  }
  // Synced only once the list's handlers ran: whoever waits for it and then reads the cache
  // has heard of everything in it.
  {
    std::unique_lock lock(mutex_);
    synced_ = true;
  }
  synced_changed_.notify_all();
  return Done{};
}

ApiResult<Done> Informer::WatchFrom(std::stop_token stop) {
  WatchOptions watch{.resource_version = resource_version(),
                     .label_selector = options_.label_selector,
                     .bookmarks = true,
                     .timeout = options_.watch_timeout};
  return client_.Watch(
      options_.gvk, options_.ns, watch,
      [this](WatchEvent&& event) { return Apply(std::move(event)); }, stop);
}

bool Informer::Apply(WatchEvent&& event) {
  std::string version = VersionOf(event.object);
  if (event.type == WatchEventType::kBookmark) {
    std::unique_lock lock(mutex_);
    if (!version.empty()) resource_version_ = version;
    return true;
  }
  Key key{std::string(event.object.Namespace()), std::string(event.object.Name())};
  auto object = std::make_shared<const Object>(std::move(event.object));
  ObjectRef before;
  {
    std::unique_lock lock(mutex_);
    auto found = objects_.find(key);
    if (found != objects_.end()) {
      before = found->second;
      Index(key, *before, false);
    }
    if (event.type == WatchEventType::kDeleted) {
      if (found != objects_.end()) objects_.erase(found);
    } else {
      objects_[key] = object;
      Index(key, *object, true);
    }
    if (!version.empty()) resource_version_ = version;
  }
  if (event.type == WatchEventType::kDeleted) {
    // The event carries the object's final state (for a selector, the change that took it out).
    if (handlers_.on_delete) handlers_.on_delete(*object);
  } else if (before) {
    if (handlers_.on_update) handlers_.on_update(*before, *object);
  } else if (handlers_.on_add) {
    handlers_.on_add(*object);
  }
  return true;
}

void Informer::Index(const Key& key, const Object& object, bool add) {
  const nlohmann::json& labels = object.Labels();
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    if (!it.value().is_string()) continue;
    std::string label = LabelKey(it.key(), it.value().get_ref<const std::string&>());
    if (add) {
      by_label_[label].insert(key);
      continue;
    }
    auto entry = by_label_.find(label);
    if (entry == by_label_.end()) continue;
    entry->second.erase(key);
    if (entry->second.empty()) by_label_.erase(entry);
  }
}

bool Informer::Synced() const {
  std::shared_lock lock(mutex_);
  return synced_;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::shared_lock lock(mutex_);
  return synced_changed_.wait_for(lock, timeout, [this] { return synced_; });
}

ObjectRef Informer::Get(std::string_view ns, std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto found = objects_.find(Key{std::string(ns), std::string(name)});
  return found == objects_.end() ? nullptr : found->second;
}

std::vector<ObjectRef> Informer::List() const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectRef> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<ObjectRef> Informer::ByNamespace(std::string_view ns) const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectRef> out;
  for (auto it = objects_.lower_bound(Key{std::string(ns), ""});
       it != objects_.end() && it->first.first == ns; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<ObjectRef> Informer::ByLabel(std::string_view key, std::string_view value) const {
  std::shared_lock lock(mutex_);
  auto entry = by_label_.find(LabelKey(key, value));
  if (entry == by_label_.end()) return {};
  return Collect(entry->second);
}

std::vector<ObjectRef> Informer::Collect(const std::set<Key>& keys) const {
  std::vector<ObjectRef> out;
  out.reserve(keys.size());
  for (const Key& key : keys) {
    auto found = objects_.find(key);
    if (found != objects_.end()) out.push_back(found->second);
  }
  return out;
}

size_t Informer::Size() const {
  std::shared_lock lock(mutex_);
  return objects_.size();
}

std::string Informer::resource_version() const {
  std::shared_lock lock(mutex_);
  return resource_version_;
}

int64_t Informer::lists() const {
  std::shared_lock lock(mutex_);
  return lists_;
}

int64_t Informer::errors() const {
  std::shared_lock lock(mutex_);
  return errors_;
}

}  // namespace converge::kube
