#include "kube/client/wait.h"

#include <condition_variable>
#include <mutex>

namespace converge::kube {

void SleepUnlessStopped(std::chrono::milliseconds duration, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, duration, [] { return false; });
}

}  // namespace converge::kube
