#include "kube/client/leader_election.h"

#include <cmath>
#include <random>

#include "base/clock.h"
#include "base/log.h"
#include "kube/client/wait.h"

namespace converge::kube {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

const GroupVersionKind kLease{"coordination.k8s.io", "v1", "Lease"};

// metav1.MicroTime: RFC 3339 in UTC with microseconds.
std::string MicroTime(std::chrono::system_clock::time_point when) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  std::string text = FormatRfc3339(micros / 1000000);  // "...:56Z"
  std::string fraction = std::to_string(1000000 + micros % 1000000).substr(1);
  return text.substr(0, text.size() - 1) + "." + fraction + "Z";
}

// client-go waits retry_period × [1, 2.2) between campaign attempts (JitterFactor 1.2), so
// that candidates started together do not collide forever.
milliseconds Jittered(milliseconds period) {
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_real_distribution<double> factor(1.0, 2.2);
  return milliseconds(static_cast<int64_t>(static_cast<double>(period.count()) * factor(random)));
}

int64_t Seconds(milliseconds duration) {
  return static_cast<int64_t>(std::ceil(static_cast<double>(duration.count()) / 1000.0));
}

}  // namespace

LeaderElector::LeaderElector(Client& client, LeaderElectionOptions options,
                             LeaderCallbacks callbacks)
    : client_(client), options_(std::move(options)), callbacks_(std::move(callbacks)) {}

std::string LeaderElector::Leader() const {
  std::lock_guard lock(mutex_);
  return observed_holder_;
}

void LeaderElector::Observe(const std::string& holder) {
  {
    std::lock_guard lock(mutex_);
    if (holder == observed_holder_) return;
    observed_holder_ = holder;
  }
  if (callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
}

LeaderElector::Attempt LeaderElector::TryAcquireOrRenew() {
  auto now = std::chrono::steady_clock::now();
  std::string stamp = MicroTime(std::chrono::system_clock::now());
  json mine = {{"holderIdentity", options_.identity},
               {"leaseDurationSeconds", Seconds(options_.lease_duration)},
               {"acquireTime", stamp},
               {"renewTime", stamp},
               {"leaseTransitions", 0}};
  ApiResult<Object> current = client_.Get(kLease, options_.lease_namespace, options_.lease_name);
  if (!current.ok() && current.reason() == Reason::kNotFound) {
    Object lease(
        json{{"apiVersion", "coordination.k8s.io/v1"},
             {"kind", "Lease"},
             {"metadata", {{"name", options_.lease_name}, {"namespace", options_.lease_namespace}}},
             {"spec", mine}});
    ApiResult<Object> created = client_.Create(lease);
    if (!created.ok()) return Attempt::kFailed;
    observed_record_ = created->json()["spec"].dump();
    observed_at_ = now;
    Observe(options_.identity);
    return Attempt::kLeading;
  }
  if (!current.ok()) {
    log::Debug("lease unreadable",
               {{"lease", options_.lease_name}, {"error", current.error().message}});
    return Attempt::kFailed;
  }
  json spec = current->json().value("spec", json::object());
  std::string holder = spec.value("holderIdentity", "");
  if (std::string record = spec.dump(); record != observed_record_) {
    observed_record_ = std::move(record);
    observed_at_ = now;
  }
  Observe(holder);
  // The holder's own lease duration, timed from when this replica last saw the lease change.
  auto lease_duration = std::chrono::seconds(spec.value("leaseDurationSeconds", int64_t{0}));
  if (!holder.empty() && holder != options_.identity && observed_at_ + lease_duration > now) {
    return Attempt::kHeldByOther;
  }
  if (holder == options_.identity) {
    mine["acquireTime"] = spec.value("acquireTime", stamp);
    mine["leaseTransitions"] = spec.value("leaseTransitions", int64_t{0});
  } else {
    mine["leaseTransitions"] = spec.value("leaseTransitions", int64_t{0}) + 1;
  }
  Object updated = *current;
  updated.mutable_json()["spec"] = mine;
  // The resourceVersion we read is the precondition: of two candidates, one wins.
  ApiResult<Object> written = client_.Update(updated);
  if (!written.ok()) return Attempt::kFailed;
  observed_record_ = written->json()["spec"].dump();
  observed_at_ = now;
  Observe(options_.identity);
  return Attempt::kLeading;
}

void LeaderElector::Release() {
  ApiResult<Object> current = client_.Get(kLease, options_.lease_namespace, options_.lease_name);
  if (!current.ok()) return;
  json spec = current->json().value("spec", json::object());
  if (spec.value("holderIdentity", "") != options_.identity) return;
  std::string stamp = MicroTime(std::chrono::system_clock::now());
  Object released = *current;
  released.mutable_json()["spec"] = {{"leaseDurationSeconds", 1},
                                     {"acquireTime", stamp},
                                     {"renewTime", stamp},
                                     {"leaseTransitions", spec.value("leaseTransitions", 0)}};
  if (client_.Update(released).ok()) Observe("");
}

void LeaderElector::Run(std::stop_token stop) {
  while (!stop.stop_requested() && TryAcquireOrRenew() != Attempt::kLeading) {
    SleepUnlessStopped(Jittered(options_.retry_period), stop);
  }
  if (stop.stop_requested()) return;
  leading_ = true;
  log::Info("started leading", {{"lease", options_.lease_name}, {"identity", options_.identity}});
  if (callbacks_.on_started_leading) callbacks_.on_started_leading();
  while (!stop.stop_requested()) {
    SleepUnlessStopped(options_.retry_period, stop);
    if (stop.stop_requested()) break;
    auto deadline = std::chrono::steady_clock::now() + options_.renew_deadline;
    bool renewed = false;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < deadline) {
      if (TryAcquireOrRenew() == Attempt::kLeading) {
        renewed = true;
        break;
      }
      SleepUnlessStopped(options_.retry_period, stop);
    }
    if (!renewed && !stop.stop_requested()) break;
  }
  leading_ = false;
  if (stop.stop_requested() && options_.release_on_stop) Release();
  log::Info("stopped leading", {{"lease", options_.lease_name}, {"identity", options_.identity}});
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
}

}  // namespace converge::kube
