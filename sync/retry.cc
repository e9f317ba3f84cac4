// The clock and Argo CD's retry loop around a whole sync operation.

#include <condition_variable>
#include <mutex>

#include "sync/sync.h"

namespace converge::sync {
namespace {

class WallClock : public Clock {
 public:
  std::chrono::system_clock::time_point Now() override { return std::chrono::system_clock::now(); }

  bool Sleep(std::chrono::milliseconds duration, std::stop_token stop) override {
    std::mutex mutex;
    std::condition_variable_any woken;
    std::unique_lock lock(mutex);
    woken.wait_for(lock, stop, duration, [] { return false; });
    return !stop.stop_requested();
  }
};

}  // namespace

Clock& SystemClock() {
  static WallClock clock;
  return clock;
}

OperationState RunWithRetry(const RetryPolicy& policy, Clock& clock, std::stop_token stop,
                            const std::function<Outcome()>& attempt) {
  OperationState state;
  for (;;) {
    state.outcome = attempt();
    state.attempts.push_back(Attempt{.phase = state.outcome.phase,
                                     .message = state.outcome.message,
                                     .started_at = state.outcome.started_at,
                                     .finished_at = state.outcome.finished_at});
    if (state.outcome.phase == OperationPhase::kSucceeded) return state;
    int failures = static_cast<int>(state.attempts.size());
    if (!MayRetry(policy, failures) || stop.stop_requested()) return state;
    std::chrono::seconds delay = RetryDelay(policy, state.retry_count);
    state.attempts.back().next_retry_at = state.outcome.finished_at + delay;
    ++state.retry_count;
    if (!clock.Sleep(delay, stop)) return state;
  }
}

}  // namespace converge::sync
