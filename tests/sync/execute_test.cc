// The sync engine against the embedded API server, whose simulated workloads become healthy
// (or fail, with converge.dev/simulate) as a cluster's would. The order in which objects were
// created and became healthy is read from watch events, whose resourceVersions the server
// assigns from one counter.

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "kube/client/client.h"
#include "sources/helm/helm.h"
#include "sources/tree/tree.h"
#include "sync/sync.h"
#include "tests/support/support.h"

namespace converge::sync {
namespace {

using converge::testing::ApiServer;
using converge::testing::CorpusDir;
using converge::testing::ProcessResult;
using converge::testing::ReadFile;
using nlohmann::json;

const kube::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
const kube::GroupVersionKind kJob{"batch", "v1", "Job"};
const kube::GroupVersionKind kReplicaSet{"apps", "v1", "ReplicaSet"};
const kube::GroupVersionKind kService{"", "v1", "Service"};
const kube::GroupVersionKind kDeployment{"apps", "v1", "Deployment"};
const kube::GroupVersionKind kPod{"", "v1", "Pod"};

std::vector<kube::Object> Objects(std::string_view yaml) {
  Result<std::vector<kube::Object>> objects = kube::DecodeObjects(yaml, "test.yaml");
  EXPECT_TRUE(objects.ok()) << objects.status().message();
  return objects.ok() ? *objects : std::vector<kube::Object>{};
}

std::vector<kube::Object> CorpusObjects(const std::string& relative) {
  return Objects(ReadFile(CorpusDir() / "gitops/argocd-example-apps" / relative));
}

int64_t Version(const kube::Object& object) {
  return std::atoll(
      std::string(kube::StringAt(object.json(), {"metadata", "resourceVersion"})).c_str());
}

// Records watch events of some kinds in one namespace from the moment it is made.
class Recorder {
 public:
  struct Event {
    int64_t version = 0;
    kube::WatchEventType type = kube::WatchEventType::kAdded;
    kube::Object object;
  };

  Recorder(kube::Client& client, const std::string& ns,
           const std::vector<kube::GroupVersionKind>& kinds) {
    for (const kube::GroupVersionKind& gvk : kinds) {
      kube::ApiResult<kube::ObjectList> list = client.List(gvk, ns);
      EXPECT_TRUE(list.ok());
      std::string from = list.ok() ? list->resource_version : "";
      threads_.emplace_back([this, &client, ns, gvk, from](std::stop_token stop) {
        client.Watch(
            gvk, ns, {.resource_version = from, .bookmarks = false},
            [this](kube::WatchEvent&& event) {
              std::lock_guard lock(mutex_);
              events_.push_back({Version(event.object), event.type, std::move(event.object)});
              return true;
            },
            stop);
      });
    }
  }

  // Every event so far, in the server's order.
  std::vector<Event> Events() {
    std::lock_guard lock(mutex_);
    std::vector<Event> out = events_;
    std::stable_sort(out.begin(), out.end(),
                     [](const Event& a, const Event& b) { return a.version < b.version; });
    return out;
  }

  // The version at which an object whose name starts with `name` was created (0 if none was).
  int64_t Created(std::string_view name) {
    for (const Event& event : Events()) {
      if (event.type == kube::WatchEventType::kAdded && event.object.Name().starts_with(name)) {
        return event.version;
      }
    }
    return 0;
  }

  // The first version at which an object whose name starts with `name` satisfied `test`.
  int64_t First(std::string_view name, const std::function<bool(const kube::Object&)>& test) {
    for (const Event& event : Events()) {
      if (event.object.Name().starts_with(name) && test(event.object)) return event.version;
    }
    return 0;
  }

