#pragma once
// sync/sync.h: how Converge changes a cluster. MakePlan turns the desired objects of one
// Application and the live objects tracked to it into a deterministic list of tasks, ordered
// as Argo CD orders them (phase, wave, kind, name) with its hooks, sync options and prune
// rules, so that repositories written for Argo CD sync the same way here.
//
// Execute carries a plan out against a cluster through kube::Client: server-side dry-run of
// every task first, then server-side apply wave by wave with health waits, hooks and prune.
// RunWithRetry repeats a failed operation with Argo CD's backoff.
//
// sync/ never reads Git and never renders; it sees objects only. Planning is pure: the same
// inputs give the same plan, byte for byte. Thread-compatible; Execute starts no thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "diff/diff.h"
#include "kube/client/client.h"
#include "kube/kube.h"
#include "sync/health/health.h"

namespace converge::sync {

// The annotation and label every object applied by Converge carries (DESIGN.md: tracking).
inline constexpr char kTrackingAnnotation[] = "converge.dev/tracking-id";
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedByValue[] = "converge";

// "<app-namespace>_<app>:<group>/<kind>:<namespace>/<name>"
std::string TrackingId(std::string_view app_id, const kube::ResourceKey& key);
// Sets the managed-by label and the tracking annotation, as Execute writes them.
// REQUIRES: `object` has its name and namespace.
void StampTracking(kube::Object& object, std::string_view app_id);
// The Application part of a tracking id ("" when there is none or it is malformed).
std::string TrackedApp(std::string_view tracking_id);

enum class Phase { kPreSync, kSync, kPostSync, kSyncFail };
std::string_view PhaseName(Phase phase);  // "PreSync", ...

enum class PrunePropagation { kForeground, kBackground, kOrphan };

// What deleting the Application with its resources finalizer does to an object tracked to it.
enum class Deletion {
  kDelete,
  kKeep,     // Delete=false: left in place, tracking and all, as Argo CD leaves it
  kConfirm,  // Delete=confirm: deleted once the deletion is approved
};

// Argo CD's sync options (argocd.argoproj.io/sync-options or converge.dev/sync-options, and the
// Application's syncPolicy.syncOptions). App-level values are defaults; a resource's
// annotation overrides them for that resource.
struct Options {
  bool prune = false;             // delete tracked objects absent from the desired set
  bool allow_empty = false;       // allow a sync that prunes every tracked object
  bool dry_run = false;           // plan and dry-run only
  bool create_namespace = false;  // CreateNamespace=true: create the destination namespace
  bool prune_last = false;        // PruneLast=true: prune after the last wave
  PrunePropagation prune_propagation = PrunePropagation::kForeground;
  bool apply_out_of_sync_only = false;  // ApplyOutOfSyncOnly=true
  bool replace = false;                 // Replace=true: PUT instead of apply
  bool force = false;                   // Force=true: delete and recreate on immutable fields
  bool validate = true;                 // Validate=false: fieldValidation=Ignore
  bool skip_dry_run_on_missing_resource = false;  // SkipDryRunOnMissingResource=true
  bool fail_on_shared_resource = false;           // FailOnSharedResource=true
  bool respect_ignore_differences = false;        // RespectIgnoreDifferences=true
  Deletion deletion = Deletion::kDelete;          // Delete=false|confirm, for every object
};

// Reads "Key=value" sync options into `options`. Unknown keys and bad values are kInvalid,
// naming the option. ServerSideApply is accepted (always on) and Prune=false/Delete=false are
// per-resource options (see ResourceOptions).
Status ApplySyncOptions(const std::vector<std::string>& items, Options& options);

// What a resource's own annotation changes.
struct ResourceOptions {
  bool prune = true;                      // Prune=false: never pruned
  bool prune_confirm = false;             // Prune=confirm: pruned only after confirmation
  Deletion deletion = Deletion::kDelete;  // Delete=false|confirm
  bool replace = false;
  bool force = false;
  bool validate = true;
  bool skip_dry_run = false;
  bool prune_last = false;
  // RespectIgnoreDifferences: ignored fields keep their live values (ExecuteOptions::ignore).
  bool respect_ignore_differences = false;
};

enum class Action { kApply, kPrune };

enum class HookDeletePolicy { kBeforeHookCreation, kHookSucceeded, kHookFailed };

struct Task {
  Phase phase = Phase::kSync;
  int wave = 0;
  Action action = Action::kApply;
  kube::ResourceKey key;
  kube::Object object;  // desired for kApply; the live object for kPrune
  bool hook = false;
  std::vector<HookDeletePolicy> hook_delete_policies;  // hooks only; sorted, unique
  ResourceOptions options;
  // CreateNamespace's namespace: created when missing, never changed, never tracked (so that
  // prune can never delete a namespace the Application did not declare).
  bool managed_namespace = false;
};

struct Plan {
  std::vector<Task> tasks;  // in execution order
  // Tracked objects not pruned because prune is off or the resource says Prune=false.
  std::vector<kube::ResourceKey> prune_skipped;
  // Desired objects left out: hooks of phases a sync does not run, Skip hooks.
  std::vector<kube::ResourceKey> skipped;
  // Desired objects whose live object is tracked by another Application: never touched
  // (a SharedResourceWarning for the caller to report).
  std::vector<kube::ResourceKey> shared;
};

struct PlanInput {
  std::string app_id;                 // "<namespace>_<name>" of the Application
  std::string destination_namespace;  // for namespaced objects without one
  std::vector<kube::Object> desired;
  // Live objects carrying this Application's tracking id, and the live counterparts of
  // desired objects (to detect objects owned by another Application).
  std::vector<kube::Object> live;
  // "group/Kind" of cluster-scoped kinds beyond the built-in ones (CRDs' scope, from
  // discovery), so that objects of those kinds are not given the destination namespace.
  std::vector<std::string> cluster_scoped;
};

// The two sides of a comparison as a sync would see them: the objects a sync would apply
// (hooks and a CreateNamespace namespace left out, named and stamped with `app_id`'s tracking as
// the sync writes them) and, of `live`, those objects' counterparts and the tracked objects the
// sync would prune or keep.
struct ComparisonSides {
  std::vector<kube::Object> desired;
  std::vector<kube::Object> live;
  std::vector<kube::ResourceKey> shared;  // desired objects tracked by another Application
};
ComparisonSides SidesOf(const Plan& plan, std::string_view app_id, std::vector<kube::Object> live);

// Orders the sync. kInvalid for bad annotations (naming the object and annotation),
// duplicate desired objects, a desired object tracked to another Application when
// fail_on_shared_resource is set, or a sync that would prune everything without allow_empty.
Result<Plan> MakePlan(const PlanInput& input, const Options& options);

// What deleting the Application does to `live`, an object tracked to it, as Argo CD decides:
// its Delete sync option (the object's annotation, else the Application's `options`), kKeep
// as well for Helm's `helm.sh/resource-policy: keep` and for CustomResourceDefinitions (whose
// deletion would delete every custom resource of the kind, whoever made it). Items of the
// annotation that do not parse are ignored here; a sync reports them.
Deletion DeletionOf(const kube::Object& live, const Options& options);

// The index of a kind in Argo CD's (Helm's) install order; unknown kinds after all of them.
int KindOrder(std::string_view group, std::string_view kind);

// Argo CD's retry: duration × factor^attempt, capped at max_duration.
struct RetryPolicy {
  int limit = -1;  // failed attempts retried; negative: unlimited (automated syncs use 5)
  std::chrono::seconds duration{5};
  int64_t factor = 2;
  std::chrono::seconds max_duration{180};
};

// The wait before retry number `attempt` (0 for the first retry).
std::chrono::seconds RetryDelay(const RetryPolicy& policy, int attempt);
// Whether a sync that has failed `failures` times may run again.
bool MayRetry(const RetryPolicy& policy, int failures);

// Time for the executor's waits and the retry loop. Tests of the retry loop inject a fake.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() = 0;
  // Waits `duration`; returns false at once when `stop` is requested.
  virtual bool Sleep(std::chrono::milliseconds duration, std::stop_token stop) = 0;
};

