// The sync plan against Argo CD's documented rules (resource hooks, sync waves, sync options,
// gitops-engine's ordering): each case is a set of manifests and the task order they must give.

#include <gtest/gtest.h>

#include "sync/sync.h"

namespace converge::sync {
namespace {

std::vector<kube::Object> Objects(const std::string& yaml) {
  Result<std::vector<kube::Object>> objects = kube::DecodeObjects(yaml, "test.yaml");
  EXPECT_TRUE(objects.ok()) << objects.status().message();
  return objects.ok() ? *objects : std::vector<kube::Object>{};
}

// "Phase/wave Kind name" per task, or "prune Kind name".
std::vector<std::string> Order(const Plan& plan) {
  std::vector<std::string> out;
  for (const Task& task : plan.tasks) {
    std::string line = task.action == Action::kPrune ? "prune " : "";
    line += std::string(PhaseName(task.phase)) + "/" + std::to_string(task.wave) + " " +
            task.key.kind + " " + task.key.name;
    out.push_back(line);
  }
  return out;
}

Plan MustPlan(const PlanInput& input, const Options& options = {}) {
  Result<Plan> plan = MakePlan(input, options);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return plan.ok() ? *plan : Plan{};
}

kube::Object Tracked(kube::Object object, const std::string& app) {
  object.SetAnnotation(kTrackingAnnotation, TrackingId(app, object.Key()));
  return object;
}

TEST(PlanTest, KindOrderThenNameWithinAWave) {
  Plan plan =
      MustPlan({.app_id = "argocd_guestbook", .destination_namespace = "web", .desired = Objects(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b-config}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a-config}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
)")});
  EXPECT_EQ(Order(plan), (std::vector<std::string>{
                             "Sync/0 ServiceAccount web", "Sync/0 ConfigMap a-config",
                             "Sync/0 ConfigMap b-config", "Sync/0 Service web",
                             "Sync/0 Deployment web", "Sync/0 Ingress web", "Sync/0 Widget a"}));
  EXPECT_EQ(plan.tasks[0].key.ns, "web");  // the destination namespace fills in
}

TEST(PlanTest, WavesComeBeforeKindsAndMayBeNegative) {
  Plan plan = MustPlan({.app_id = "a_b", .destination_namespace = "default", .desired = Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: late, annotations: {argocd.argoproj.io/sync-wave: "5"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: early, annotations: {argocd.argoproj.io/sync-wave: "-1"}}
---
apiVersion: v1
kind: Secret
metadata: {name: ours, annotations: {converge.dev/sync-wave: "2"}}
---
apiVersion: v1
kind: Service
metadata: {name: plain}
)")});
  EXPECT_EQ(Order(plan),
            (std::vector<std::string>{"Sync/-1 Deployment early", "Sync/0 Service plain",
                                      "Sync/2 Secret ours", "Sync/5 ConfigMap late"}));
}

TEST(PlanTest, HooksFromArgoAndHelm) {
  Plan plan = MustPlan({.app_id = "a_b", .destination_namespace = "default", .desired = Objects(R"(
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {argocd.argoproj.io/hook: PreSync, argocd.argoproj.io/hook-delete-policy: HookSucceeded}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: smoke
  annotations: {argocd.argoproj.io/hook: "PostSync,SyncFail"}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: helm-pre
  annotations: {helm.sh/hook: "pre-install,pre-upgrade", helm.sh/hook-weight: "-5",
                helm.sh/hook-delete-policy: "before-hook-creation,hook-succeeded"}
---
apiVersion: v1
kind: Pod
metadata:
  name: helm-test
  annotations: {helm.sh/hook: test}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: skipped
  annotations: {argocd.argoproj.io/hook: Skip}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: both
  annotations: {argocd.argoproj.io/hook: Sync, helm.sh/hook: post-install}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crds.example.com
  annotations: {helm.sh/hook: crd-install}
spec: {group: example.com, names: {kind: Crd}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
)")});
  EXPECT_EQ(Order(plan),
            (std::vector<std::string>{"PreSync/-5 Job helm-pre", "PreSync/0 Job migrate",
                                      "Sync/0 CustomResourceDefinition crds.example.com",
                                      "Sync/0 Deployment app", "Sync/0 Job both",
                                      "PostSync/0 Job smoke", "SyncFail/0 Job smoke"}));
  EXPECT_EQ(plan.skipped.size(), 2u);  // the Helm test and the Skip hook
  const Task& helm_pre = plan.tasks[0];
  EXPECT_TRUE(helm_pre.hook);
  EXPECT_EQ(helm_pre.hook_delete_policies,
            (std::vector<HookDeletePolicy>{HookDeletePolicy::kBeforeHookCreation,
                                           HookDeletePolicy::kHookSucceeded}));
  EXPECT_EQ(plan.tasks[1].hook_delete_policies,
            std::vector<HookDeletePolicy>{HookDeletePolicy::kHookSucceeded});
  // Without a policy, BeforeHookCreation.
  EXPECT_EQ(plan.tasks[4].hook_delete_policies,
            std::vector<HookDeletePolicy>{HookDeletePolicy::kBeforeHookCreation});
}

TEST(PlanTest, NamespacesAndCrdsMoveBeforeTheirFirstUser) {
  Plan plan = MustPlan({.app_id = "a_b", .destination_namespace = "default", .desired = Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: config, namespace: team, annotations: {argocd.argoproj.io/sync-wave: "-3"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: team, annotations: {argocd.argoproj.io/sync-wave: "1"}}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g, annotations: {argocd.argoproj.io/sync-wave: "-2"}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec: {group: example.com, names: {kind: Gadget, plural: gadgets}}
)")});
  EXPECT_EQ(Order(plan),
            (std::vector<std::string>{"Sync/-3 Namespace team", "Sync/-3 ConfigMap config",
                                      "Sync/-2 CustomResourceDefinition gadgets.example.com",
                                      "Sync/-2 Gadget g"}));
}

TEST(PlanTest, PruneOnlyWhatThisApplicationTracksInReverseWaves) {
  std::vector<kube::Object> live = Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: keep, namespace: default}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: old-first, namespace: default, annotations: {argocd.argoproj.io/sync-wave: "-1"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: old-last, namespace: default, annotations: {argocd.argoproj.io/sync-wave: "3"}}
---
apiVersion: v1
kind: Secret
metadata: {name: kept, namespace: default, annotations: {argocd.argoproj.io/sync-options: Prune=false}}
)");
  std::vector<kube::Object> tracked;
  for (const kube::Object& object : live) tracked.push_back(Tracked(object, "ns_app"));
  kube::Object foreign = Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: theirs, namespace: default}
)")[0];
  tracked.push_back(Tracked(foreign, "ns_other"));
  tracked.push_back(Objects(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: untracked, namespace: default}\n")[0]);
  PlanInput input{.app_id = "ns_app",
                  .destination_namespace = "default",
                  .desired = Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n"),
                  .live = tracked};

  Plan off = MustPlan(input);
  EXPECT_EQ(Order(off), std::vector<std::string>{"Sync/0 ConfigMap keep"});
  EXPECT_EQ(off.prune_skipped.size(), 3u);

  Plan on = MustPlan(input, {.prune = true});
  // Created at -1 and 3, pruned in the mirror order: the wave-3 object goes first.
  EXPECT_EQ(Order(on),
            (std::vector<std::string>{"prune Sync/-1 Deployment old-last", "Sync/0 ConfigMap keep",
                                      "prune Sync/3 ConfigMap old-first"}));
  ASSERT_EQ(on.prune_skipped.size(), 1u);
  EXPECT_EQ(on.prune_skipped[0].name, "kept");

  Plan last = MustPlan(input, {.prune = true, .prune_last = true});
  EXPECT_EQ(Order(last),
            (std::vector<std::string>{"Sync/0 ConfigMap keep", "prune Sync/1 ConfigMap old-first",
                                      "prune Sync/1 Deployment old-last"}));
}

TEST(PlanTest, RefusesToPruneEverythingUnlessAllowed) {
  PlanInput input{
      .app_id = "ns_app",
      .destination_namespace = "default",
      .live = {Tracked(
          Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n")[0],
          "ns_app")}};
  Result<Plan> refused = MakePlan(input, {.prune = true});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("allowEmpty"), std::string::npos);
  // The namespace CreateNamespace adds is not part of the desired set.
  EXPECT_FALSE(MakePlan(input, {.prune = true, .create_namespace = true}).ok());
  EXPECT_TRUE(MakePlan(input, {.prune = true, .allow_empty = true}).ok());
}

TEST(PlanTest, SharedResourcesAreNeverTouched) {
  kube::Object desired =
      Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\n")[0];
  PlanInput input{.app_id = "ns_app",
                  .destination_namespace = "default",
                  .desired = {desired},
                  .live = {Tracked(desired, "ns_other")}};
  Plan plan = MustPlan(input);
  EXPECT_TRUE(plan.tasks.empty());
  ASSERT_EQ(plan.shared.size(), 1u);
  Result<Plan> failed = MakePlan(input, {.fail_on_shared_resource = true});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(),
            "SharedResource: ConfigMap/default/x is tracked by Application ns_other");
}

TEST(PlanTest, CreateNamespaceAddsTheDestinationFirst) {
  Plan plan =
      MustPlan({.app_id = "a_b",
                .destination_namespace = "shop",
                .desired = Objects("apiVersion: v1\nkind: Service\nmetadata: {name: s, "
                                   "annotations: {argocd.argoproj.io/sync-wave: \"-2\"}}\n")},
               {.create_namespace = true});
  EXPECT_EQ(Order(plan), (std::vector<std::string>{"Sync/-2 Namespace shop", "Sync/-2 Service s"}));
}

TEST(PlanTest, BadAnnotationsNameTheObject) {
  Result<Plan> wave = MakePlan(
      {.desired = Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: d, "
                          "annotations: {argocd.argoproj.io/sync-wave: soon}}\n")},
      {});
  ASSERT_FALSE(wave.ok());
  EXPECT_EQ(
      wave.status().message(),
      "ConfigMap/d/x: annotation argocd.argoproj.io/sync-wave: \"soon\" is not a whole number");
  Result<Plan> option = MakePlan(
      {.desired = Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: d, "
                          "annotations: {argocd.argoproj.io/sync-options: Prune=maybe}}\n")},
      {});
  ASSERT_FALSE(option.ok());
  EXPECT_EQ(option.status().message(),
            "ConfigMap/d/x: annotation argocd.argoproj.io/sync-options: sync option Prune=maybe: "
            "expected one of true, false, confirm");
  Result<Plan> twice = MakePlan(
      {.desired =
           Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: d}\n---\n"
                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: d}\n")},
      {});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "ConfigMap/d/x: appears twice in the desired objects");
}

