#pragma once
// kube/client/wait.h (internal): pauses of the long-running loops (informers, leader election)
// that end early when the loop is asked to stop.

#include <chrono>
#include <stop_token>

namespace converge::kube {

// Sleeps for `duration` unless `stop` comes first.
void SleepUnlessStopped(std::chrono::milliseconds duration, std::stop_token stop);

}  // namespace converge::kube
