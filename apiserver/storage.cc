#include "apiserver/storage.h"

#include <sqlite3.h>

#include "base/clock.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS objects (
  key TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  revision INTEGER PRIMARY KEY,
  type INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// A prepared statement that finalises itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool valid() const { return stmt_ != nullptr; }
  void Bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  int Step() { return sqlite3_step(stmt_); }
  int64_t Int(int column) { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data == nullptr
               ? std::string()
               : std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string Error(sqlite3* db, const std::string& what) {
  return "storage: " + what + ": " + sqlite3_errmsg(db);
}

Result<nlohmann::json> ParseStored(const std::string& text, const std::string& key) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) {
    return Status::Internal("storage: the value of " + key + " is not JSON");
  }
  return value;
}

// The successor of a prefix in key order: every key with the prefix sorts before it.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
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
  return "ERROR";
}

Result<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& path, Options options,
                                           std::function<void(const Event&)> on_commit) {
  std::unique_ptr<Store> store(new Store());
  store->options_ = options;
  store->on_commit_ = std::move(on_commit);
  if (sqlite3_open_v2(path.c_str(), &store->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return Status::Unavailable(Error(store->db_, "cannot open " + path.string()));
  }
  // WAL with synchronous=FULL: a commit is on disk before the write is acknowledged.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA busy_timeout=5000", "PRAGMA foreign_keys=OFF"}) {
    if (Status s = store->Exec(pragma); !s.ok()) return s;
  }
  if (Status s = store->Exec(kSchema); !s.ok()) return s;
  Statement meta(store->db_, "SELECT name, value FROM meta");
  while (meta.Step() == SQLITE_ROW) {
    std::string name = meta.Text(0);
    if (name == "revision") store->revision_ = meta.Int(1);
    if (name == "compacted") store->compacted_revision_ = meta.Int(1);
  }
  return store;
}

Store::~Store() { sqlite3_close(db_); }

Status Store::Exec(const char* sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return Status::Internal("storage: " + text);
  }
  return Status();
}

int64_t Store::Revision() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return revision_;
}

int64_t Store::CompactedRevision() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return compacted_revision_;
}

Result<std::optional<StoredObject>> Store::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement select(db_, "SELECT revision, value FROM objects WHERE key = ?");
  select.Bind(1, key);
  int rc = select.Step();
  if (rc == SQLITE_DONE) return std::optional<StoredObject>();
  if (rc != SQLITE_ROW) return Status::Internal(Error(db_, "get " + key));
  Result<nlohmann::json> object = ParseStored(select.Text(1), key);
  if (!object.ok()) return object.status();
  return std::optional<StoredObject>(StoredObject{key, select.Int(0), std::move(*object)});
}

Result<ListPage> Store::List(const std::string& prefix, const std::string& after,
                             size_t limit) const {
  std::lock_guard<std::mutex> lock(mutex_);
  ListPage page;
  page.revision = revision_;
  std::string start = after.empty() ? prefix : after;
  std::string end = PrefixEnd(prefix);
  Statement select(db_, after.empty()
                            ? "SELECT key, revision, value FROM objects WHERE key >= ? AND key < ? "
                              "ORDER BY key"
                            : "SELECT key, revision, value FROM objects WHERE key > ? AND key < ? "
                              "ORDER BY key");
  select.Bind(1, start);
  select.Bind(2, end);
  int rc;
  while ((rc = select.Step()) == SQLITE_ROW) {
    if (limit > 0 && page.items.size() == limit) {
      page.last_key = page.items.back().key;
      ++page.remaining;
      continue;
    }
    std::string key = select.Text(0);
    Result<nlohmann::json> object = ParseStored(select.Text(2), key);
    if (!object.ok()) return object.status();
    page.items.push_back({std::move(key), select.Int(1), std::move(*object)});
  }
  if (rc != SQLITE_DONE) return Status::Internal(Error(db_, "list " + prefix));
  return page;
}

Result<std::vector<Event>> Store::EventsAfter(int64_t after) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (after < compacted_revision_) {
    return Status::NotFound("too old resource version: " + std::to_string(after) + " (" +
                            std::to_string(compacted_revision_) + ")");
  }
  Statement select(db_,
                   "SELECT revision, type, key, value FROM events WHERE revision > ? "
                   "ORDER BY revision");
  select.Bind(1, after);
  std::vector<Event> events;
  int rc;
  while ((rc = select.Step()) == SQLITE_ROW) {
    events.push_back({select.Int(0), static_cast<EventType>(select.Int(1)), select.Text(2),
                      std::make_shared<const std::string>(select.Text(3))});
  }
  if (rc != SQLITE_DONE) return Status::Internal(Error(db_, "read events"));
  return events;
}

