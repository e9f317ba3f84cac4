#pragma once
// kube/client/rate_limiter.h (internal): client-side throttling as client-go's token bucket
// does it: `burst` requests at once, then `qps` per second. Callers wait their turn.
//
// Thread-safe: mutex_ guards the bucket.

#include <chrono>
#include <mutex>

namespace converge::kube {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // qps <= 0 never waits.
  RateLimiter(double qps, int burst);

  // Takes a token and returns how long the caller must wait before using it (zero when one was
  // available). Taking ahead keeps the order fair between threads.
  Clock::duration Reserve(Clock::time_point now);
  // Reserve(now) and sleep for it.
  void Wait();

 private:
  double qps_;
  double burst_;
  std::mutex mutex_;
  double tokens_;           // guarded by mutex_; may go negative (reservations ahead)
  Clock::time_point last_;  // guarded by mutex_
};

}  // namespace converge::kube
