#pragma once
// sync/run.h (internal): the state of one Execute call and the verbs it applies to one object
// (dry run, write, delete, look), shared by execute.cc and objects.cc.

#include <optional>
#include <string>
#include <string_view>

#include "kube/client/client.h"
#include "sync/sync.h"

namespace converge::sync {

// One task being carried out.
struct Step {
  const Task* task = nullptr;
  kube::Object object;               // what is written: named and stamped
  std::optional<kube::Object> live;  // read before the dry run; nullopt when absent
  bool recreate = false;             // Force or Replace over an immutable-field change
  bool unchanged = false;            // ApplyOutOfSyncOnly and the dry run changes nothing
  std::string uid;                   // of the object written or deleted, for the waits
  size_t result = 0;                 // index in Outcome::resources
};

class Run {
 public:
  Run(kube::Client& client, const ExecuteOptions& options, std::stop_token stop);

  kube::Client& client() { return client_; }
  const ExecuteOptions& options() const { return options_; }
  Clock& clock() { return clock_; }
  Outcome& outcome() { return outcome_; }

  // Why waiting must end now: "" when it need not, else "terminated" or "timed out".
  std::string Interrupted();
  // Sleeps one poll interval; false when interrupted.
  bool Pause();
  // Sleeps `duration`; false when interrupted.
  bool Sleep(std::chrono::milliseconds duration);

  // Sets result `index` and reports it.
  void Decide(size_t index, ResultStatus status, std::string message);
  void SetHookPhase(size_t index, OperationPhase phase);
  // Notes an API error; one that says the cluster cannot be reached makes the outcome Error.
  void Note(const kube::ApiError& error);
  bool unreachable() const { return unreachable_; }

 private:
  kube::Client& client_;
  const ExecuteOptions& options_;
  Clock& clock_;
  std::stop_token stop_;
  std::optional<std::chrono::system_clock::time_point> deadline_;
  Outcome outcome_;
  bool unreachable_ = false;
};

// "Kind/namespace/name: what: the server's message".
std::string Failure(const kube::Object& object, std::string_view what, const kube::ApiError& error);

// The server refused a change of an immutable field (as Flux recognises it).
bool IsImmutableChange(const kube::ApiError& error);

// Reads the live counterpart of a step. NotFound is not an error (live stays nullopt).
kube::ApiResult<kube::Done> ReadLive(Run& run, Step& step);

// The server-side dry run of what WriteStep will do.
kube::ApiResult<kube::Object> DryRunStep(Run& run, const Step& step);

// Writes one apply task: deletes a hook first (BeforeHookCreation), recreates when marked,
// creates a missing managed namespace, updates (Replace) or applies. A CRD is awaited until
// Established. Returns what the server stored; `message` says what was done.
kube::ApiResult<kube::Object> WriteStep(Run& run, Step& step, std::string& message);

// Deletes a prune task's object if it is still tracked to this Application.
// Returns the message for its result.
kube::ApiResult<std::string> PruneStep(Run& run, Step& step);

// Deletes an object and waits until it is gone (or replaced by one with another uid).
kube::ApiResult<kube::Done> DeleteAndWait(Run& run, const kube::Object& object,
                                          kube::Propagation propagation);

// What a look at a step's object says about the wave's progress.
enum class Progress { kPending, kDone, kFailed };
struct Look {
  Progress progress = Progress::kPending;
  std::string message;
};

// Applied objects: Healthy is done, Degraded failed. Hooks: completion (Jobs, Pods) or health.
// Prunes: done once gone.
Look LookAt(Run& run, const Step& step);

}  // namespace converge::sync