 private:
  std::mutex mutex_;
  std::vector<Event> events_;  // guarded by mutex_
  std::vector<std::jthread> threads_;
};

bool Ready(const kube::Object& object) {
  return object.json().contains("status") &&
         object.json()["status"].value("readyReplicas", int64_t{0}) >= 1;
}

class ExecuteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ApiServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    Result<kube::ClientConfig> config = kube::LoadKubeconfig({server_->kubeconfig()});
    ASSERT_TRUE(config.ok()) << config.status().message();
    Result<std::unique_ptr<kube::Client>> client = kube::Client::Create(*config);
    ASSERT_TRUE(client.ok()) << client.status().message();
    client_ = std::move(*client);
    ns_ = AsciiLower(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  // Plans and executes as `converge sync` does; the destination namespace is the test's.
  Outcome Sync(const std::string& app, const std::vector<kube::Object>& desired,
               Options options = {}, bool expect_plan = true) {
    options.create_namespace = true;
    std::string app_id = "argocd_" + app;
    Result<std::vector<kube::Object>> live = ReadLiveObjects(*client_, app_id, desired, ns_);
    EXPECT_TRUE(live.ok()) << live.status().message();
    Result<Plan> plan = MakePlan(
        {.app_id = app_id, .destination_namespace = ns_, .desired = desired, .live = *live},
        options);
    EXPECT_EQ(plan.ok(), expect_plan) << plan.status().message();
    if (!plan.ok())
      return Outcome{.phase = OperationPhase::kError, .message = plan.status().message()};
    Outcome outcome = Execute(*plan, *client_,
                              {.app_id = app_id,
                               .sync = options,
                               .timeout = std::chrono::seconds(120),
                               .poll_interval = std::chrono::milliseconds(100),
                               .wave_delay = wave_delay_,
                               .ignore = ignore_,
                               .prune_approved = prune_approved_,
                               .progress = progress_,
                               .clock = clock_});
    for (const ResourceResult& result : outcome.resources) {
      log_ += std::string(ResultStatusName(result.status)) + " " + result.message + "\n";
    }
    return outcome;
  }

  std::string Log() const { return log_; }

  const ResourceResult* Find(const Outcome& outcome, std::string_view kind,
                             std::string_view name_prefix) {
    for (const ResourceResult& result : outcome.resources) {
      if (result.key.kind == kind && result.key.name.starts_with(name_prefix)) return &result;
    }
    return nullptr;
  }

  std::optional<kube::Object> Get(const kube::GroupVersionKind& gvk, const std::string& name) {
    kube::ApiResult<kube::Object> got = client_->Get(gvk, ns_, name);
    if (!got.ok()) return std::nullopt;
    return *got;
  }

  static ApiServer* server_;
  std::unique_ptr<kube::Client> client_;
  std::string ns_;
  std::string log_;
  // What Sync passes to Execute besides the plan.
  std::chrono::milliseconds wave_delay_{0};
  const diff::Differ* ignore_ = nullptr;
  std::function<bool(std::chrono::system_clock::time_point)> prune_approved_;
  std::function<void(const ResourceResult&)> progress_;
  Clock* clock_ = nullptr;
};

ApiServer* ExecuteTest::server_ = nullptr;

TEST_F(ExecuteTest, SyncWavesAppliesWaveByWaveAfterHealth) {
  ASSERT_EQ(server_->Kubectl({"create", "namespace", ns_}).exit_code, 0);
  Recorder recorder(*client_, ns_, {kJob, kReplicaSet, kService});
  Outcome outcome = Sync("sync-waves", CorpusObjects("sync-waves/manifests.yaml"));
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << outcome.message << "\n" << Log();

  // PreSync hook, then wave 0 (ReplicaSet before Service by kind), then waves 1, 2, 3.
  int64_t presync = recorder.First("upgrade-sql-schema", [](const kube::Object&) { return true; });
  int64_t backend_rs = recorder.Created("backend");
  int64_t backend_ready = recorder.First("backend", Ready);
  int64_t page_up = recorder.Created("maint-page-up");
  int64_t frontend = recorder.Created("frontend");
  int64_t frontend_ready = recorder.First("frontend", Ready);
  int64_t page_down = recorder.Created("maint-page-down");
  ASSERT_GT(presync, 0);
  EXPECT_LT(presync, backend_rs);
  EXPECT_LT(backend_rs, backend_ready);
  EXPECT_LT(backend_ready, page_up) << "wave 1 started before wave 0 was healthy";
  int64_t page_up_done = recorder.First("maint-page-up", [](const kube::Object& job) {
    return job.json().contains("status") && job.json()["status"].contains("completionTime");
  });
  EXPECT_LT(page_up_done, frontend) << "wave 2 started before the wave 1 hook completed";
  EXPECT_LT(frontend_ready, page_down);

  std::optional<kube::Object> backend = Get(kReplicaSet, "backend");
  ASSERT_TRUE(backend);
  EXPECT_EQ(backend->Label(kManagedByLabel), "converge");
  EXPECT_EQ(backend->Annotation(kTrackingAnnotation),
            "argocd_sync-waves:apps/ReplicaSet:" + ns_ + "/backend");
  const ResourceResult* hook = Find(outcome, "Job", "upgrade-sql-schema");
  ASSERT_NE(hook, nullptr);
  EXPECT_EQ(hook->phase, Phase::kPreSync);
  EXPECT_EQ(hook->hook_phase, OperationPhase::kSucceeded);
  EXPECT_TRUE(hook->key.name.starts_with("upgrade-sql-schemapresync-")) << hook->key.name;

  // A second sync re-creates the BeforeHookCreation hooks (a new uid) and changes nothing else.
  std::string old_uid(kube::StringAt(Get(kJob, "maint-page-up")->json(), {"metadata", "uid"}));
  outcome = Sync("sync-waves", CorpusObjects("sync-waves/manifests.yaml"));
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << outcome.message << "\n" << Log();
  EXPECT_NE(kube::StringAt(Get(kJob, "maint-page-up")->json(), {"metadata", "uid"}), old_uid);
}

TEST_F(ExecuteTest, PrePostSyncHooksRunInTheirPhasesAndAreDeletedOnSuccess) {
  ProcessResult rendered =
      converge::testing::Run({(converge::testing::OracleDir() / "kubectl").string(), "kustomize",
                              (CorpusDir() / "gitops/argocd-example-apps/pre-post-sync").string()});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  ASSERT_EQ(server_->Kubectl({"create", "namespace", ns_}).exit_code, 0);
  Recorder recorder(*client_, ns_, {kJob, kDeployment});
  Outcome outcome = Sync("pre-post-sync", Objects(rendered.out));
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << outcome.message << "\n" << Log();

  int64_t before_done = recorder.First("pre-post-sync-before", [](const kube::Object& job) {
    return job.json().contains("status") && job.json()["status"].contains("completionTime");
  });
  int64_t deployment = recorder.Created("pre-post-sync-kustomize-guestbook-ui");
  int64_t available = recorder.First("pre-post-sync-kustomize-guestbook-ui", Ready);
  int64_t after = recorder.Created("pre-post-sync-after");
  ASSERT_GT(before_done, 0);
  EXPECT_LT(before_done, deployment);
  EXPECT_LT(available, after);
  // HookSucceeded: both Jobs are gone.
  EXPECT_FALSE(Get(kJob, "pre-post-sync-before"));
  EXPECT_FALSE(Get(kJob, "pre-post-sync-after"));
  EXPECT_EQ(Find(outcome, "Job", "pre-post-sync-after")->phase, Phase::kPostSync);
  EXPECT_EQ(Find(outcome, "Job", "pre-post-sync-after")->hook_phase, OperationPhase::kSucceeded);
}

// helm-hooks' manifests as the templates of a chart, rendered by our Helm renderer (hooks and
// all, as `helm template` prints them), then synced.
std::vector<kube::Object> RenderedByHelm(const std::string& relative) {
  testing::TempDir chart;
  chart.Write("Chart.yaml", "apiVersion: v2\nname: helm-hooks\nversion: 0.1.0\n");
  chart.Write("templates/manifests.yaml",
              ReadFile(CorpusDir() / "gitops/argocd-example-apps" / relative));
  Result<std::unique_ptr<sources::tree::FileTree>> tree =
      sources::tree::OpenDirectory(chart.path());
  EXPECT_TRUE(tree.ok());
  Result<sources::helm::Chart> loaded = sources::helm::LoadChart(**tree, "");
  EXPECT_TRUE(loaded.ok()) << loaded.status().message();
  sources::helm::Options options{.release_name = "helm-hooks"};
  Result<sources::helm::Release> release = sources::helm::Render(*loaded, options);
  EXPECT_TRUE(release.ok()) << release.status().message();
  Result<std::string> text = sources::helm::FormatTemplate(*release, options);
  EXPECT_TRUE(text.ok());
  return Objects(*text);
}

TEST_F(ExecuteTest, HelmHooksMapToPhasesAndWeights) {
  Outcome outcome = Sync("helm-hooks", RenderedByHelm("helm-hooks/manifests.yaml"));
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << outcome.message << "\n" << Log();
  std::vector<std::string> order;
  for (const ResourceResult& result : outcome.resources) {
    order.push_back(std::string(PhaseName(result.phase)) + "/" + std::to_string(result.wave) + " " +
                    result.key.kind + " " +
                    (result.key.name.starts_with("upgrade-sql-schema") ? "upgrade-sql-schema"
                                                                       : result.key.name));
  }
  EXPECT_EQ(order, (std::vector<std::string>{
                       "PreSync/-2 Namespace " + ns_,
                       "PreSync/-2 Job upgrade-sql-schema",
                       "PreSync/-1 Job maint-page-up",
                       "Sync/0 ReplicaSet frontend",
                       "Sync/2 Service frontend",
                       "PostSync/0 Job maint-page-down",
                   }))
      << Log();
}

TEST_F(ExecuteTest, DegradedWaveFailsLaterWavesUntouchedSyncFailHooksRun) {
  Outcome outcome = Sync("failing", Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: first}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
  annotations: {argocd.argoproj.io/sync-wave: "1", converge.dev/simulate: fail}
spec:
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec: {containers: [{name: main, image: nginx}]}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: later
  annotations: {argocd.argoproj.io/sync-wave: "2"}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: on-failure
  annotations: {argocd.argoproj.io/hook: SyncFail}
spec:
  template:
    spec:
      containers: [{name: main, image: alpine}]
      restartPolicy: Never
)"));
  EXPECT_EQ(outcome.phase, OperationPhase::kFailed) << Log();
  EXPECT_EQ(outcome.message, "one or more tasks failed in Sync wave 1");
  const ResourceResult* broken = Find(outcome, "Deployment", "broken");
  EXPECT_EQ(broken->status, ResultStatus::kSyncFailed);
  EXPECT_TRUE(broken->message.starts_with("Deployment/" + ns_ + "/broken: Degraded:"))
      << broken->message;
  EXPECT_FALSE(Get(kConfigMap, "later"));
  EXPECT_TRUE(Get(kConfigMap, "first"));
  EXPECT_TRUE(Get(kJob, "on-failure"));
  EXPECT_EQ(Find(outcome, "Job", "on-failure")->hook_phase, OperationPhase::kSucceeded);
}

// Argo CD: each wave waits for health before the next, but the final wave succeeds once
// applied; the Application, not the sync, then reports the Deployment's Degraded health.
TEST_F(ExecuteTest, TheLastWaveSucceedsOnceAppliedWithoutWaitingForHealth) {
  Outcome outcome = Sync("last-wave", Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: config}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: never-healthy
  annotations: {argocd.argoproj.io/sync-wave: "1", converge.dev/simulate: hang}
spec:
  selector: {matchLabels: {app: never-healthy}}
  template:
    metadata: {labels: {app: never-healthy}}
    spec: {containers: [{name: main, image: nginx}]}
)"));
  EXPECT_EQ(outcome.phase, OperationPhase::kSucceeded) << Log();
  EXPECT_EQ(Find(outcome, "Deployment", "never-healthy")->status, ResultStatus::kSynced);
}

