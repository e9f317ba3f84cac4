// kubectl apply (client-side and --server-side), kubectl diff, cascading deletion and
// kubectl wait against the embedded API server, with the real kubectl 1.35 as the client.
// Expected results are what a real cluster does (shared/reference/kubernetes-api.md
// sections 5-8), including its known quirk of reporting "configured" for non-canonical
// quantities (kubernetes/kubernetes#116135).

#include <gtest/gtest.h>

#include "kube/kube.h"
#include "tests/support/support.h"

namespace converge {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::ProcessResult;

json Get(const ApiServer& server, const std::string& what) {
  ProcessResult run = server.Kubectl({"get", what, "-o", "json", "--show-managed-fields"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  json object = json::parse(run.out, nullptr, false);
  return object.is_discarded() ? json() : object;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "missing: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string PodinfoManifests(const ApiServer& server) {
  ProcessResult kustomize =
      server.Kubectl({"kustomize", (testing::CorpusDir() / "gitops/podinfo/kustomize").string()});
  EXPECT_EQ(kustomize.exit_code, 0) << kustomize.err;
  return kustomize.out;
}

TEST(ApplyTest, ClientSideApplyOfPodinfoRemovesWhatTheManifestDrops) {
  ApiServer server({"--no-simulate"});
  std::string first = Replace(PodinfoManifests(server), "kind: Deployment\nmetadata:\n",
                              "kind: Deployment\nmetadata:\n  labels:\n    tier: web\n");
  ProcessResult created = server.Kubectl({"apply", "-f", server.File("v1.yaml", first).string()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("deployment.apps/podinfo created"), std::string::npos);

  std::string second = Replace(first, "  labels:\n    tier: web\n", "");
  second = Replace(
      second, "        env:\n        - name: PODINFO_UI_COLOR\n          value: '#34577c'\n", "");
  second = Replace(
      second, "        - containerPort: 9999\n          name: grpc\n          protocol: TCP\n", "");
  ProcessResult configured =
      server.Kubectl({"apply", "-f", server.File("v2.yaml", second).string()});
  ASSERT_EQ(configured.exit_code, 0) << configured.err;
  EXPECT_NE(configured.out.find("deployment.apps/podinfo configured"), std::string::npos);

  json deployment = Get(server, "deployment/podinfo");
  const json& container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_FALSE(container.contains("env")) << "the removed env var is gone";
  EXPECT_EQ(container["ports"].size(), 2u) << "the removed port is gone";
  EXPECT_FALSE(deployment["metadata"].value("labels", json::object()).contains("tier"));
  // Server defaults stay, as on a real cluster.
  EXPECT_EQ(deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
  EXPECT_EQ(container["terminationMessagePath"], "/dev/termination-log");
  EXPECT_EQ(container["livenessProbe"]["periodSeconds"], 10);
  EXPECT_EQ(container["resources"]["limits"]["cpu"], "2") << "2000m is stored canonically";

  std::string version = deployment["metadata"]["resourceVersion"];
  ProcessResult again = server.Kubectl({"apply", "-f", server.File("v2.yaml", second).string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  // podinfo asks for cpu: 2000m, which the server keeps as "2"; kubectl then sends a patch each
  // time and prints "configured", as against a real cluster, but nothing is written.
  EXPECT_EQ(Get(server, "deployment/podinfo")["metadata"]["resourceVersion"], version);
  EXPECT_NE(again.out.find("service/podinfo unchanged"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("horizontalpodautoscaler.autoscaling/podinfo unchanged"),
            std::string::npos);

  std::string canonical = Replace(second, "cpu: 2000m", "cpu: \"2\"");
  ASSERT_EQ(server.Kubectl({"apply", "-f", server.File("v3.yaml", canonical).string()}).exit_code,
            0);
  ProcessResult unchanged =
      server.Kubectl({"apply", "-f", server.File("v3.yaml", canonical).string()});
  EXPECT_NE(unchanged.out.find("deployment.apps/podinfo unchanged"), std::string::npos)
      << unchanged.out;
}

const char* kSsaDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: shared
spec:
  replicas: REPLICAS
  selector:
    matchLabels: {app: shared}
  template:
    metadata:
      labels: {app: shared}
    spec:
      containers:
      - name: c
        image: nginx:1.27
)";

std::string SsaManifest(int replicas) {
  return Replace(kSsaDeployment, "REPLICAS", std::to_string(replicas));
}

TEST(ApplyTest, ServerSideApplyConflictsAndForce) {
  ApiServer server({"--no-simulate"});
  std::string alice = server.File("alice.yaml", SsaManifest(2)).string();
  std::string bob = server.File("bob.yaml", SsaManifest(5)).string();
  ProcessResult first =
      server.Kubectl({"apply", "--server-side", "--field-manager=alice", "-f", alice});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("serverside-applied"), std::string::npos);

  ProcessResult conflict =
      server.Kubectl({"apply", "--server-side", "--field-manager=bob", "-f", bob});
  EXPECT_NE(conflict.exit_code, 0);
  EXPECT_NE(
      conflict.err.find("Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas"),
      std::string::npos)
      << conflict.err;

  ProcessResult forced = server.Kubectl(
      {"apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-f", bob});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  json deployment = Get(server, "deployment/shared");
  EXPECT_EQ(deployment["spec"]["replicas"], 5);
  std::map<std::string, json> fields;
  for (const json& entry : deployment["metadata"]["managedFields"]) {
    EXPECT_EQ(entry["operation"], "Apply");
    EXPECT_EQ(entry["fieldsType"], "FieldsV1");
    fields[entry["manager"]] = entry["fieldsV1"];
  }
  ASSERT_EQ(fields.size(), 2u) << deployment["metadata"]["managedFields"].dump();
  EXPECT_TRUE(fields["bob"]["f:spec"].contains("f:replicas"));
  EXPECT_FALSE(fields["alice"]["f:spec"].contains("f:replicas")) << "force moved ownership";
  EXPECT_TRUE(fields["alice"]["f:spec"]["f:template"]["f:spec"]["f:containers"].contains(
      "k:{\"name\":\"c\"}"))
      << "fields applied with the same value stay shared";

  // A no-op apply writes nothing.
  std::string version = deployment["metadata"]["resourceVersion"];
  ASSERT_EQ(server.Kubectl({"apply", "--server-side", "--field-manager=bob", "-f", bob}).exit_code,
            0);
  EXPECT_EQ(Get(server, "deployment/shared")["metadata"]["resourceVersion"], version);

  // An Update manager's field conflicts too, named with its API version.
  ASSERT_EQ(server
                .Kubectl({"patch", "deployment", "shared", "--type=merge", "--field-manager=carol",
                          "-p", R"({"spec":{"minReadySeconds":7}})"})
                .exit_code,
            0);
  std::string with_ready =
      Replace(SsaManifest(5), "  replicas: 5\n", "  replicas: 5\n  minReadySeconds: 3\n");
  ProcessResult update_conflict =
      server.Kubectl({"apply", "--server-side", "--field-manager=bob", "-f",
                      server.File("bob2.yaml", with_ready).string()});
  EXPECT_NE(
      update_conflict.err.find("conflict with \"carol\" using apps/v1: .spec.minReadySeconds"),
      std::string::npos)
      << update_conflict.err;
}

TEST(ApplyTest, DiffReportsNothingOrTheChange) {
  ApiServer server({"--no-simulate"});
  std::string manifest = server.File("d.yaml", SsaManifest(2)).string();
  ASSERT_EQ(server.Kubectl({"apply", "-f", manifest}).exit_code, 0);
  ProcessResult same = server.Kubectl({"diff", "-f", manifest});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_EQ(same.out, "");
  ProcessResult changed =
      server.Kubectl({"diff", "-f", server.File("d3.yaml", SsaManifest(3)).string()});
  EXPECT_EQ(changed.exit_code, 1) << changed.err;
  EXPECT_NE(changed.out.find("-  replicas: 2"), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("+  replicas: 3"), std::string::npos) << changed.out;
  EXPECT_EQ(Get(server, "deployment/shared")["spec"]["replicas"], 2) << "diff changes nothing";
}

TEST(ApplyTest, DefaultsAndAllocationsLikeARealCluster) {
  ApiServer server({"--no-simulate"});
  std::string service =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n";
  ASSERT_EQ(server.Kubectl({"apply", "-f", server.File("s.yaml", service).string()}).exit_code, 0);
  json live = Get(server, "service/web");
  EXPECT_EQ(live["spec"]["type"], "ClusterIP");
  EXPECT_EQ(live["spec"]["sessionAffinity"], "None");
  EXPECT_EQ(live["spec"]["ports"][0]["protocol"], "TCP");
  EXPECT_EQ(live["spec"]["ports"][0]["targetPort"], 80);
  EXPECT_EQ(live["spec"]["clusterIP"].get<std::string>().rfind("10.96.", 0), 0u);
  std::string pod = R"(apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: nginx
    resources:
      requests: {cpu: 0.5, memory: 1024Mi}
)";
  ASSERT_EQ(server.Kubectl({"apply", "-f", server.File("p.yaml", pod).string()}).exit_code, 0);
  json live_pod = Get(server, "pod/p");
  const json& container = live_pod["spec"]["containers"][0];
  EXPECT_EQ(container["imagePullPolicy"], "Always") << "untagged images are pulled always";
  EXPECT_EQ(container["resources"]["requests"]["cpu"], "500m");
  EXPECT_EQ(container["resources"]["requests"]["memory"], "1Gi");
  EXPECT_EQ(live_pod["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(live_pod["spec"]["enableServiceLinks"], true);
}

TEST(ApplyTest, CascadingDeletion) {
  ApiServer server({"--simulate-delay-ms", "100"});
  std::string manifest = server.File("d.yaml", SsaManifest(1)).string();
  ASSERT_EQ(server.Kubectl({"apply", "-f", manifest}).exit_code, 0);
  ASSERT_EQ(server.Kubectl({"wait", "--for=condition=Available", "deploy/shared", "--timeout=60s"})
                .exit_code,
            0);
  json sets = Get(server, "replicasets");
  ASSERT_EQ(sets["items"].size(), 1u);
  std::string set_name = sets["items"][0]["metadata"]["name"];
  EXPECT_EQ(sets["items"][0]["metadata"]["ownerReferences"][0]["kind"], "Deployment");

  // Foreground: the ReplicaSet goes first, then the Deployment. Both DELETED events arrive in
  // that order on a watch of everything that happened since.
  std::string since = Get(server, "deployment/shared")["metadata"]["resourceVersion"];
  ProcessResult foreground =
      server.Kubectl({"delete", "deploy", "shared", "--cascade=foreground", "--timeout=60s"});
  ASSERT_EQ(foreground.exit_code, 0) << foreground.err;
  EXPECT_EQ(Get(server, "replicasets")["items"].size(), 0u);
  ProcessResult events = server.Kubectl(
      {"get", "--raw",
       "/apis/apps/v1/namespaces/default/replicasets?watch=true&timeoutSeconds=1&resourceVersion=" +
           since});
  ProcessResult deploy_events = server.Kubectl(
      {"get", "--raw",
       "/apis/apps/v1/namespaces/default/deployments?watch=true&timeoutSeconds=1&resourceVersion=" +
           since});
  auto deleted_at = [](const std::string& stream) -> int64_t {
    int64_t at = 0;
    size_t pos = 0;
    while (pos < stream.size()) {
      size_t end = stream.find('\n', pos);
      json event = json::parse(stream.substr(pos, end - pos), nullptr, false);
      pos = end == std::string::npos ? stream.size() : end + 1;
      if (!event.is_discarded() && event["type"] == "DELETED") {
        at = std::stoll(event["object"]["metadata"]["resourceVersion"].get<std::string>());
      }
    }
    return at;
  };
  int64_t rs_gone = deleted_at(events.out);
  int64_t deployment_gone = deleted_at(deploy_events.out);
  ASSERT_GT(rs_gone, 0) << events.out;
  ASSERT_GT(deployment_gone, 0) << deploy_events.out;
  EXPECT_LT(rs_gone, deployment_gone) << "the ReplicaSet is deleted before its Deployment";

  // Orphan: the ReplicaSet stays, without ownerReferences.
  ASSERT_EQ(server.Kubectl({"apply", "-f", manifest}).exit_code, 0);
  ASSERT_EQ(server.Kubectl({"wait", "--for=condition=Available", "deploy/shared", "--timeout=60s"})
                .exit_code,
            0);
  ProcessResult orphan =
      server.Kubectl({"delete", "deploy", "shared", "--cascade=orphan", "--timeout=60s"});
  ASSERT_EQ(orphan.exit_code, 0) << orphan.err;
  json left = Get(server, "replicasets");
  ASSERT_EQ(left["items"].size(), 1u);
  EXPECT_FALSE(left["items"][0]["metadata"].contains("ownerReferences"));
}

TEST(ApplyTest, WaitForAvailableAndASimulatedFailure) {
  ApiServer server({"--simulate-delay-ms", "100"});
  ASSERT_EQ(
      server.Kubectl({"apply", "-f", server.File("ok.yaml", SsaManifest(2)).string()}).exit_code,
      0);
  ProcessResult ready =
      server.Kubectl({"wait", "--for=condition=Available", "deploy/shared", "--timeout=60s"});
  EXPECT_EQ(ready.exit_code, 0) << ready.err;
  json status = Get(server, "deployment/shared")["status"];
  EXPECT_EQ(status["readyReplicas"], 2);
  EXPECT_EQ(status["observedGeneration"], 1);

  std::string failing =
      Replace(Replace(SsaManifest(1), "name: shared", "name: broken"), "metadata:\n  name: broken",
              "metadata:\n  name: broken\n  annotations: {converge.dev/simulate: fail}");
  ASSERT_EQ(server.Kubectl({"apply", "-f", server.File("bad.yaml", failing).string()}).exit_code,
            0);
  ProcessResult timeout =
      server.Kubectl({"wait", "--for=condition=Available", "deploy/broken", "--timeout=2s"});
  EXPECT_NE(timeout.exit_code, 0);
  EXPECT_NE(timeout.err.find("timed out"), std::string::npos) << timeout.err;
  json conditions = Get(server, "deployment/broken")["status"]["conditions"];
  bool deadline = false;
  for (const json& condition : conditions) {
    deadline = deadline || (condition["type"] == "Progressing" &&
                            condition["reason"] == "ProgressDeadlineExceeded");
  }
  EXPECT_TRUE(deadline) << conditions.dump();
}

// Simulated Pods reach Ready, and reconciling them again (conditions without a reason) keeps
// the server up.
TEST(ApplyTest, SimulatedPodsBecomeReadyAndStaySo) {
  ApiServer server({"--simulate-delay-ms", "100"});
  std::string pod = R"(apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: web, image: nginx}]
)";
  ASSERT_EQ(server.Kubectl({"apply", "-f", server.File("pod.yaml", pod).string()}).exit_code, 0);
  ProcessResult ready =
      server.Kubectl({"wait", "--for=condition=Ready", "pod/web", "--timeout=30s"});
  EXPECT_EQ(ready.exit_code, 0) << ready.err;
  ASSERT_EQ(server.Kubectl({"label", "pod", "web", "tier=front"}).exit_code, 0);
  ProcessResult again =
      server.Kubectl({"wait", "--for=condition=Ready", "pod/web", "--timeout=30s"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Get(server, "pod/web")["metadata"]["labels"]["tier"], "front");
}

// Pods that run once (restartPolicy Never or OnFailure) complete as a Job's Pods do; simulated
// to fail, they end Failed under Never and crash-loop under OnFailure, as the kubelet restarts
// them.
TEST(ApplyTest, SimulatedRunOncePodsComplete) {
  ApiServer server({"--simulate-delay-ms", "100"});
  auto pod = [](const std::string& name, const std::string& restart, const std::string& mode) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
           (mode.empty() ? "" : "\n  annotations: {converge.dev/simulate: " + mode + "}") +
           "\nspec:\n  restartPolicy: " + restart +
           "\n  containers: [{name: main, image: alpine}]\n";
  };
  std::string pods = pod("done", "Never", "") + "---\n" + pod("again", "OnFailure", "") +
                     "---\n" + pod("broken", "Never", "fail") + "---\n" +
                     pod("retrying", "OnFailure", "fail");
  ASSERT_EQ(server.Kubectl({"apply", "-f", server.File("pods.yaml", pods).string()}).exit_code, 0);
  for (const auto& [name, phase] : std::vector<std::pair<std::string, std::string>>{
           {"done", "Succeeded"}, {"again", "Succeeded"}, {"broken", "Failed"}}) {
    ProcessResult waited = server.Kubectl(
        {"wait", "--for=jsonpath={.status.phase}=" + phase, "pod/" + name, "--timeout=30s"});
    EXPECT_EQ(waited.exit_code, 0) << name << ": " << waited.err;
  }
  json done = Get(server, "pod/done")["status"];
  EXPECT_EQ(done["containerStatuses"][0]["state"]["terminated"]["exitCode"], 0);
  EXPECT_EQ(done["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  json broken = Get(server, "pod/broken")["status"];
  EXPECT_EQ(broken["containerStatuses"][0]["state"]["terminated"]["exitCode"], 1);
  ProcessResult crashing = server.Kubectl(
      {"wait",
       "--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=CrashLoopBackOff",
       "pod/retrying", "--timeout=30s"});
  EXPECT_EQ(crashing.exit_code, 0) << crashing.err;
  EXPECT_EQ(Get(server, "pod/retrying")["status"]["phase"], "Running");
}

}  // namespace
}  // namespace converge