TEST(OptionsTest, ArgoCdSpellings) {
  Options options;
  ASSERT_TRUE(ApplySyncOptions({"CreateNamespace=true", "PrunePropagationPolicy=background",
                                "PruneLast=true", "ServerSideApply=true", "Validate=false",
                                "ApplyOutOfSyncOnly=true", "RespectIgnoreDifferences=true"},
                               options)
                  .ok());
  EXPECT_TRUE(options.create_namespace);
  EXPECT_EQ(options.prune_propagation, PrunePropagation::kBackground);
  EXPECT_TRUE(options.prune_last);
  EXPECT_FALSE(options.validate);
  EXPECT_TRUE(options.apply_out_of_sync_only);
  EXPECT_TRUE(options.respect_ignore_differences);
  Status unknown = ApplySyncOptions({"Teleport=true"}, options);
  EXPECT_EQ(unknown.message(), "syncOptions: unknown sync option Teleport");
}

TEST(OptionsTest, DeletionOfAnObjectWhenTheApplicationIsDeleted) {
  struct Case {
    const char* yaml;
    std::vector<std::string> app_options;
    Deletion want;
  };
  const char* plain = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
  std::vector<Case> cases = {
      {plain, {}, Deletion::kDelete},
      {plain, {"Delete=false"}, Deletion::kKeep},
      {plain, {"Delete=confirm"}, Deletion::kConfirm},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n"
       "    argocd.argoproj.io/sync-options: Prune=false, Delete=false\n",
       {},
       Deletion::kKeep},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n"
       "    converge.dev/sync-options: Delete=confirm\n",
       {},
       Deletion::kConfirm},
      // The object's option wins over the Application's.
      {"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n"
       "    argocd.argoproj.io/sync-options: Delete=true\n",
       {"Delete=false"},
       Deletion::kDelete},
      // An item that does not parse does not hide the others.
      {"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n"
       "    argocd.argoproj.io/sync-options: Bogus=1,Delete=false\n",
       {},
       Deletion::kKeep},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n"
       "    helm.sh/resource-policy: keep\n",
       {},
       Deletion::kKeep},
      {"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
       "metadata: {name: widgets.example.com}\n",
       {},
       Deletion::kKeep},
  };
  for (const Case& c : cases) {
    Options options;
    ASSERT_TRUE(ApplySyncOptions(c.app_options, options).ok());
    EXPECT_EQ(DeletionOf(Objects(c.yaml)[0], options), c.want) << c.yaml;
  }
}