Result<StoredObject> Store::Create(const std::string& key, nlohmann::json object) {
  return Write(key, EventType::kAdded, std::move(object), 0);
}

Result<StoredObject> Store::Update(const std::string& key, nlohmann::json object,
                                   int64_t expected) {
  return Write(key, EventType::kModified, std::move(object), expected);
}

Result<StoredObject> Store::Delete(const std::string& key, int64_t expected) {
  return Write(key, EventType::kDeleted, nullptr, expected);
}

Result<StoredObject> Store::Write(const std::string& key, EventType type, nlohmann::json object,
                                  int64_t expected) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  auto rollback = [&](Status status) {
    Exec("ROLLBACK");
    return status;
  };
  Statement current(db_, "SELECT revision, value FROM objects WHERE key = ?");
  current.Bind(1, key);
  int rc = current.Step();
  bool exists = rc == SQLITE_ROW;
  if (!exists && rc != SQLITE_DONE) return rollback(Status::Internal(Error(db_, "read " + key)));
  if (type == EventType::kAdded && exists) {
    return rollback(Status::Conflict(key + " already exists"));
  }
  if (type != EventType::kAdded && !exists) return rollback(Status::NotFound(key + " not found"));
  if (exists && expected != 0 && current.Int(0) != expected) {
    return rollback(Status::Conflict(key + " was modified"));
  }
  int64_t revision = revision_ + 1;
  if (type == EventType::kDeleted) {
    Result<nlohmann::json> last = ParseStored(current.Text(1), key);
    if (!last.ok()) return rollback(last.status());
    object = std::move(*last);
  }
  object["metadata"]["resourceVersion"] = std::to_string(revision);
  std::string text = kube::EncodeJson(object);

  Statement write(db_,
                  type == EventType::kDeleted
                      ? "DELETE FROM objects WHERE key = ?"
                      : "INSERT OR REPLACE INTO objects (key, revision, value) VALUES (?, ?, ?)");
  write.Bind(1, key);
  if (type != EventType::kDeleted) {
    write.Bind(2, revision);
    write.Bind(3, text);
  }
  Statement log(db_, "INSERT INTO events (revision, type, key, value, at) VALUES (?, ?, ?, ?, ?)");
  log.Bind(1, revision);
  log.Bind(2, static_cast<int64_t>(type));
  log.Bind(3, key);
  log.Bind(4, text);
  log.Bind(5, UnixSeconds());
  Statement meta(db_, "INSERT OR REPLACE INTO meta (name, value) VALUES ('revision', ?)");
  meta.Bind(1, revision);
  if (write.Step() != SQLITE_DONE || log.Step() != SQLITE_DONE || meta.Step() != SQLITE_DONE) {
    return rollback(Status::Internal(Error(db_, "write " + key)));
  }
  if (Status s = Exec("COMMIT"); !s.ok()) return rollback(s);
  revision_ = revision;
  if (on_commit_) {
    on_commit_(Event{revision, type, key, std::make_shared<const std::string>(text)});
  }
  return StoredObject{key, revision, std::move(object)};
}

Result<int64_t> Store::Compact(int64_t now_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  Statement newest(db_, "SELECT MAX(revision) FROM events WHERE at < ?");
  newest.Bind(1, now_seconds - options_.event_retention_seconds);
  if (newest.Step() != SQLITE_ROW) return Status::Internal(Error(db_, "compact"));
  int64_t cutoff = newest.Int(0);
  if (cutoff <= compacted_revision_) return int64_t{0};
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Statement remove(db_, "DELETE FROM events WHERE revision <= ?");
  remove.Bind(1, cutoff);
  Statement meta(db_, "INSERT OR REPLACE INTO meta (name, value) VALUES ('compacted', ?)");
  meta.Bind(1, cutoff);
  if (remove.Step() != SQLITE_DONE) {
    Exec("ROLLBACK");
    return Status::Internal(Error(db_, "compact"));
  }
  int64_t removed = sqlite3_changes(db_);
  if (meta.Step() != SQLITE_DONE) {
    Exec("ROLLBACK");
    return Status::Internal(Error(db_, "compact"));
  }
  if (Status s = Exec("COMMIT"); !s.ok()) return s;
  compacted_revision_ = cutoff;
  return removed;
}

}  // namespace converge::apiserver