// The wall clock. Thread-safe.
Clock& SystemClock();

// A task's result, as Argo CD reports it in operationState.syncResult.resources.
enum class ResultStatus { kSynced, kSyncFailed, kPruned, kPruneSkipped };
std::string_view ResultStatusName(ResultStatus status);  // "Synced", ...

enum class OperationPhase { kRunning, kSucceeded, kFailed, kError, kTerminating };
std::string_view OperationPhaseName(OperationPhase phase);  // "Running", ...

struct ResourceResult {
  kube::ResourceKey key;  // a generateName hook carries the name it was created with
  Phase phase = Phase::kSync;
  int wave = 0;
  bool hook = false;
  ResultStatus status = ResultStatus::kSynced;
  // Hooks only: Running while awaited, then Succeeded or Failed.
  std::optional<OperationPhase> hook_phase;
  std::string message;  // starts with the object ("Deployment/web/api: configured")
};

struct Outcome {
  // Succeeded; Failed when a task failed (dry run, apply, health, hook, timeout, a shared
  // resource); Error when the cluster could not be reached; Failed with "terminated" on
  // cancellation.
  OperationPhase phase = OperationPhase::kRunning;
  std::string message;
  std::vector<ResourceResult> resources;  // plan order; shared and prune-skipped ones last
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point finished_at;
};