TEST_F(ExecuteTest, DryRunFailureAbortsBeforeAnyWrite) {
  std::vector<kube::Object> good = Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
data: {key: one}
)");
  ASSERT_EQ(Sync("dry", good).phase, OperationPhase::kSucceeded) << Log();
  int64_t before = Version(*Get(kConfigMap, "a"));
  Outcome outcome = Sync("dry", Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
data: {key: two}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: b
  annotations: {argocd.argoproj.io/sync-wave: "-1"}
---
apiVersion: v1
kind: Service
metadata:
  name: broken
  annotations: {argocd.argoproj.io/sync-wave: "5"}
spec:
  ports: [{port: "not a number"}]
)"));
  EXPECT_EQ(outcome.phase, OperationPhase::kFailed);
  EXPECT_EQ(outcome.message, "one or more objects failed to apply (dry run)");
  const ResourceResult* broken = Find(outcome, "Service", "broken");
  EXPECT_EQ(broken->status, ResultStatus::kSyncFailed);
  EXPECT_TRUE(broken->message.starts_with("Service/" + ns_ + "/broken: dry run: "))
      << broken->message;
  EXPECT_EQ(Version(*Get(kConfigMap, "a")), before);
  EXPECT_FALSE(Get(kConfigMap, "b"));
  EXPECT_FALSE(Get(kService, "broken"));

  // The dry-run mode reports the plan and writes nothing either.
  outcome = Sync("dry", Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"),
                 {.prune = true, .dry_run = true});
  EXPECT_EQ(outcome.phase, OperationPhase::kSucceeded) << Log();
  EXPECT_EQ(Find(outcome, "ConfigMap", "a")->status, ResultStatus::kPruned);
  EXPECT_FALSE(Get(kConfigMap, "c"));
  EXPECT_TRUE(Get(kConfigMap, "a"));
}

