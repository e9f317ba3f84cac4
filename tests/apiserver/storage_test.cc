// The SQLite store: etcd-like revisions, preconditions and the event log (unit tests of one
// class; the API server tests drive it through HTTP).

#include "apiserver/storage.h"

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

json Object(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
}

std::unique_ptr<Store> Open(const testing::TempDir& dir, std::vector<Event>* events = nullptr,
                            int64_t retention = 300) {
  Result<std::unique_ptr<Store>> store =
      Store::Open(dir.path() / "state.db", {.event_retention_seconds = retention},
                  [events](const Event& event) {
                    if (events != nullptr) events->push_back(event);
                  });
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(StoreTest, EveryWriteTakesTheNextRevision) {
  testing::TempDir dir;
  std::vector<Event> events;
  std::unique_ptr<Store> store = Open(dir, &events);
  Result<StoredObject> a = store->Create("/registry/core/configmaps/ns/a", Object("a"));
  Result<StoredObject> b = store->Create("/registry/core/configmaps/ns/b", Object("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->revision, 1);
  EXPECT_EQ(b->revision, 2);
  EXPECT_EQ(b->object["metadata"]["resourceVersion"], "2");
  Result<StoredObject> updated = store->Update(a->key, Object("a"), a->revision);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->revision, 3);
  EXPECT_EQ(store->Revision(), 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].type, EventType::kModified);
  EXPECT_EQ(events[2].revision, 3);
}

TEST(StoreTest, PreconditionsAndExistence) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = Open(dir);
  std::string key = "/registry/core/configmaps/ns/a";
  ASSERT_TRUE(store->Create(key, Object("a")).ok());
  EXPECT_EQ(store->Create(key, Object("a")).status().code(), StatusCode::kConflict);
  EXPECT_EQ(store->Update(key, Object("a"), 99).status().code(), StatusCode::kConflict);
  EXPECT_EQ(store->Update("/registry/core/configmaps/ns/missing", Object("x"), 0).status().code(),
            StatusCode::kNotFound);
  Result<StoredObject> deleted = store->Delete(key, 0);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->object["metadata"]["name"], "a") << "the final state is returned";
  EXPECT_EQ(deleted->revision, 2);
  EXPECT_FALSE(store->Get(key)->has_value());
}

TEST(StoreTest, ListsByPrefixInKeyOrderWithPages) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = Open(dir);
  for (const char* name : {"c", "a", "b"}) {
    ASSERT_TRUE(
        store->Create(std::string("/registry/core/configmaps/ns/") + name, Object(name)).ok());
  }
  ASSERT_TRUE(store->Create("/registry/core/configmaps/other/z", Object("z")).ok());
  Result<ListPage> first = store->List("/registry/core/configmaps/ns/", "", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].object["metadata"]["name"], "a");
  EXPECT_EQ(first->remaining, 1);
  Result<ListPage> rest = store->List("/registry/core/configmaps/ns/", first->last_key, 2);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].object["metadata"]["name"], "c");
  EXPECT_TRUE(rest->last_key.empty());
  EXPECT_EQ(store->List("/registry/core/configmaps/", "", 0)->items.size(), 4u);
}

TEST(StoreTest, ReopeningResumesRevisionsAndKeepsEverything) {
  testing::TempDir dir;
  {
    std::unique_ptr<Store> store = Open(dir);
    ASSERT_TRUE(store->Create("/registry/core/configmaps/ns/a", Object("a")).ok());
    ASSERT_TRUE(store->Create("/registry/core/configmaps/ns/b", Object("b")).ok());
  }
  std::unique_ptr<Store> store = Open(dir);
  EXPECT_EQ(store->Revision(), 2);
  Result<StoredObject> next = store->Create("/registry/core/configmaps/ns/c", Object("c"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->revision, 3) << "revisions are never reused";
  Result<std::vector<Event>> events = store->EventsAfter(0);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 3u);
}

TEST(StoreTest, CompactionExpiresOldWatchStarts) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = Open(dir, nullptr, /*retention=*/0);
  ASSERT_TRUE(store->Create("/registry/core/configmaps/ns/a", Object("a")).ok());
  ASSERT_TRUE(store->Create("/registry/core/configmaps/ns/b", Object("b")).ok());
  Result<int64_t> removed = store->Compact(/*now_seconds=*/4'000'000'000);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(store->CompactedRevision(), 2);
  EXPECT_EQ(store->EventsAfter(1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->EventsAfter(1).status().message(), "too old resource version: 1 (2)");
  EXPECT_TRUE(store->EventsAfter(2).ok());
}

}  // namespace
}  // namespace converge::apiserver
