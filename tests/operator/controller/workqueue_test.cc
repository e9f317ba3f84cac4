#include "operator/controller/workqueue.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace converge::controller {
namespace {

using std::chrono::milliseconds;

TEST(WorkQueueTest, AKeyWaitsOnceHoweverOftenItIsAdded) {
  WorkQueue queue;
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  EXPECT_EQ(queue.stats().depth, 2u);
  EXPECT_EQ(queue.Get(), "a");
  EXPECT_EQ(queue.Get(), "b");
  EXPECT_EQ(queue.stats().depth, 0u);
}

TEST(WorkQueueTest, AKeyAddedWhileInProgressComesBackAfterDone) {
  WorkQueue queue;
  queue.Add("a");
  ASSERT_EQ(queue.Get(), "a");
  queue.Add("a");
  queue.Add("a");
  EXPECT_EQ(queue.stats().depth, 0u) << "never handed to a second worker while in progress";
  queue.Done("a");
  EXPECT_EQ(queue.stats().depth, 1u);
  EXPECT_EQ(queue.Get(), "a");
  queue.Done("a");
  EXPECT_EQ(queue.stats().depth, 0u);
}

TEST(WorkQueueTest, DelayedKeysArriveInDueOrderAndKeepTheEarliestDelay) {
  WorkQueue queue;
  queue.AddAfter("late", milliseconds(60));
  queue.AddAfter("early", milliseconds(20));
  queue.AddAfter("early", milliseconds(5000));  // does not postpone the pending 20 ms
  EXPECT_EQ(queue.stats().delayed, 2u);
  EXPECT_EQ(queue.Get(), "early");
  EXPECT_EQ(queue.Get(), "late");
  EXPECT_EQ(queue.stats().delayed, 0u);
}

// A worker waits for the earliest delayed key; an earlier delay for that key replaces the entry
// it waits on (under ASan the old wait read the freed entry).
TEST(WorkQueueTest, AnEarlierDelayReplacesTheEntryAWorkerWaitsFor) {
  WorkQueue queue;
  queue.AddAfter("a", milliseconds(60000));
  std::thread worker([&] { EXPECT_EQ(queue.Get(), "a"); });
  std::this_thread::sleep_for(milliseconds(50));  // let the worker start waiting
  queue.AddAfter("a", milliseconds(10));
  worker.join();
  EXPECT_EQ(queue.stats().delayed, 0u);
}

TEST(WorkQueueTest, FailuresBackOffPerKeyUntilForgotten) {
  WorkQueue queue({.base_delay = milliseconds(1), .max_delay = milliseconds(4)});
  for (int i = 0; i < 5; ++i) {
    queue.AddRateLimited("a");
    ASSERT_EQ(queue.Get(), "a");
    queue.Done("a");
  }
  EXPECT_EQ(queue.Failures("a"), 5);
  EXPECT_EQ(queue.Failures("b"), 0);
  queue.Forget("a");
  EXPECT_EQ(queue.Failures("a"), 0);
}

TEST(WorkQueueTest, ShutDownWakesWaitingWorkers) {
  WorkQueue queue;
  std::atomic<int> ended{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back([&] {
      if (!queue.Get().has_value()) ++ended;
    });
  }
  queue.ShutDown();
  for (std::thread& worker : workers) worker.join();
  EXPECT_EQ(ended.load(), 3);
  queue.Add("after");
  EXPECT_EQ(queue.stats().depth, 0u);
}

TEST(WorkQueueTest, ConcurrentWorkersNeverShareAKey) {
  WorkQueue queue;
  std::mutex mu;
  std::set<std::string> in_progress;
  std::atomic<int> overlaps{0};
  std::atomic<int> handled{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (std::optional<std::string> key = queue.Get()) {
        {
          std::lock_guard lock(mu);
          if (!in_progress.insert(*key).second) ++overlaps;
        }
        std::this_thread::yield();
        {
          std::lock_guard lock(mu);
          in_progress.erase(*key);
        }
        ++handled;
        queue.Done(*key);
      }
    });
  }
  for (int round = 0; round < 2000; ++round) queue.Add("k" + std::to_string(round % 7));
  while (queue.stats().depth > 0) std::this_thread::yield();
  queue.ShutDown();
  for (std::thread& worker : workers) worker.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(handled.load(), 0);
}

}  // namespace
}  // namespace converge::controller
