// The verbs of one task against the cluster: read, dry run, write, delete, look.

#include <algorithm>

#include "sync/run.h"

namespace converge::sync {
namespace {

using kube::ApiError;
using kube::ApiResult;
using kube::GroupVersionKind;

bool HasPolicy(const Task& task, HookDeletePolicy policy) {
  return std::find(task.hook_delete_policies.begin(), task.hook_delete_policies.end(), policy) !=
         task.hook_delete_policies.end();
}

bool ConditionTrue(const kube::Object& object, std::string_view type) {
  const nlohmann::json& status = object.json().value("status", nlohmann::json::object());
  for (const nlohmann::json& condition : status.value("conditions", nlohmann::json::array())) {
    if (condition.is_object() && condition.value("type", "") == type) {
      return condition.value("status", "") == "True";
    }
  }
  return false;
}

kube::Propagation ToPropagation(PrunePropagation propagation) {
  switch (propagation) {
    case PrunePropagation::kBackground:
      return kube::Propagation::kBackground;
    case PrunePropagation::kOrphan:
      return kube::Propagation::kOrphan;
    case PrunePropagation::kForeground:
      return kube::Propagation::kForeground;
  }
  return kube::Propagation::kForeground;
}

// Waits until a CRD may serve its custom resources.
ApiResult<kube::Done> WaitEstablished(Run& run, const kube::Object& crd) {
  for (;;) {
    ApiResult<kube::Object> live = run.client().Get(GroupVersionKind::Of(crd), "", crd.Name());
    if (!live.ok()) return live.error();
    if (ConditionTrue(*live, "Established")) {
      // Its kind is served now; a mapping looked up (and missed) before must not linger.
      run.client().InvalidateDiscovery();
      return kube::Done{};
    }
    if (!run.Pause()) {
      return ApiError{.reason = kube::Reason::kTimeout,
                      .message = run.Interrupted() + " waiting to be Established"};
    }
  }
}

ApiResult<kube::Object> Replace(Run& run, const Step& step, bool dry_run) {
  if (!step.live) return run.client().Create(step.object, {.dry_run = dry_run});
  kube::Object object = step.object;
  object.mutable_json()["metadata"]["resourceVersion"] =
      std::string(kube::StringAt(step.live->json(), {"metadata", "resourceVersion"}));
  return run.client().Update(object, {.dry_run = dry_run});
}

ApiResult<kube::Object> Recreate(Run& run, const Step& step) {
  ApiResult<kube::Done> gone = DeleteAndWait(run, *step.live, kube::Propagation::kBackground);
  if (!gone.ok()) return gone.error();
  return run.client().Apply(step.object);
}

// Hooks by completion: Jobs and Pods finish; other kinds are done when Healthy.
Look LookAtHook(Run& run, const kube::Object& live) {
  if (live.Group() == "batch" && live.Kind() == "Job") {
    if (ConditionTrue(live, "Complete")) return {Progress::kDone, "job completed"};
    if (ConditionTrue(live, "Failed")) return {Progress::kFailed, "job failed"};
    return {Progress::kPending, "job running"};
  }
  if (live.Group().empty() && live.Kind() == "Pod") {
    std::string_view phase = kube::StringAt(live.json(), {"status", "phase"});
    if (phase == "Succeeded") return {Progress::kDone, "pod succeeded"};
    if (phase == "Failed") return {Progress::kFailed, "pod failed"};
    return {Progress::kPending, "pod " + std::string(phase.empty() ? "pending" : phase)};
  }
  std::optional<health::HealthStatus> status = health::Assess(&live, run.options().health);
  if (!status || status->code == health::HealthCode::kHealthy) return {Progress::kDone, "healthy"};
  if (status->code == health::HealthCode::kDegraded) {
    return {Progress::kFailed, "Degraded: " + status->message};
  }
  return {Progress::kPending, std::string(health::HealthCodeName(status->code))};
}

Look LookAtApplied(Run& run, const kube::Object& live) {
  std::optional<health::HealthStatus> status = health::Assess(&live, run.options().health);
  if (!status || status->code == health::HealthCode::kHealthy) return {Progress::kDone, ""};
  std::string text = std::string(health::HealthCodeName(status->code));
  if (!status->message.empty()) text += ": " + status->message;
  if (status->code == health::HealthCode::kDegraded) return {Progress::kFailed, text};
  return {Progress::kPending, text};
}

}  // namespace

std::string Failure(const kube::Object& object, std::string_view what, const ApiError& error) {
  return kube::Describe(object) + ": " + std::string(what) + ": " + error.message;
}

bool IsImmutableChange(const ApiError& error) {
  bool refused = error.reason == kube::Reason::kInvalid || error.reason == kube::Reason::kConflict;
  return refused && (error.message.find("is immutable") != std::string::npos ||
                     error.message.find("immutable field") != std::string::npos ||
                     error.message.find("may not change once set") != std::string::npos);
}

ApiResult<kube::Done> ReadLive(Run& run, Step& step) {
  const kube::Object& object = step.object;
  ApiResult<kube::Object> live =
      run.client().Get(GroupVersionKind::Of(object), object.Namespace(), object.Name());
  if (live.ok()) {
    step.live = std::move(*live);
    return kube::Done{};
  }
  if (live.reason() == kube::Reason::kNotFound) return kube::Done{};
  return live.error();
}

ApiResult<kube::Object> DryRunStep(Run& run, const Step& step) {
  const Task& task = *step.task;
  if (task.managed_namespace || (task.hook && step.live)) {
    // Left alone when it exists (a hook is deleted first, then created afresh).
    if (step.live) return *step.live;
    return run.client().Create(step.object, {.dry_run = true});
  }
  if (task.options.replace) return Replace(run, step, true);
  return run.client().Apply(step.object, {.dry_run = true});
}

ApiResult<kube::Object> WriteStep(Run& run, Step& step, std::string& message) {
  const Task& task = *step.task;
  ApiResult<kube::Object> written = ApiError{};
  if (task.managed_namespace && step.live) {
    message = "namespace exists";
    return *step.live;
  }
  if (task.hook && step.live && HasPolicy(task, HookDeletePolicy::kBeforeHookCreation)) {
    ApiResult<kube::Done> gone = DeleteAndWait(run, *step.live, kube::Propagation::kBackground);
    if (!gone.ok()) return gone.error();
    step.live.reset();
  }
  if (step.unchanged) {
    message = "unchanged";
    return *step.live;
  }
  if (step.recreate) {
    message = "recreated (immutable fields changed)";
    written = Recreate(run, step);
  } else if (task.managed_namespace) {
    message = "namespace created";
    written = run.client().Create(step.object);
  } else if (task.options.replace) {
    message = step.live ? "replaced" : "created";
    written = Replace(run, step, false);
  } else {
    message = step.live ? "configured" : "created";
    written = run.client().Apply(step.object);
  }
  if (!written.ok()) return written;
  step.uid = std::string(kube::StringAt(written->json(), {"metadata", "uid"}));
  if (task.key.kind == "CustomResourceDefinition" && task.key.group == "apiextensions.k8s.io") {
    ApiResult<kube::Done> established = WaitEstablished(run, *written);
    if (!established.ok()) return established.error();
  }
  return written;
}

ApiResult<std::string> PruneStep(Run& run, Step& step) {
  const kube::Object& object = step.task->object;
  ApiResult<kube::Object> live =
      run.client().Get(GroupVersionKind::Of(object), object.Namespace(), object.Name());
  if (live.reason() == kube::Reason::kNotFound) return std::string("already gone");
  if (!live.ok()) return live.error();
  // The plan saw it tracked to this Application; check again at the moment of deletion.
  std::string owner = TrackedApp(live->Annotation(kTrackingAnnotation));
  if (owner != run.options().app_id) {
    return ApiError{.reason = kube::Reason::kConflict,
                    .message = "SharedResource: now tracked by " +
                               (owner.empty() ? std::string("no Application") : owner) +
                               "; not pruned"};
  }
  step.uid = std::string(kube::StringAt(live->json(), {"metadata", "uid"}));
  ApiResult<kube::Done> deleted =
      run.client().Delete(GroupVersionKind::Of(*live), live->Namespace(), live->Name(),
                          {.propagation = ToPropagation(run.options().sync.prune_propagation),
                           .precondition_uid = step.uid});
  if (deleted.reason() == kube::Reason::kNotFound) return std::string("already gone");
  if (!deleted.ok()) return deleted.error();
  return std::string("pruned");
}

ApiResult<kube::Done> DeleteAndWait(Run& run, const kube::Object& object,
                                    kube::Propagation propagation) {
  GroupVersionKind gvk = GroupVersionKind::Of(object);
  std::string uid(kube::StringAt(object.json(), {"metadata", "uid"}));
  ApiResult<kube::Done> deleted =
      run.client().Delete(gvk, object.Namespace(), object.Name(),
                          {.propagation = propagation, .precondition_uid = uid});
  if (!deleted.ok() && deleted.reason() != kube::Reason::kNotFound) return deleted;
  for (;;) {
    ApiResult<kube::Object> live = run.client().Get(gvk, object.Namespace(), object.Name());
    if (live.reason() == kube::Reason::kNotFound) return kube::Done{};
    if (!live.ok()) return live.error();
    if (kube::StringAt(live->json(), {"metadata", "uid"}) != uid) return kube::Done{};
    if (!run.Pause()) {
      return ApiError{.reason = kube::Reason::kTimeout,
                      .message = run.Interrupted() + " waiting for the deletion"};
    }
  }
}

Look LookAt(Run& run, const Step& step) {
  const kube::Object& object = step.object;
  ApiResult<kube::Object> live =
      run.client().Get(GroupVersionKind::Of(object), object.Namespace(), object.Name());
  if (step.task->action == Action::kPrune) {
    bool gone = live.reason() == kube::Reason::kNotFound ||
                (live.ok() && kube::StringAt(live->json(), {"metadata", "uid"}) != step.uid);
    if (gone) return {Progress::kDone, ""};
  }
  if (!live.ok()) {
    run.Note(live.error());
    if (live.reason() == kube::Reason::kNotFound) return {Progress::kFailed, "deleted meanwhile"};
    return {Progress::kPending, live.error().message};
  }
  if (step.task->action == Action::kPrune) return {Progress::kPending, "being deleted"};
  if (step.task->hook) return LookAtHook(run, *live);
  return LookAtApplied(run, *live);
}

}  // namespace converge::sync
