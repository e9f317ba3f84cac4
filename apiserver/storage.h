#pragma once
// apiserver/storage.h (internal): durable object storage on SQLite, shaped like etcd: objects
// under "/registry/<group>/<resource>/[<namespace>/]<name>" keys, one global revision that
// every write increments and that is the objects' resourceVersion, and a revision-ordered event
// log that watches replay. A write returns only after SQLite has committed it in WAL mode with
// synchronous=FULL, so a client never sees success for a write a crash could lose.
//
// Thread-safe: one mutex serialises all access to the connection (mutex_).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace converge::apiserver {

enum class EventType { kAdded, kModified, kDeleted };

std::string_view EventTypeName(EventType type);

// A committed change. `text` is the object as JSON bytes, shared by every watcher.
struct Event {
  int64_t revision = 0;
  EventType type = EventType::kAdded;
  std::string key;
  std::shared_ptr<const std::string> text;
};

struct StoredObject {
  std::string key;
  int64_t revision = 0;  // of the last write
  nlohmann::json object;
};

struct ListPage {
  std::vector<StoredObject> items;
  int64_t revision = 0;   // the store's revision when the page was read
  std::string last_key;   // set when more items follow
  int64_t remaining = 0;  // items after this page
};

class Store {
 public:
  struct Options {
    // Events older than this are compacted away; watches starting before get 410 Expired.
    int64_t event_retention_seconds = 300;
  };

  // Opens (creating if needed) the database at `path`. `on_commit` is called for each event
  // after its transaction committed, in revision order, with the store's lock held: it must be
  // quick and must not call back into the store.
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& path, Options options,
                                             std::function<void(const Event&)> on_commit);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int64_t Revision() const;
  int64_t CompactedRevision() const;

  Result<std::optional<StoredObject>> Get(const std::string& key) const;
  // Objects whose keys start with `prefix` and sort after `after` (exclusive), at most `limit`
  // (0: all), ordered by key.
  Result<ListPage> List(const std::string& prefix, const std::string& after, size_t limit) const;
  // Events with revision > `after`, in order. kNotFound (expired) when `after` predates the
  // retention window.
  Result<std::vector<Event>> EventsAfter(int64_t after) const;

  // Writes. metadata.resourceVersion of the stored object becomes the new revision. Create fails
  // with kConflict when the key exists; Update and Delete with kConflict when `expected`
  // (a revision, 0 = any) differs from the stored one, and kNotFound when absent.
  Result<StoredObject> Create(const std::string& key, nlohmann::json object);
  Result<StoredObject> Update(const std::string& key, nlohmann::json object, int64_t expected);
  // Returns the final state (with the deletion's revision as resourceVersion).
  Result<StoredObject> Delete(const std::string& key, int64_t expected);

  // Drops events past the retention window. Returns how many were removed.
  Result<int64_t> Compact(int64_t now_seconds);

 private:
  Store() = default;
  Status Exec(const char* sql) const;
  Result<StoredObject> Write(const std::string& key, EventType type, nlohmann::json object,
                             int64_t expected);

  Options options_;
  std::function<void(const Event&)> on_commit_;
  mutable std::mutex mutex_;
  sqlite3* db_ = nullptr;           // guarded by mutex_
  int64_t revision_ = 0;            // guarded by mutex_
  int64_t compacted_revision_ = 0;  // guarded by mutex_
};

}  // namespace converge::apiserver
