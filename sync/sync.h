#pragma once
// sync/sync.h: how Converge changes a cluster. MakePlan turns the desired objects of one
// Application and the live objects tracked to it into a deterministic list of tasks, ordered
// as Argo CD orders them (phase, wave, kind, name) with its hooks, sync options and prune
// rules, so that repositories written for Argo CD sync the same way here.
//
// sync/ never reads Git and never renders; it sees objects only. Planning is pure: the same
// inputs give the same plan, byte for byte. Thread-compatible.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kube/kube.h"

namespace converge::sync {

// The annotation and label every object applied by Converge carries (DESIGN.md: tracking).
inline constexpr char kTrackingAnnotation[] = "converge.dev/tracking-id";
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedByValue[] = "converge";

// "<app-namespace>_<app>:<group>/<kind>:<namespace>/<name>"
std::string TrackingId(std::string_view app_id, const kube::ResourceKey& key);
// The Application part of a tracking id ("" when there is none or it is malformed).
std::string TrackedApp(std::string_view tracking_id);

enum class Phase { kPreSync, kSync, kPostSync, kSyncFail };
std::string_view PhaseName(Phase phase);  // "PreSync", ...

enum class PrunePropagation { kForeground, kBackground, kOrphan };

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
};

// Reads "Key=value" sync options into `options`. Unknown keys and bad values are kInvalid,
// naming the option. ServerSideApply is accepted (always on) and Prune=false/Delete=false are
// per-resource options (see ResourceOptions).
Status ApplySyncOptions(const std::vector<std::string>& items, Options& options);

// What a resource's own annotation changes.
struct ResourceOptions {
  bool prune = true;           // Prune=false: never pruned
  bool prune_confirm = false;  // Prune=confirm: pruned only after confirmation
  bool deletable = true;       // Delete=false: kept when the Application is deleted
  bool replace = false;
  bool force = false;
  bool validate = true;
  bool skip_dry_run = false;
  bool prune_last = false;
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

// Orders the sync. kInvalid for bad annotations (naming the object and annotation),
// duplicate desired objects, a desired object tracked to another Application when
// fail_on_shared_resource is set, or a sync that would prune everything without allow_empty.
Result<Plan> MakePlan(const PlanInput& input, const Options& options);

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

}  // namespace converge::sync