TEST_F(ExecuteTest, PruneRemovesOnlyOwnObjectsThatLeftTheDesiredSet) {
  ASSERT_EQ(Sync("one", Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: keep}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: gone}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: pinned
  annotations: {argocd.argoproj.io/sync-options: Prune=false}
)"))
                .phase,
            OperationPhase::kSucceeded)
      << Log();
  ASSERT_EQ(
      Sync("two", Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n")).phase,
      OperationPhase::kSucceeded)
      << Log();
  std::vector<kube::Object> keep =
      Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n");

  // Without --prune nothing goes: PruneSkipped.
  Outcome outcome = Sync("one", keep);
  EXPECT_EQ(outcome.phase, OperationPhase::kSucceeded);
  EXPECT_EQ(Find(outcome, "ConfigMap", "gone")->status, ResultStatus::kPruneSkipped);
  EXPECT_TRUE(Get(kConfigMap, "gone"));

  outcome = Sync("one", keep, {.prune = true});
  EXPECT_EQ(outcome.phase, OperationPhase::kSucceeded) << Log();
  EXPECT_EQ(Find(outcome, "ConfigMap", "gone")->status, ResultStatus::kPruned);
  EXPECT_EQ(Find(outcome, "ConfigMap", "pinned")->status, ResultStatus::kPruneSkipped);
  EXPECT_FALSE(Get(kConfigMap, "gone"));
  EXPECT_TRUE(Get(kConfigMap, "pinned"));
  EXPECT_TRUE(Get(kConfigMap, "keep"));
  EXPECT_TRUE(Get(kConfigMap, "other"));

  // An empty desired set would prune everything: refused without allowEmpty.
  outcome = Sync("one", {}, {.prune = true}, false);
  EXPECT_TRUE(Get(kConfigMap, "keep"));

  // A plan that still names an object another Application took over since: not pruned.
  std::optional<kube::Object> other = Get(kConfigMap, "other");
  other->SetAnnotation(kTrackingAnnotation, "argocd_one:/ConfigMap:" + ns_ + "/other");
  Result<Plan> plan = MakePlan(
      {.app_id = "argocd_one", .destination_namespace = ns_, .desired = keep, .live = {*other}},
      {.prune = true, .allow_empty = true});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  outcome = Execute(*plan, *client_, {.app_id = "argocd_one", .sync = {.prune = true}});
  EXPECT_EQ(outcome.phase, OperationPhase::kFailed);
  EXPECT_TRUE(Find(outcome, "ConfigMap", "other")->message.find("tracked by argocd_two") !=
              std::string::npos)
      << Find(outcome, "ConfigMap", "other")->message;
  EXPECT_TRUE(Get(kConfigMap, "other"));
}

