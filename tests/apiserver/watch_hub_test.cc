// The fan-out of events to watches: ordering, prefixes and the bound that protects writers
// from slow watchers (unit tests of one class).

#include <gtest/gtest.h>

#include "apiserver/watch.h"

namespace converge::apiserver {
namespace {

Event At(int64_t revision, const std::string& key) {
  return {revision, EventType::kModified, key, std::make_shared<const std::string>("{}")};
}

TEST(WatchHubTest, DeliversMatchingEventsInOrder) {
  WatchHub hub;
  auto configmaps = hub.Subscribe("/registry/core/configmaps/", 10);
  auto secrets = hub.Subscribe("/registry/core/secrets/", 10);
  hub.Publish(At(1, "/registry/core/configmaps/ns/a"));
  hub.Publish(At(2, "/registry/core/secrets/ns/s"));
  hub.Publish(At(3, "/registry/core/configmaps/ns/b"));
  std::vector<Event> events = configmaps->Take(std::chrono::milliseconds(0));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].revision, 1);
  EXPECT_EQ(events[1].revision, 3);
  EXPECT_EQ(secrets->Take(std::chrono::milliseconds(0)).size(), 1u);
}

TEST(WatchHubTest, AWatcherThatFallsBehindIsCutOffWithoutBlockingThePublisher) {
  WatchHub hub;
  auto slow = hub.Subscribe("/", 5);
  auto fast = hub.Subscribe("/", 100);
  for (int i = 1; i <= 50; ++i) hub.Publish(At(i, "/k"));
  EXPECT_TRUE(slow->overflowed());
  EXPECT_TRUE(slow->Take(std::chrono::milliseconds(0)).empty());
  EXPECT_FALSE(fast->overflowed());
  EXPECT_EQ(fast->Take(std::chrono::milliseconds(0)).size(), 50u);
}

TEST(WatchHubTest, CloseAllWakesWaiters) {
  WatchHub hub;
  auto subscription = hub.Subscribe("/", 5);
  hub.CloseAll();
  EXPECT_TRUE(subscription->Take(std::chrono::seconds(10)).empty());
  EXPECT_TRUE(subscription->closed());
  hub.Unsubscribe(subscription);
  EXPECT_EQ(hub.size(), 0u);
}

}  // namespace
}  // namespace converge::apiserver
