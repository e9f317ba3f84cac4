// Execute: the dry-run pass over every task, then the waves one at a time with their waits,
// then SyncFail hooks when something failed (gitops-engine's sync_context.go, with
// server-side apply and server-side dry runs throughout).

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "sync/run.h"

namespace converge::sync {
namespace {

using kube::ApiResult;

// kube::Describe's form for a key: "Kind/namespace/name", or "Kind/name".
std::string Describe(const kube::ResourceKey& key) {
  return key.kind + "/" + (key.ns.empty() ? "" : key.ns + "/") + key.name;
}

// Argo CD's name for a generateName hook: <generateName><revision[:7]>-<phase>-<unix>.
std::string HookName(const Task& task, const ExecuteOptions& options, Clock& clock) {
  std::string name(task.object.GenerateName());
  if (!options.revision.empty()) name += options.revision.substr(0, 7) + "-";
  int64_t unix =
      std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  return name + AsciiLower(PhaseName(task.phase)) + "-" + std::to_string(unix);
}

// The object as it is written: named, and stamped with the tracking label and annotation.
kube::Object Prepare(const Task& task, const ExecuteOptions& options, Clock& clock) {
  kube::Object object = task.object;
  if (task.action == Action::kPrune || task.managed_namespace) return object;
  if (object.Name().empty()) {
    object.SetName(HookName(task, options, clock));
    object.mutable_json()["metadata"].erase("generateName");
  }
  StampTracking(object, options.app_id);
  return object;
}

// Custom resources the sync itself defines (their CRD is one of its tasks), and namespaces it
// creates: the server cannot dry-run objects of either before they exist.
struct Created {
  std::set<std::pair<std::string, std::string>> kinds;  // group, kind
  std::set<std::string> namespaces;
};

Created CreatedBy(const Plan& plan) {
  Created created;
  for (const Task& task : plan.tasks) {
    if (task.action != Action::kApply) continue;
    if (task.key.kind == "CustomResourceDefinition") {
      created.kinds.emplace(kube::StringAt(task.object.json(), {"spec", "group"}),
                            kube::StringAt(task.object.json(), {"spec", "names", "kind"}));
    }
    if (task.key.group.empty() && task.key.kind == "Namespace") {
      created.namespaces.insert(task.key.name);
    }
  }
  return created;
}

// Whether a dry run changes nothing (ApplyOutOfSyncOnly): the server returns the live object
// unchanged, managedFields aside.
bool SameObject(const kube::Object& dry_run, const kube::Object& live) {
  nlohmann::json a = dry_run.json();
  nlohmann::json b = live.json();
  a["metadata"].erase("managedFields");
  b["metadata"].erase("managedFields");
  return a == b;
}

class Executor {
 public:
  Executor(const Plan& plan, kube::Client& client, const ExecuteOptions& options,
           std::stop_token stop)
      : plan_(plan), run_(client, options, stop), created_(CreatedBy(plan)) {}

  Outcome Execute();