struct ExecuteOptions {
  std::string app_id;  // "<namespace>_<name>": the tracking id stamped on applied objects
  Options sync;        // the app-level options the plan was made with
  // Names generateName hooks as Argo CD does: <generateName><revision[:7]>-<phase>-<unix>.
  std::string revision;
  // Limit for the whole operation, waits included; 0 waits forever (until `stop`).
  std::chrono::seconds timeout{300};
  // Between two looks at the objects a wave waits for.
  std::chrono::milliseconds poll_interval{200};
  // After a wave is written and before its health is looked at, except after the last wave:
  // other controllers get a chance to react to the change first, so that a health check does
  // not judge the stale object (Argo CD's ARGOCD_SYNC_WAVE_DELAY). The operator and
  // `converge sync` use 2 s, Argo CD's default; 0 pauses not at all.
  std::chrono::milliseconds wave_delay{0};
  health::Options health;
  // The Application's ignoreDifferences. With RespectIgnoreDifferences (app-level or on the
  // object), an object that exists is written with the fields these rules select holding
  // their live values (diff::Differ::KeepIgnored); one that does not exist yet is written as
  // desired. nullptr: no rules. Not owned; must outlive the call.
  const diff::Differ* ignore = nullptr;
  // Whether the prunes of Prune=confirm objects are approved for an operation that started at
  // the given time; asked again each poll interval until it says yes or the operation times
  // out, before anything is written. Empty: never approved (such a sync fails, naming them).
  std::function<bool(std::chrono::system_clock::time_point started)> prune_approved;
  // Called with a result each time it changes: written, healthy or failed, hook finished.
  std::function<void(const ResourceResult&)> progress;
  Clock* clock = nullptr;  // nullptr: SystemClock()
};

// Carries out `plan`:
//   1. reads every task's live object (with RespectIgnoreDifferences, takes the ignored fields'
//      values from it) and dry-runs it on the server (apply, or create and
//      update for Replace); any failure ends the operation before anything is written, except
//      for custom resources whose CRD the sync creates, objects in a namespace it creates, and
//      SkipDryRunOnMissingResource kinds. With options.sync.dry_run it stops here.
//      Prunes of Prune=confirm objects then wait for prune_approved, writing nothing before.
//   2. runs the PreSync, Sync and PostSync waves in order: applies with server-side apply
//      (field manager "converge", force), stamping the tracking label and annotation; waits
//      for each CRD to be Established; deletes prunes (never an object tracked by another
//      Application); pauses wave_delay; then waits until every applied object is Healthy
//      (Degraded fails), every hook has completed, and every prune is gone, before the next
//      wave.
//   3. on failure runs the SyncFail hooks.
// Hooks are deleted before creation, on success or on failure as their policies say.
// Objects tracked by another Application are never touched and fail the sync (SharedResource).
Outcome Execute(const Plan& plan, kube::Client& client, const ExecuteOptions& options,
                std::stop_token stop = {});

// The live objects a plan needs: every object carrying `app_id`'s tracking id (found by the
// managed-by label across all listable kinds the server serves) and the live counterparts of
// `desired` (to see objects owned by another Application). Desired objects without a namespace
// are looked up in `destination_namespace`. Sorted by key.
Result<std::vector<kube::Object>> ReadLiveObjects(kube::Client& client, std::string_view app_id,
                                                  const std::vector<kube::Object>& desired,
                                                  std::string_view destination_namespace);

// Where a desired object lives on the server: the version served for its kind, and its
// namespace (the destination's when it names none; "" for cluster-scoped kinds).
struct Placement {
  kube::GroupVersionKind gvk;
  std::string ns;
};
// nullopt when the server does not serve the kind yet (a CRD the same sync creates).
Result<std::optional<Placement>> Place(kube::Client& client, const kube::Object& object,
                                       std::string_view destination_namespace);
// The live object at `placement` named as `desired`; nullopt when there is none.
Result<std::optional<kube::Object>> ReadCounterpart(kube::Client& client,
                                                    const kube::Object& desired,
                                                    const Placement& placement);

// Every kind the server lists (preferred version of each group), from discovery.
Result<std::vector<kube::GroupVersionKind>> ListableKinds(kube::Client& client);

// One attempt of a retried operation, as operationState records it.
struct Attempt {
  OperationPhase phase = OperationPhase::kRunning;
  std::string message;
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point finished_at;
  // When the next attempt starts; nullopt when there is none.
  std::optional<std::chrono::system_clock::time_point> next_retry_at;
};

struct OperationState {
  Outcome outcome;  // of the last attempt
  int retry_count = 0;
  std::vector<Attempt> attempts;
};

// Runs `attempt` until it Succeeds, `policy` allows no more retries, or `stop` is requested,
// sleeping RetryDelay between attempts on `clock`.
OperationState RunWithRetry(const RetryPolicy& policy, Clock& clock, std::stop_token stop,
                            const std::function<Outcome()>& attempt);

}  // namespace converge::sync
