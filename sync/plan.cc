// MakePlan: desired and live objects in, ordered tasks out, following gitops-engine's rules
// (sync_tasks.go): phase, wave, kind, name; hooks from Argo CD's or Helm's annotations; prune
// waves reversed; a Namespace or CRD moved before the first object that needs it.

#include <algorithm>
#include <map>
#include <set>

#include "sync/options.h"
#include "sync/sync.h"

namespace converge::sync {
namespace {

constexpr char kArgoHook[] = "argocd.argoproj.io/hook";
constexpr char kArgoHookDeletePolicy[] = "argocd.argoproj.io/hook-delete-policy";
constexpr char kHelmHook[] = "helm.sh/hook";
constexpr char kHelmHookWeight[] = "helm.sh/hook-weight";
constexpr char kHelmHookDeletePolicy[] = "helm.sh/hook-delete-policy";
constexpr const char* kWaveAnnotations[] = {"converge.dev/sync-wave",
                                            "argocd.argoproj.io/sync-wave"};
constexpr const char* kOptionAnnotations[] = {"argocd.argoproj.io/sync-options",
                                              "converge.dev/sync-options"};

std::string Where(const kube::Object& object, std::string_view annotation) {
  return kube::Describe(object) + ": annotation " + std::string(annotation);
}

Result<int> ParseWave(const kube::Object& object, std::string_view annotation,
                      std::string_view text) {
  std::string trimmed(text);
  char* end = nullptr;
  long value = std::strtol(trimmed.c_str(), &end, 10);
  if (trimmed.empty() || end == nullptr || *end != '\0' || value < -1000000 || value > 1000000) {
    return Status::Invalid(Where(object, annotation) + ": \"" + trimmed +
                           "\" is not a whole number");
  }
  return static_cast<int>(value);
}

// sync-wave, else Helm's hook-weight (on any object, as gitops-engine's syncwaves.Wave), else 0.
Result<int> WaveOf(const kube::Object& object) {
  for (const char* annotation : kWaveAnnotations) {
    std::string_view text = object.Annotation(annotation);
    if (!text.empty()) return ParseWave(object, annotation, text);
  }
  std::string_view weight = object.Annotation(kHelmHookWeight);
  if (!weight.empty()) return ParseWave(object, kHelmHookWeight, weight);
  return 0;
}

// How an object takes part in a sync.
struct HookInfo {
  bool hook = false;
  std::vector<Phase> phases;  // empty for a hook that never runs in a sync (Skip, PreDelete)
  std::vector<HookDeletePolicy> policies;
};

Result<HookInfo> ReadHook(const kube::Object& object) {
  HookInfo info;
  std::string_view argo = object.Annotation(kArgoHook);
  std::string_view helm = object.Annotation(kHelmHook);
  if (!argo.empty()) {
    // An Argo CD hook annotation wins over Helm's on the same object.
    info.hook = true;
    for (const std::string& type : SplitList(argo)) {
      if (type == "PreSync") {
        info.phases.push_back(Phase::kPreSync);
      } else if (type == "Sync") {
        info.phases.push_back(Phase::kSync);
      } else if (type == "PostSync") {
        info.phases.push_back(Phase::kPostSync);
      } else if (type == "SyncFail") {
        info.phases.push_back(Phase::kSyncFail);
      } else if (type != "Skip" && type != "PreDelete" && type != "PostDelete") {
        return Status::Invalid(Where(object, kArgoHook) + ": unknown hook type " + type);
      }
    }
    for (const std::string& policy : SplitList(object.Annotation(kArgoHookDeletePolicy))) {
      if (policy == "HookSucceeded") {
        info.policies.push_back(HookDeletePolicy::kHookSucceeded);
      } else if (policy == "HookFailed") {
        info.policies.push_back(HookDeletePolicy::kHookFailed);
      } else if (policy == "BeforeHookCreation") {
        info.policies.push_back(HookDeletePolicy::kBeforeHookCreation);
      } else {
        return Status::Invalid(Where(object, kArgoHookDeletePolicy) + ": unknown policy " + policy);
      }
    }
  } else if (!helm.empty() && helm != "crd-install") {
    // Helm's install and upgrade hooks map onto Argo CD's phases; the rest (test, rollback,
    // delete) do not run in a sync.
    info.hook = true;
    for (const std::string& type : SplitList(helm)) {
      if (type == "pre-install" || type == "pre-upgrade") info.phases.push_back(Phase::kPreSync);
      if (type == "post-install" || type == "post-upgrade") info.phases.push_back(Phase::kPostSync);
    }
    for (const std::string& policy : SplitList(object.Annotation(kHelmHookDeletePolicy))) {
      if (policy == "hook-succeeded") info.policies.push_back(HookDeletePolicy::kHookSucceeded);
      if (policy == "hook-failed") info.policies.push_back(HookDeletePolicy::kHookFailed);
      if (policy == "before-hook-creation") {
        info.policies.push_back(HookDeletePolicy::kBeforeHookCreation);
      }
    }
  }
  std::sort(info.phases.begin(), info.phases.end());
  info.phases.erase(std::unique(info.phases.begin(), info.phases.end()), info.phases.end());
  if (info.hook && info.policies.empty()) {
    info.policies.push_back(HookDeletePolicy::kBeforeHookCreation);
  }
  std::sort(info.policies.begin(), info.policies.end());
  info.policies.erase(std::unique(info.policies.begin(), info.policies.end()), info.policies.end());
  return info;
}

Result<ResourceOptions> OptionsOf(const kube::Object& object, const Options& options) {
  ResourceOptions resource{.deletion = options.deletion,
                           .replace = options.replace,
                           .force = options.force,
                           .validate = options.validate,
                           .skip_dry_run = options.skip_dry_run_on_missing_resource,
                           .prune_last = options.prune_last,
                           .respect_ignore_differences = options.respect_ignore_differences};
  for (const char* annotation : kOptionAnnotations) {
    std::string_view text = object.Annotation(annotation);
    if (text.empty()) continue;
    Result<ResourceOptions> read = ReadResourceOptions(text, Where(object, annotation), resource);
    if (!read.ok()) return read.status();
    resource = *read;
  }
  return resource;
}

// Kinds that live outside namespaces, for objects written without a namespace.
bool ClusterScoped(const kube::Object& object, const std::set<std::string>& extra) {
  static const std::set<std::string> kBuiltIn = {
      "/Namespace",
      "/Node",
      "/PersistentVolume",
      "apiextensions.k8s.io/CustomResourceDefinition",
      "apiregistration.k8s.io/APIService",
      "rbac.authorization.k8s.io/ClusterRole",
      "rbac.authorization.k8s.io/ClusterRoleBinding",
      "storage.k8s.io/StorageClass",
      "storage.k8s.io/CSIDriver",
      "scheduling.k8s.io/PriorityClass",
      "networking.k8s.io/IngressClass",
      "node.k8s.io/RuntimeClass",
      "admissionregistration.k8s.io/MutatingWebhookConfiguration",
      "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
      "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
      "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  };
  std::string group_kind = std::string(object.Group()) + "/" + std::string(object.Kind());
  return kBuiltIn.contains(group_kind) || extra.contains(group_kind);
}

bool Before(const Task& a, const Task& b) {
  if (a.phase != b.phase) return a.phase < b.phase;
  if (a.wave != b.wave) return a.wave < b.wave;
  int kind_a = KindOrder(a.key.group, a.key.kind);
  int kind_b = KindOrder(b.key.group, b.key.kind);
  if (kind_a != kind_b) return kind_a < kind_b;
  if (a.key.name != b.key.name) return a.key.name < b.key.name;
  // Beyond Argo CD's order, so that the plan is total: applies before prunes, then identity.
  if (a.action != b.action) return a.action < b.action;
  return a.key < b.key;
}

// Prune waves run in the reverse of creation order; PruneLast ones after the last Sync wave.
void ReversePruneWaves(std::vector<Task>& tasks) {
  std::set<int> waves;
  int last_sync_wave = 0;
  bool any_sync = false;
  for (const Task& task : tasks) {
    if (task.action == Action::kPrune) waves.insert(task.wave);
    if (task.action == Action::kApply && task.phase == Phase::kSync) {
      last_sync_wave = any_sync ? std::max(last_sync_wave, task.wave) : task.wave;
      any_sync = true;
    }
  }
  std::vector<int> sorted(waves.begin(), waves.end());
  std::map<int, int> mirrored;
  for (size_t i = 0; i < sorted.size(); ++i) mirrored[sorted[i]] = sorted[sorted.size() - 1 - i];
  for (Task& task : tasks) {
    if (task.action != Action::kPrune) continue;
    task.wave = task.options.prune_last ? last_sync_wave + 1 : mirrored[task.wave];
  }
}

// A Namespace or CRD takes the phase and wave of the first task that needs it, when that task
// would otherwise run first.
void HoistDependencies(std::vector<Task>& tasks) {
  bool moved = false;
  for (Task& provider : tasks) {
    if (provider.action != Action::kApply || provider.hook) continue;
    bool is_namespace = provider.key.group.empty() && provider.key.kind == "Namespace";
    bool is_crd = provider.key.kind == "CustomResourceDefinition";
    if (!is_namespace && !is_crd) continue;
    std::string crd_group(kube::StringAt(provider.object.json(), {"spec", "group"}));
    std::string crd_kind(kube::StringAt(provider.object.json(), {"spec", "names", "kind"}));
    for (const Task& user : tasks) {
      if (&user == &provider) continue;
      bool needs = is_namespace ? user.key.ns == provider.key.name
                                : user.key.group == crd_group && user.key.kind == crd_kind;
      if (!needs || !Before(user, provider)) continue;
      provider.phase = user.phase;
      provider.wave = user.wave;
      moved = true;
      break;  // `tasks` is sorted: the first user is the earliest
    }
  }
  if (moved) std::stable_sort(tasks.begin(), tasks.end(), Before);
}

}  // namespace

std::string TrackingId(std::string_view app_id, const kube::ResourceKey& key) {
  return std::string(app_id) + ":" + key.group + "/" + key.kind + ":" + key.ns + "/" + key.name;
}

void StampTracking(kube::Object& object, std::string_view app_id) {
  object.SetLabel(kManagedByLabel, kManagedByValue);
  object.SetAnnotation(kTrackingAnnotation, TrackingId(app_id, object.Key()));
}

std::string TrackedApp(std::string_view tracking_id) {
  size_t colon = tracking_id.find(':');
  return colon == std::string_view::npos ? "" : std::string(tracking_id.substr(0, colon));
}

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kPreSync:
      return "PreSync";
    case Phase::kSync:
      return "Sync";
    case Phase::kPostSync:
      return "PostSync";
    case Phase::kSyncFail:
      return "SyncFail";
  }
  return "Sync";
}