 private:
  size_t AddResult(const Task& task, const kube::Object& object);
  void AddSkipped();
  bool Preflight();
  bool DryRun(Step& step);
  void KeepIgnoredFields(Step& step);
  std::string AwaitPruneApproval();
  // Writes the wave, pauses `delay`, then waits for it.
  bool RunWave(std::vector<Step*>& wave, bool last = false,
               std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  bool Write(Step& step);
  bool Wait(std::vector<Step*>& wave, bool last_wave);
  void FinishHook(Step& step, bool succeeded);
  void RunSyncFail();
  Outcome Finish(OperationPhase phase, std::string message);

  const Plan& plan_;
  Run run_;
  Created created_;
  std::vector<Step> steps_;
  bool shared_ = false;  // an object tracked by another Application is in the way
};

size_t Executor::AddResult(const Task& task, const kube::Object& object) {
  std::vector<ResourceResult>& results = run_.outcome().resources;
  results.push_back(ResourceResult{
      .key = object.Key(),
      .phase = task.phase,
      .wave = task.wave,
      .hook = task.hook,
      .status = task.action == Action::kPrune ? ResultStatus::kPruned : ResultStatus::kSynced});
  return results.size() - 1;
}

void Executor::AddSkipped() {
  for (const kube::ResourceKey& key : plan_.prune_skipped) {
    run_.outcome().resources.push_back(
        ResourceResult{.key = key,
                       .status = ResultStatus::kPruneSkipped,
                       .message = Describe(key) + ": ignored (requires pruning)"});
  }
}

// Reads and dry-runs every task; false when one failed (its result says why).
bool Executor::Preflight() {
  bool ok = true;
  for (Step& step : steps_) {
    if (step.task->action == Action::kPrune) continue;
    ok = DryRun(step) && ok;
  }
  return ok;
}

bool Executor::DryRun(Step& step) {
  const Task& task = *step.task;
  const kube::Object& object = step.object;
  ApiResult<kube::Done> read = ReadLive(run_, step);
  bool defined_here = created_.kinds.contains({task.key.group, task.key.kind});
  if (!read.ok()) {
    run_.Note(read.error());
    run_.Decide(step.result, ResultStatus::kSyncFailed, Failure(object, "read", read.error()));
    return false;
  }
  if (step.live && !task.hook) {
    std::string owner = TrackedApp(step.live->Annotation(kTrackingAnnotation));
    if (!owner.empty() && owner != run_.options().app_id) {
      shared_ = true;
      run_.Decide(step.result, ResultStatus::kSyncFailed,
                  kube::Describe(object) + ": SharedResource: tracked by Application " + owner +
                      "; not touched");
      return true;
    }
  }
  KeepIgnoredFields(step);
  ApiResult<kube::Object> dry = DryRunStep(run_, step);
  if (dry.ok()) {
    if (run_.options().sync.apply_out_of_sync_only && step.live && !task.hook) {
      step.unchanged = SameObject(*dry, *step.live);
    }
    return true;
  }
  run_.Note(dry.error());
  if (dry.reason() == kube::Reason::kNotFound &&
      (created_.namespaces.contains(task.key.ns) || task.options.skip_dry_run)) {
    return true;
  }
  if (defined_here) return true;
  if (IsImmutableChange(dry.error()) && step.live && (task.options.force || task.options.replace)) {
    step.recreate = true;
    return true;
  }
  std::string message = Failure(object, "dry run", dry.error());
  if (IsImmutableChange(dry.error())) {
    message += " (the change needs the object recreated: sync option Force=true or Replace=true)";
  }
  run_.Decide(step.result, ResultStatus::kSyncFailed, std::move(message));
  return false;
}

// RespectIgnoreDifferences: what the Application's ignoreDifferences select keeps its live value.
void Executor::KeepIgnoredFields(Step& step) {
  const Task& task = *step.task;
  const diff::Differ* ignore = run_.options().ignore;
  if (!step.live || task.hook || task.managed_namespace || ignore == nullptr ||
      !task.options.respect_ignore_differences) {
    return;
  }
  step.object = ignore->KeepIgnored(step.object, *step.live);
  // A rule over metadata must not take the tracking from live.
  StampTracking(step.object, run_.options().app_id);
}

// Argo CD's Prune=confirm: nothing is written until the prunes that ask for it are approved.
// Returns why the sync ends without the approval; "" once approved (or when none asks).
std::string Executor::AwaitPruneApproval() {
  std::vector<std::string> unapproved;
  for (const Step& step : steps_) {
    if (step.task->action == Action::kPrune && step.task->options.prune_confirm) {
      unapproved.push_back(kube::Describe(step.object));
    }
  }
  if (unapproved.empty()) return "";
  std::string waiting = "waiting for pruning confirmation of " + unapproved.front();
  if (unapproved.size() > 1) waiting += " and " + std::to_string(unapproved.size() - 1) + " more";
  const auto& approved = run_.options().prune_approved;
  if (!approved) return waiting + ": nothing can approve it here";
  for (;;) {
    if (approved(run_.outcome().started_at)) return "";
    if (!run_.Pause()) return waiting + ": " + run_.Interrupted();
  }
}

bool Executor::Write(Step& step) {
  const Task& task = *step.task;
  if (task.action == Action::kPrune) {
    ApiResult<std::string> pruned = PruneStep(run_, step);
    if (!pruned.ok()) {
      run_.Note(pruned.error());
      run_.Decide(step.result, ResultStatus::kSyncFailed,
                  Failure(step.object, "prune", pruned.error()));
      return false;
    }
    run_.Decide(step.result, ResultStatus::kPruned, kube::Describe(step.object) + ": " + *pruned);
    return true;
  }
  std::string message;
  ApiResult<kube::Object> written = WriteStep(run_, step, message);
  if (!written.ok()) {
    run_.Note(written.error());
    std::string text = Failure(step.object, "apply", written.error());
    if (IsImmutableChange(written.error())) {
      text += " (the change needs the object recreated: sync option Force=true or Replace=true)";
    }
    run_.Decide(step.result, ResultStatus::kSyncFailed, std::move(text));
    return false;
  }
  if (task.hook) run_.outcome().resources[step.result].hook_phase = OperationPhase::kRunning;
  run_.Decide(step.result, ResultStatus::kSynced, kube::Describe(step.object) + ": " + message);
  return true;
}

// Looks at every step of the wave until all are done, one failed, or the run is interrupted.
// After the last wave, as in Argo CD, only hooks and prunes are awaited: the health of what was
// applied is the Application's to report, not the sync's to wait for.
bool Executor::Wait(std::vector<Step*>& wave, bool last_wave) {
  std::vector<Step*> pending;
  for (Step* step : wave) {
    if (step->task->managed_namespace) continue;
    if (last_wave && !step->task->hook && step->task->action == Action::kApply) continue;
    pending.push_back(step);
  }
  std::vector<std::string> last(pending.size());
  for (;;) {
    bool failed = false;
    for (size_t i = 0; i < pending.size(); ++i) {
      Step* step = pending[i];
      if (step == nullptr) continue;
      Look look = LookAt(run_, *step);
      last[i] = look.message;
      if (look.progress == Progress::kPending) continue;
      bool done = look.progress == Progress::kDone;
      if (step->task->hook) {
        FinishHook(*step, done);
        if (!done) {
          run_.Decide(step->result, ResultStatus::kSyncFailed,
                      kube::Describe(step->object) + ": hook " + look.message);
        }
      } else if (!done) {
        run_.Decide(step->result, ResultStatus::kSyncFailed,
                    kube::Describe(step->object) + ": " + look.message);
      } else {
        run_.Decide(step->result, run_.outcome().resources[step->result].status,
                    run_.outcome().resources[step->result].message);
      }
      failed = failed || !done;
      pending[i] = nullptr;
    }
    if (failed) return false;
    if (std::all_of(pending.begin(), pending.end(), [](Step* s) { return s == nullptr; })) {
      return true;
    }
    if (!run_.Pause()) {
      std::string why = run_.Interrupted();
      for (size_t i = 0; i < pending.size(); ++i) {
        if (pending[i] == nullptr) continue;
        run_.Decide(pending[i]->result, ResultStatus::kSyncFailed,
                    kube::Describe(pending[i]->object) + ": " + why + " waiting" +
                        (last[i].empty() ? "" : " (" + last[i] + ")"));
      }
      return false;
    }
  }
}

void Executor::FinishHook(Step& step, bool succeeded) {
  const Task& task = *step.task;
  run_.SetHookPhase(step.result, succeeded ? OperationPhase::kSucceeded : OperationPhase::kFailed);
  HookDeletePolicy policy =
      succeeded ? HookDeletePolicy::kHookSucceeded : HookDeletePolicy::kHookFailed;
  if (std::find(task.hook_delete_policies.begin(), task.hook_delete_policies.end(), policy) ==
      task.hook_delete_policies.end()) {
    return;
  }
  kube::Object written = step.object;
  written.mutable_json()["metadata"]["uid"] = step.uid;
  ApiResult<kube::Done> deleted = DeleteAndWait(run_, written, kube::Propagation::kBackground);
  if (!deleted.ok()) {
    run_.Note(deleted.error());
    run_.outcome().resources[step.result].message +=
        "; deleting it by policy failed: " + deleted.error().message;
  }
}

bool Executor::RunWave(std::vector<Step*>& wave, bool last, std::chrono::milliseconds delay) {
  for (Step* step : wave) {
    if (!Write(*step)) return false;
  }
  // Interrupted, the wait that follows reports why.
  if (delay.count() > 0) run_.Sleep(delay);
  return Wait(wave, last);
}

void Executor::RunSyncFail() {
  std::vector<Step*> hooks;
  for (Step& step : steps_) {
    if (step.task->phase == Phase::kSyncFail) hooks.push_back(&step);
  }
  for (size_t begin = 0; begin < hooks.size();) {
    size_t end = begin;
    while (end < hooks.size() && hooks[end]->task->wave == hooks[begin]->task->wave) ++end;
    std::vector<Step*> wave(hooks.begin() + begin, hooks.begin() + end);
    if (!RunWave(wave)) return;
    begin = end;
  }
}

Outcome Executor::Finish(OperationPhase phase, std::string message) {
  Outcome& outcome = run_.outcome();
  // Tasks never reached (after a failure) have no message yet: like Argo CD, results list only
  // what was run.
  std::erase_if(outcome.resources, [](const ResourceResult& r) { return r.message.empty(); });
  if (phase == OperationPhase::kFailed && run_.unreachable()) phase = OperationPhase::kError;
  outcome.phase = phase;
  outcome.message = std::move(message);
  outcome.finished_at = run_.clock().Now();
  return std::move(outcome);
}

Outcome Executor::Execute() {
  steps_.reserve(plan_.tasks.size());
  for (const Task& task : plan_.tasks) {
    Step step{.task = &task, .object = Prepare(task, run_.options(), run_.clock())};
    step.result = AddResult(task, step.object);
    steps_.push_back(std::move(step));
  }
  AddSkipped();
  for (const kube::ResourceKey& key : plan_.shared) {
    shared_ = true;
    run_.outcome().resources.push_back(ResourceResult{
        .key = key,
        .status = ResultStatus::kSyncFailed,
        .message =
            Describe(key) + ": SharedResource: tracked by another Application; not touched"});
  }
  if (!Preflight()) {
    return Finish(OperationPhase::kFailed, "one or more objects failed to apply (dry run)");
  }
  if (shared_) {
    // Never touched, and nothing else written: a half-applied sync would hide the conflict.
    return Finish(OperationPhase::kFailed,
                  "SharedResource: one or more objects are tracked by another Application");
  }
  if (run_.options().sync.dry_run) {
    for (Step& step : steps_) {
      run_.Decide(step.result, run_.outcome().resources[step.result].status,
                  kube::Describe(step.object) + ": " +
                      (step.task->action == Action::kPrune ? "pruned (dry run)" : "dry run ok"));
    }
    return Finish(OperationPhase::kSucceeded, "dry run: nothing written");
  }
  if (std::string waiting = AwaitPruneApproval(); !waiting.empty()) {
    return Finish(OperationPhase::kFailed, std::move(waiting));
  }
  for (size_t begin = 0; begin < steps_.size();) {
    const Task& first = *steps_[begin].task;
    if (first.phase == Phase::kSyncFail) break;
    size_t end = begin;
    while (end < steps_.size() && steps_[end].task->phase == first.phase &&
           steps_[end].task->wave == first.wave) {
      ++end;
    }
    std::vector<Step*> wave;
    for (size_t i = begin; i < end; ++i) wave.push_back(&steps_[i]);
    bool last = end == steps_.size() || steps_[end].task->phase == Phase::kSyncFail;
    if (!RunWave(wave, last, last ? std::chrono::milliseconds(0) : run_.options().wave_delay)) {
      std::string why = run_.Interrupted();
      RunSyncFail();
      return Finish(OperationPhase::kFailed, why == "terminated"
                                                 ? "terminated"
                                                 : "one or more tasks failed in " +
                                                       std::string(PhaseName(first.phase)) +
                                                       " wave " + std::to_string(first.wave));
    }
    begin = end;
  }
  return Finish(OperationPhase::kSucceeded, "successfully synced (all tasks run)");
}

}  // namespace

Run::Run(kube::Client& client, const ExecuteOptions& options, std::stop_token stop)
    : client_(client),
      options_(options),
      clock_(options.clock != nullptr ? *options.clock : SystemClock()),
      stop_(std::move(stop)) {
  outcome_.started_at = clock_.Now();
  if (options.timeout.count() > 0) deadline_ = outcome_.started_at + options.timeout;
}

std::string Run::Interrupted() {
  if (stop_.stop_requested()) return "terminated";
  if (deadline_ && clock_.Now() >= *deadline_) {
    return "timed out after " + std::to_string(options_.timeout.count()) + "s";
  }
  return "";
}

bool Run::Pause() { return Sleep(options_.poll_interval); }

bool Run::Sleep(std::chrono::milliseconds duration) {
  if (!Interrupted().empty()) return false;
  return clock_.Sleep(duration, stop_) && Interrupted().empty();
}

void Run::Decide(size_t index, ResultStatus status, std::string message) {
  ResourceResult& result = outcome_.resources[index];
  result.status = status;
  result.message = std::move(message);
  if (options_.progress) options_.progress(result);
}

void Run::SetHookPhase(size_t index, OperationPhase phase) {
  outcome_.resources[index].hook_phase = phase;
  if (options_.progress) options_.progress(outcome_.resources[index]);
}

void Run::Note(const kube::ApiError& error) {
  unreachable_ = unreachable_ || error.reason == kube::Reason::kTransport ||
                 error.reason == kube::Reason::kServiceUnavailable;
}

std::string_view ResultStatusName(ResultStatus status) {
  switch (status) {
    case ResultStatus::kSynced:
      return "Synced";
    case ResultStatus::kSyncFailed:
      return "SyncFailed";
    case ResultStatus::kPruned:
      return "Pruned";
    case ResultStatus::kPruneSkipped:
      return "PruneSkipped";
  }
  return "Synced";
}

std::string_view OperationPhaseName(OperationPhase phase) {
  switch (phase) {
    case OperationPhase::kRunning:
      return "Running";
    case OperationPhase::kSucceeded:
      return "Succeeded";
    case OperationPhase::kFailed:
      return "Failed";
    case OperationPhase::kError:
      return "Error";
    case OperationPhase::kTerminating:
      return "Terminating";
  }
  return "Running";
}

Outcome Execute(const Plan& plan, kube::Client& client, const ExecuteOptions& options,
                std::stop_token stop) {
  return Executor(plan, client, options, std::move(stop)).Execute();
}

}  // namespace converge::sync
