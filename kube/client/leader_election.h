#pragma once
// kube/client/leader_election.h: one leader among replicas, on a coordination.k8s.io/v1 Lease,
// with client-go's rules: a candidate takes the lease only when its holder has not renewed it
// for lease_duration as measured by the candidate's own clock (so clock skew between nodes does
// not matter), the leader renews every retry_period (with jitter) and gives up leading when it
// could not renew within renew_deadline, and a leader that stops releases the lease so that a
// successor need not wait.
//
// Thread-safe: Run() on one thread (the operator's), the accessors from any.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>

#include "kube/client/client.h"

namespace converge::kube {

struct LeaderElectionOptions {
  std::string lease_namespace = "default";
  std::string lease_name;
  std::string identity;  // unique per replica: the pod name, or host name and pid
  // client-go's defaults, which every controller-runtime operator uses.
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};  // < lease_duration
  std::chrono::milliseconds retry_period{2000};
  bool release_on_stop = true;
};

struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& leader)> on_new_leader;  // any change of holder
};

class LeaderElector {
 public:
  // `client` must outlive the elector.
  LeaderElector(Client& client, LeaderElectionOptions options, LeaderCallbacks callbacks = {});

  // Campaigns until this replica leads, then renews until renewing fails for renew_deadline or
  // `stop` is requested (then releases the lease). Returns when leadership ends, or on stop
  // while still campaigning. Callbacks run on this thread.
  void Run(std::stop_token stop);

  bool IsLeader() const { return leading_.load(); }
  std::string Leader() const;  // the holder last observed ("" when none)

 private:
  enum class Attempt { kLeading, kHeldByOther, kFailed };

  Attempt TryAcquireOrRenew();
  void Release();
  void Observe(const std::string& holder);

  Client& client_;
  LeaderElectionOptions options_;
  LeaderCallbacks callbacks_;
  std::atomic<bool> leading_{false};
  mutable std::mutex mutex_;
  std::string observed_holder_;  // guarded by mutex_
  // Run()'s own state: what the lease looked like and when this replica last saw it change.
  std::string observed_record_;
  std::chrono::steady_clock::time_point observed_at_;
};

}  // namespace converge::kube