TEST(RetryTest, ArgoCdBackoffFormula) {
  RetryPolicy defaults;
  EXPECT_EQ(RetryDelay(defaults, 0), std::chrono::seconds(5));
  EXPECT_EQ(RetryDelay(defaults, 1), std::chrono::seconds(10));
  EXPECT_EQ(RetryDelay(defaults, 5), std::chrono::seconds(160));
  EXPECT_EQ(RetryDelay(defaults, 6), std::chrono::seconds(180));   // capped at 3m
  EXPECT_EQ(RetryDelay(defaults, 60), std::chrono::seconds(180));  // and never overflows
  RetryPolicy automated{.limit = 5};
  EXPECT_TRUE(MayRetry(automated, 5));
  EXPECT_FALSE(MayRetry(automated, 6));
  EXPECT_TRUE(MayRetry(defaults, 1000));
}

}  // namespace
}  // namespace converge::sync

namespace converge::sync {
namespace {

TEST(PlanTest, AnObjectWithoutANameIsRefusedNamingItsFile) {
  Result<std::vector<kube::Object>> objects = kube::DecodeObjects(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\ndata: {k: v}\n", "cm.yaml");
  ASSERT_TRUE(objects.ok());
  Result<Plan> plan = MakePlan(
      {.app_id = "converge_demo", .destination_namespace = "web", .desired = *objects}, {});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalid);
  EXPECT_NE(plan.status().message().find("cm.yaml"), std::string::npos) << plan.status().message();
  EXPECT_NE(plan.status().message().find("metadata.name or metadata.generateName is required"),
            std::string::npos)
      << plan.status().message();
}

}  // namespace
}  // namespace converge::sync