TEST_F(ExecuteTest, ObjectsOfAnotherApplicationAreNeverTouched) {
  ASSERT_EQ(Sync("owner", Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: shared}
data: {from: owner}
)"))
                .phase,
            OperationPhase::kSucceeded)
      << Log();
  std::vector<kube::Object> thief = Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: shared}
data: {from: thief}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: mine}
)");
  Outcome outcome = Sync("thief", thief);
  EXPECT_EQ(outcome.phase, OperationPhase::kFailed) << Log();
  const ResourceResult* shared = Find(outcome, "ConfigMap", "shared");
  EXPECT_EQ(shared->status, ResultStatus::kSyncFailed);
  EXPECT_TRUE(shared->message.find("SharedResource") != std::string::npos) << shared->message;
  EXPECT_EQ(Get(kConfigMap, "shared")->json()["data"]["from"], "owner");
  EXPECT_FALSE(Get(kConfigMap, "mine")) << "a sync with a shared resource writes nothing";

  outcome = Sync("thief", thief, {.fail_on_shared_resource = true}, false);
  EXPECT_TRUE(outcome.message.starts_with("SharedResource: ConfigMap/" + ns_ + "/shared"))
      << outcome.message;
}

TEST_F(ExecuteTest, CrdAndItsCustomResourcesInOneSync) {
  Outcome outcome = Sync("crd", Objects(R"(
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: 3}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
)"));
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << outcome.message << "\n" << Log();
  kube::ApiResult<kube::Object> widget = client_->Get({"example.com", "v1", "Widget"}, ns_, "w1");
  ASSERT_TRUE(widget.ok()) << widget.error().message;
  EXPECT_EQ(widget->json()["spec"]["size"], 3);
}

std::vector<kube::Object> Selected(const std::string& label, const std::string& ip) {
  return Objects(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: )" +
                 label + R"(}}
  template:
    metadata: {labels: {app: )" +
                 label + R"(}}
    spec: {containers: [{name: main, image: nginx}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: )" + ip +
                 R"(
  ports: [{port: 80}]
)");
}

TEST_F(ExecuteTest, ImmutableFieldChangesFailClearlyAndForceOrReplaceRecreate) {
  ASSERT_EQ(Sync("immutable", Selected("a", "10.96.200.1")).phase, OperationPhase::kSucceeded)
      << Log();
  std::string uid(kube::StringAt(Get(kDeployment, "web")->json(), {"metadata", "uid"}));
  int64_t version = Version(*Get(kDeployment, "web"));

  Outcome outcome = Sync("immutable", Selected("b", "10.96.200.1"));
  EXPECT_EQ(outcome.phase, OperationPhase::kFailed);
  const ResourceResult* web = Find(outcome, "Deployment", "web");
  EXPECT_TRUE(web->message.starts_with("Deployment/" + ns_ + "/web: dry run: "));
  EXPECT_TRUE(web->message.find("spec.selector") != std::string::npos) << web->message;
  EXPECT_TRUE(web->message.find("field is immutable") != std::string::npos) << web->message;
  EXPECT_TRUE(web->message.find("Force=true or Replace=true") != std::string::npos) << web->message;
  EXPECT_EQ(Version(*Get(kDeployment, "web")), version);

  outcome = Sync("immutable", Selected("b", "10.96.200.1"), {.force = true});
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << Log();
  EXPECT_EQ(Find(outcome, "Deployment", "web")->message,
            "Deployment/" + ns_ + "/web: recreated (immutable fields changed)");
  std::optional<kube::Object> recreated = Get(kDeployment, "web");
  EXPECT_NE(kube::StringAt(recreated->json(), {"metadata", "uid"}), uid);
  EXPECT_EQ(recreated->json()["spec"]["selector"]["matchLabels"]["app"], "b");

  outcome = Sync("immutable", Selected("b", "10.96.200.2"));
  EXPECT_EQ(outcome.phase, OperationPhase::kFailed);
  EXPECT_TRUE(Find(outcome, "Service", "web")->message.find("may not change once set") !=
              std::string::npos)
      << Find(outcome, "Service", "web")->message;
  outcome = Sync("immutable", Selected("b", "10.96.200.2"), {.replace = true});
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << Log();
  EXPECT_EQ(Get(kService, "web")->json()["spec"]["clusterIP"], "10.96.200.2");
}

TEST_F(ExecuteTest, ApplyOutOfSyncOnlySkipsWhatTheDryRunLeavesUnchanged) {
  std::vector<kube::Object> objects = Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: same}
data: {key: one}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: changing}
data: {key: one}
)");
  ASSERT_EQ(Sync("oos", objects).phase, OperationPhase::kSucceeded) << Log();
  objects[1].mutable_json()["data"]["key"] = "two";
  Outcome outcome = Sync("oos", objects, {.apply_out_of_sync_only = true});
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << Log();
  EXPECT_EQ(Find(outcome, "ConfigMap", "same")->message, "ConfigMap/" + ns_ + "/same: unchanged");
  EXPECT_EQ(Find(outcome, "ConfigMap", "changing")->message,
            "ConfigMap/" + ns_ + "/changing: configured");
  EXPECT_EQ(Get(kConfigMap, "changing")->json()["data"]["key"], "two");
}