Deletion DeletionOf(const kube::Object& live, const Options& options) {
  if (live.Group() == "apiextensions.k8s.io" && live.Kind() == "CustomResourceDefinition") {
    return Deletion::kKeep;
  }
  if (live.Annotation("helm.sh/resource-policy") == "keep") return Deletion::kKeep;
  ResourceOptions resource{.deletion = options.deletion};
  for (const char* annotation : kOptionAnnotations) {
    for (const std::string& item : SplitList(live.Annotation(annotation))) {
      Result<ResourceOptions> read = ReadResourceOptions(item, Where(live, annotation), resource);
      if (read.ok()) resource = *read;
    }
  }
  return resource.deletion;
}

Result<Plan> MakePlan(const PlanInput& input, const Options& options) {
  Plan plan;
  std::set<std::string> cluster_scoped(input.cluster_scoped.begin(), input.cluster_scoped.end());
  std::map<kube::ResourceKey, const kube::Object*> live_by_key;
  std::set<kube::ResourceKey> desired_keys;
  for (const kube::Object& object : input.live) live_by_key.emplace(object.Key(), &object);

  std::vector<kube::Object> desired = input.desired;
  for (kube::Object& object : desired) {
    if (object.Namespace().empty() && !ClusterScoped(object, cluster_scoped)) {
      object.SetNamespace(input.destination_namespace);
    }
  }
  std::stable_sort(desired.begin(), desired.end(),
                   [](const kube::Object& a, const kube::Object& b) { return a.Key() < b.Key(); });

  for (const kube::Object& object : desired) {
    kube::ResourceKey key = object.Key();
    if (object.Name().empty() && object.GenerateName().empty()) {
      // Without either the sync would invent a name on every run and prune the last one.
      std::string where =
          object.origin().file.empty() ? "" : " (" + object.origin().ToString() + ")";
      return Status::Invalid(kube::Describe(object) + where +
                             ": metadata.name or metadata.generateName is required");
    }
    Result<HookInfo> hook = ReadHook(object);
    if (!hook.ok()) return hook.status();
    if (!hook->hook) {
      // generateName objects have no name yet and cannot collide.
      if (!key.name.empty() && !desired_keys.insert(key).second) {
        return Status::Invalid(kube::Describe(object) + ": appears twice in the desired objects");
      }
      auto live = live_by_key.find(key);
      if (live != live_by_key.end()) {
        std::string owner = TrackedApp(live->second->Annotation(kTrackingAnnotation));
        if (!owner.empty() && owner != input.app_id) {
          if (options.fail_on_shared_resource) {
            return Status::Conflict("SharedResource: " + kube::Describe(object) +
                                    " is tracked by Application " + owner);
          }
          plan.shared.push_back(key);
          continue;
        }
      }
    }
    if (hook->hook && hook->phases.empty()) {
      plan.skipped.push_back(key);
      continue;
    }
    Result<int> wave = WaveOf(object);
    if (!wave.ok()) return wave.status();
    Result<ResourceOptions> resource = OptionsOf(object, options);
    if (!resource.ok()) return resource.status();
    std::vector<Phase> phases = hook->hook ? hook->phases : std::vector<Phase>{Phase::kSync};
    for (Phase phase : phases) {
      plan.tasks.push_back(Task{.phase = phase,
                                .wave = *wave,
                                .action = Action::kApply,
                                .key = key,
                                .object = object,
                                .hook = hook->hook,
                                .hook_delete_policies = hook->policies,
                                .options = *resource});
    }
  }

  if (options.create_namespace && !input.destination_namespace.empty()) {
    kube::ResourceKey key{"", "Namespace", "", input.destination_namespace};
    if (!desired_keys.contains(key)) {
      kube::Object ns(nlohmann::json{{"apiVersion", "v1"},
                                     {"kind", "Namespace"},
                                     {"metadata", {{"name", input.destination_namespace}}}});
      plan.tasks.push_back(Task{.key = key, .object = std::move(ns), .managed_namespace = true});
    }
  }

  size_t tracked = 0;
  for (const auto& [key, live] : live_by_key) {
    if (TrackedApp(live->Annotation(kTrackingAnnotation)) != input.app_id) continue;
    Result<HookInfo> hook = ReadHook(*live);
    if (hook.ok() && hook->hook) continue;  // hooks are cleaned up by their policies
    ++tracked;
    if (desired_keys.contains(key)) continue;
    Result<ResourceOptions> resource = OptionsOf(*live, options);
    if (!resource.ok()) return resource.status();
    if (!options.prune || !resource->prune) {
      plan.prune_skipped.push_back(key);
      continue;
    }
    Result<int> wave = WaveOf(*live);
    plan.tasks.push_back(Task{.phase = Phase::kSync,
                              .wave = wave.ok() ? *wave : 0,
                              .action = Action::kPrune,
                              .key = key,
                              .object = *live,
                              .options = *resource});
  }
  bool applies = std::any_of(plan.tasks.begin(), plan.tasks.end(), [](const Task& t) {
    return t.action == Action::kApply && !t.hook && !t.managed_namespace;
  });
  if (options.prune && !options.allow_empty && !applies && tracked > 0) {
    return Status::Invalid("the sync would prune all " + std::to_string(tracked) +
                           " tracked objects and allowEmpty is false");
  }

  ReversePruneWaves(plan.tasks);
  std::stable_sort(plan.tasks.begin(), plan.tasks.end(), Before);
  HoistDependencies(plan.tasks);
  return plan;
}

std::chrono::seconds RetryDelay(const RetryPolicy& policy, int attempt) {
  int64_t delay = policy.duration.count();
  for (int i = 0; i < attempt && delay < policy.max_duration.count(); ++i) delay *= policy.factor;
  return std::chrono::seconds(std::min<int64_t>(delay, policy.max_duration.count()));
}

bool MayRetry(const RetryPolicy& policy, int failures) {
  return policy.limit < 0 || failures <= policy.limit;
}

}  // namespace converge::sync