TEST_F(ExecuteTest, CancellationEndsTheWaitAsTerminated) {
  std::vector<kube::Object> desired = Objects(R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: stuck
  annotations: {converge.dev/simulate: hang}
spec:
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}}
    spec: {containers: [{name: main, image: nginx}]}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: after
  annotations: {argocd.argoproj.io/sync-wave: "1"}
)");
  for (kube::Object& object : desired) object.SetNamespace("default");
  std::stop_source stop;
  Result<Plan> plan = MakePlan({.app_id = "argocd_stuck", .desired = desired}, {});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  // Cancelled as soon as the Deployment is written, while its wave waits for it.
  Outcome outcome = Execute(*plan, *client_,
                            {.app_id = "argocd_stuck",
                             .timeout = std::chrono::seconds(0),
                             .progress = [&](const ResourceResult&) { stop.request_stop(); }},
                            stop.get_token());
  EXPECT_EQ(outcome.phase, OperationPhase::kFailed);
  EXPECT_EQ(outcome.message, "terminated");
  EXPECT_TRUE(Find(outcome, "Deployment", "stuck")
                  ->message.starts_with("Deployment/default/stuck: terminated waiting"))
      << Find(outcome, "Deployment", "stuck")->message;
  kube::ApiResult<kube::Object> after = client_->Get(kConfigMap, "default", "after");
  EXPECT_EQ(after.reason(), kube::Reason::kNotFound);
}

std::string_view PodPhase(const kube::Object& pod) {
  return kube::StringAt(pod.json(), {"status", "phase"});
}

TEST_F(ExecuteTest, PodHooksRunToCompletionBeforeTheNextPhase) {
  ASSERT_EQ(server_->Kubectl({"create", "namespace", ns_}).exit_code, 0);
  Recorder recorder(*client_, ns_, {kPod, kConfigMap});
  Outcome outcome = Sync("pod-hooks", Objects(R"(
apiVersion: v1
kind: Pod
metadata:
  name: migrate
  annotations:
    argocd.argoproj.io/hook: PreSync
    argocd.argoproj.io/hook-delete-policy: HookSucceeded
spec:
  restartPolicy: Never
  containers: [{name: main, image: alpine}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
)"));
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << outcome.message << "\n" << Log();
  // The last wave is not awaited: its watch event may still be on its way.
  ASSERT_TRUE(testing::Eventually([&] { return recorder.Created("settings") > 0; },
                                  std::chrono::milliseconds(50)));
  int64_t succeeded = recorder.First(
      "migrate", [](const kube::Object& pod) { return PodPhase(pod) == "Succeeded"; });
  int64_t settings = recorder.Created("settings");
  ASSERT_GT(succeeded, 0) << "the hook Pod never completed";
  EXPECT_LT(succeeded, settings) << "the Sync phase started before the PreSync Pod completed";
  const ResourceResult* hook = Find(outcome, "Pod", "migrate");
  ASSERT_NE(hook, nullptr);
  EXPECT_EQ(hook->phase, Phase::kPreSync);
  EXPECT_EQ(hook->hook_phase, OperationPhase::kSucceeded);
  EXPECT_FALSE(Get(kPod, "migrate")) << "HookSucceeded: the Pod is deleted";
}

TEST_F(ExecuteTest, AFailingPodHookFailsTheSyncAndRunsSyncFailHooks) {
  Outcome outcome = Sync("failing-pod-hook", Objects(R"(
apiVersion: v1
kind: Pod
metadata:
  name: migrate
  annotations:
    argocd.argoproj.io/hook: PreSync
    argocd.argoproj.io/hook-delete-policy: HookFailed
    converge.dev/simulate: fail
spec:
  restartPolicy: Never
  containers: [{name: main, image: alpine}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: v1
kind: Pod
metadata:
  name: report
  annotations:
    argocd.argoproj.io/hook: SyncFail
    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
spec:
  restartPolicy: OnFailure
  containers: [{name: main, image: alpine}]
)"));
  EXPECT_EQ(outcome.phase, OperationPhase::kFailed) << Log();
  EXPECT_EQ(outcome.message, "one or more tasks failed in PreSync wave 0");
  const ResourceResult* migrate = Find(outcome, "Pod", "migrate");
  ASSERT_NE(migrate, nullptr);
  EXPECT_EQ(migrate->status, ResultStatus::kSyncFailed);
  EXPECT_EQ(migrate->hook_phase, OperationPhase::kFailed);
  EXPECT_EQ(migrate->message, "Pod/" + ns_ + "/migrate: hook pod failed");
  EXPECT_FALSE(Get(kPod, "migrate")) << "HookFailed: the failed Pod is deleted";
  EXPECT_FALSE(Get(kConfigMap, "settings")) << "the Sync phase must not run";
  const ResourceResult* report = Find(outcome, "Pod", "report");
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->phase, Phase::kSyncFail);
  EXPECT_EQ(report->hook_phase, OperationPhase::kSucceeded);
  std::optional<kube::Object> ran = Get(kPod, "report");
  ASSERT_TRUE(ran) << "BeforeHookCreation: the SyncFail Pod stays until the next sync";
  EXPECT_EQ(PodPhase(*ran), "Succeeded");
}

TEST_F(ExecuteTest, RespectIgnoreDifferencesKeepsIgnoredLiveValues) {
  ASSERT_EQ(server_->Kubectl({"create", "namespace", ns_}).exit_code, 0);
  std::vector<kube::Object> desired = Objects(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.26"}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: production, token: from-git}
)");
  ASSERT_EQ(Sync("ignore", desired).phase, OperationPhase::kSucceeded) << Log();
  // An autoscaler and an operator change fields the Application ignores.
  ASSERT_EQ(server_
                ->Kubectl({"patch", "deployment", "web", "-n", ns_, "--field-manager", "hpa", "-p",
                           R"({"spec":{"replicas":5}})"})
                .exit_code,
            0);
  ASSERT_EQ(server_
                ->Kubectl({"patch", "configmap", "settings", "-n", ns_, "-p",
                           R"({"data":{"token":"rotated"}})"})
                .exit_code,
            0);
  Result<diff::Differ> differ = diff::Differ::Create(
      {.ignore_differences = {
           {.group = "apps", .kind = "Deployment", .managed_fields_managers = {"hpa"}},
           {.kind = "ConfigMap", .jq_path_expressions = {".data.token", ".data.fresh"}}}});
  ASSERT_TRUE(differ.ok()) << differ.status().message();
  ignore_ = &*differ;
  desired[0].mutable_json()["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27";
  desired[1].mutable_json()["data"]["mode"] = "staging";
  desired.push_back(Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: fresh}
data: {fresh: from-git}
)")[0]);

  // With the option: ignored fields keep their live values, the rest is applied; an object
  // that did not exist is created as desired.
  ASSERT_EQ(Sync("ignore", desired, {.respect_ignore_differences = true}).phase,
            OperationPhase::kSucceeded)
      << Log();
  std::optional<kube::Object> web = Get(kDeployment, "web");
  std::optional<kube::Object> settings = Get(kConfigMap, "settings");
  ASSERT_TRUE(web && settings);
  EXPECT_EQ(web->json()["spec"]["replicas"], 5);
  EXPECT_EQ(web->json()["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.27");
  EXPECT_EQ(settings->json()["data"], json({{"mode", "staging"}, {"token", "rotated"}}));
  EXPECT_EQ(Get(kConfigMap, "fresh")->json()["data"]["fresh"], "from-git");

  // Without it the source's values are applied, as Argo CD does.
  ASSERT_EQ(Sync("ignore", desired).phase, OperationPhase::kSucceeded) << Log();
  EXPECT_EQ(Get(kDeployment, "web")->json()["spec"]["replicas"], 2);
  EXPECT_EQ(Get(kConfigMap, "settings")->json()["data"]["token"], "from-git");
}

TEST_F(ExecuteTest, PruneConfirmWaitsForTheApprovalBeforeWritingAnything) {
  std::vector<kube::Object> desired = Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata:
  name: guarded
  annotations: {argocd.argoproj.io/sync-options: Prune=confirm}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: plain}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kept}
data: {version: one}
)");
  ASSERT_EQ(Sync("confirm", desired).phase, OperationPhase::kSucceeded) << Log();
  std::vector<kube::Object> next = {desired[2]};
  next[0].mutable_json()["data"]["version"] = "two";

  // Nothing can approve: the sync fails and writes nothing, not even the other changes.
  Outcome refused = Sync("confirm", next, {.prune = true});
  EXPECT_EQ(refused.phase, OperationPhase::kFailed);
  EXPECT_EQ(refused.message, "waiting for pruning confirmation of ConfigMap/" + ns_ +
                                 "/guarded: nothing can approve it here");
  EXPECT_TRUE(Get(kConfigMap, "guarded") && Get(kConfigMap, "plain"));
  EXPECT_EQ(Get(kConfigMap, "kept")->json()["data"]["version"], "one");

  // Approved on the second look: the sync goes on as usual.
  int asked = 0;
  std::chrono::system_clock::time_point started;
  prune_approved_ = [&](std::chrono::system_clock::time_point since) {
    started = since;
    return ++asked == 2;
  };
  Outcome approved = Sync("confirm", next, {.prune = true});
  ASSERT_EQ(approved.phase, OperationPhase::kSucceeded) << approved.message << "\n" << Log();
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(started, approved.started_at);
  EXPECT_FALSE(Get(kConfigMap, "guarded"));
  EXPECT_FALSE(Get(kConfigMap, "plain"));
  EXPECT_EQ(Get(kConfigMap, "kept")->json()["data"]["version"], "two");
}

// Sleeps for real except the wave delay, which it records with what happened before it.
class PauseRecordingClock : public Clock {
 public:
  explicit PauseRecordingClock(std::chrono::milliseconds delay) : delay_(delay) {}
  std::chrono::system_clock::time_point Now() override { return SystemClock().Now(); }
  bool Sleep(std::chrono::milliseconds duration, std::stop_token stop) override {
    if (duration != delay_) return SystemClock().Sleep(duration, stop);
    Note("pause");
    return true;
  }
  void Note(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::chrono::milliseconds delay_;
  std::mutex mutex_;
  std::vector<std::string> events_;  // guarded by mutex_
};

TEST_F(ExecuteTest, WavesArePausedBetweenButNotAfterTheLast) {
  // An hour: a real sleep of it would time the test out.
  PauseRecordingClock clock(std::chrono::hours(1));
  clock_ = &clock;
  wave_delay_ = std::chrono::hours(1);
  std::set<std::string> written;
  progress_ = [&](const ResourceResult& result) {
    if (result.key.kind == "ConfigMap" && result.status == ResultStatus::kSynced &&
        written.insert(result.key.name).second) {
      clock.Note(result.key.name);
    }
  };
  Outcome outcome = Sync("paused", Objects(R"(
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
  annotations: {argocd.argoproj.io/sync-wave: "-1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: second}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: third
  annotations: {argocd.argoproj.io/sync-wave: "1"}
)"));
  ASSERT_EQ(outcome.phase, OperationPhase::kSucceeded) << outcome.message << "\n" << Log();
  // The namespace CreateNamespace makes joins the first wave.
  EXPECT_EQ(clock.events(),
            (std::vector<std::string>{"first", "pause", "second", "pause", "third"}));
}

TEST(ExecuteUnreachableTest, AClusterThatCannotBeReachedIsAnError) {
  Result<std::unique_ptr<kube::Client>> client = kube::Client::Create(
      {.server = "https://127.0.0.1:1", .insecure_skip_tls_verify = true}, {.max_retries = 0});
  ASSERT_TRUE(client.ok()) << client.status().message();
  Result<Plan> plan =
      MakePlan({.app_id = "a_b",
                .destination_namespace = "default",
                .desired = Objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")},
               {});
  ASSERT_TRUE(plan.ok());
  Outcome outcome = Execute(*plan, **client, {.app_id = "a_b"});
  EXPECT_EQ(outcome.phase, OperationPhase::kError) << outcome.message;
  ASSERT_EQ(outcome.resources.size(), 1u);
  EXPECT_TRUE(outcome.resources[0].message.starts_with("ConfigMap/default/c: read: "))
      << outcome.resources[0].message;
}

// Time that passes only when slept on.
class FakeClock : public Clock {
 public:
  std::chrono::system_clock::time_point Now() override { return now_; }
  bool Sleep(std::chrono::milliseconds duration, std::stop_token) override {
    now_ += duration;
    return true;
  }

 private:
  std::chrono::system_clock::time_point now_{std::chrono::seconds(1'800'000'000)};
};

TEST(RetryTest, FailsThreeTimesThenSucceedsWithArgoBackoff) {
  FakeClock clock;
  int calls = 0;
  OperationState state = RunWithRetry({.limit = 5}, clock, {}, [&] {
    Outcome outcome{.started_at = clock.Now()};
    clock.Sleep(std::chrono::seconds(1), {});  // the attempt itself takes a second
    outcome.finished_at = clock.Now();
    outcome.phase = ++calls <= 3 ? OperationPhase::kFailed : OperationPhase::kSucceeded;
    return outcome;
  });
  EXPECT_EQ(state.outcome.phase, OperationPhase::kSucceeded);
  EXPECT_EQ(state.retry_count, 3);
  ASSERT_EQ(state.attempts.size(), 4u);
  // 5s × 2^n: 5, 10, 20 seconds after each failure.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(state.attempts[i].next_retry_at);
    EXPECT_EQ(*state.attempts[i].next_retry_at - state.attempts[i].finished_at,
              std::chrono::seconds(5 << i));
    EXPECT_EQ(state.attempts[i + 1].started_at, *state.attempts[i].next_retry_at);
  }
  EXPECT_FALSE(state.attempts[3].next_retry_at);
}

TEST(RetryTest, StopsAtTheLimit) {
  FakeClock clock;
  OperationState state = RunWithRetry({.limit = 2}, clock, {}, [&] {
    return Outcome{
        .phase = OperationPhase::kFailed, .started_at = clock.Now(), .finished_at = clock.Now()};
  });
  EXPECT_EQ(state.attempts.size(), 3u);
  EXPECT_EQ(state.retry_count, 2);
  EXPECT_FALSE(state.attempts.back().next_retry_at);
}

}  // namespace
}  // namespace converge::sync
