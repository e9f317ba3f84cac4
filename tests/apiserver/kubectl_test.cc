// The embedded API server driven by the real kubectl 1.35 (the oracle for "kubectl works"),
// over HTTPS with the kubeconfig the server writes. Expected messages are those a real cluster
// prints (shared/reference/kubernetes-api.md; k8s.io/apimachinery error formats).

#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "kube/kube.h"
#include "tests/support/support.h"

namespace converge {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::ProcessResult;

std::string ConfigMap(const std::string& name, const std::string& labels = "") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n" +
         (labels.empty() ? "" : "  labels: {" + labels + "}\n");
}

void Create(const ApiServer& server, const std::string& name, const std::string& yaml) {
  ProcessResult run = server.Kubectl({"create", "-f", server.File(name, yaml).string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

std::set<std::string> Lines(const std::string& text) {
  std::set<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) lines.insert(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

TEST(KubectlTest, GetNamespacesShowsTheBuiltInOnes) {
  ApiServer server;
  ProcessResult run = server.Kubectl({"get", "ns", "-o", "name"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::set<std::string> names = Lines(run.out);
  for (const char* ns : {"namespace/default", "namespace/kube-system", "namespace/kube-public"}) {
    EXPECT_TRUE(names.count(ns)) << run.out;
  }
  ProcessResult table = server.Kubectl({"get", "ns"});
  EXPECT_NE(table.out.find("STATUS"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Active"), std::string::npos) << table.out;
}

TEST(KubectlTest, CreatesTheGuestbookAndPrintsItAsYaml) {
  ApiServer server;
  std::string guestbook = (testing::CorpusDir() / "gitops/argocd-example-apps/guestbook").string();
  ProcessResult create = server.Kubectl({"create", "-f", guestbook});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_NE(create.out.find("deployment.apps/guestbook-ui created"), std::string::npos);
  EXPECT_NE(create.out.find("service/guestbook-ui created"), std::string::npos);

  ProcessResult yaml = server.Kubectl({"get", "deploy,svc", "-A", "-o", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(yaml.out, "kubectl output");
  ASSERT_TRUE(documents.ok()) << documents.status().message();
  const json& list = (*documents)[0].value;
  ASSERT_EQ(list["items"].size(), 2u) << yaml.out;
  std::set<std::string> seen;
  for (const json& item : list["items"]) {
    seen.insert(item["kind"].get<std::string>() + "/" +
                item["metadata"]["name"].get<std::string>());
    EXPECT_EQ(item["metadata"]["namespace"], "default");
    EXPECT_FALSE(item["metadata"]["uid"].get<std::string>().empty());
    EXPECT_FALSE(item["metadata"]["resourceVersion"].get<std::string>().empty());
  }
  EXPECT_EQ(seen, (std::set<std::string>{"Deployment/guestbook-ui", "Service/guestbook-ui"}));
  ProcessResult table = server.Kubectl({"get", "deploy"});
  EXPECT_NE(table.out.find("READY"), std::string::npos) << table.out;
  // READY is ready/desired replicas; the simulated rollout may have finished by now.
  EXPECT_TRUE(std::regex_search(table.out, std::regex("guestbook-ui +[01]/1 "))) << table.out;
}

TEST(KubectlTest, LabelSelectorsUseTheFullGrammar) {
  ApiServer server;
  Create(server, "x.yaml", ConfigMap("x", "a: x"));
  // Quoted: an unquoted y is the boolean true in YAML 1.1, which kubectl refuses as a label.
  Create(server, "y.yaml", ConfigMap("why", "a: 'y'"));
  Create(server, "yb.yaml", ConfigMap("whyb", "a: 'y', b: '1'"));
  Create(server, "z.yaml", ConfigMap("z", "a: z"));
  Create(server, "none.yaml", ConfigMap("none"));
  ProcessResult run = server.Kubectl({"get", "cm", "-l", "a in (x,y),!b", "-o", "name"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Lines(run.out), (std::set<std::string>{"configmap/x", "configmap/why"}));
  ProcessResult not_equal = server.Kubectl({"get", "cm", "-l", "a!=z", "-o", "name"});
  EXPECT_EQ(Lines(not_equal.out).count("configmap/none"), 1u) << "!= matches unlabelled objects";
  ProcessResult field =
      server.Kubectl({"get", "cm", "--field-selector", "metadata.name=z", "-o", "name"});
  EXPECT_EQ(Lines(field.out), (std::set<std::string>{"configmap/z"}));
}

TEST(KubectlTest, WatchReceivesAChangeMadeByAnotherClient) {
  ApiServer server;
  Create(server, "w.yaml", ConfigMap("watched"));
  std::unique_ptr<testing::Process> watch =
      server.KubectlInBackground({"get", "cm", "watched", "-w", "--output-watch-events"});
  ASSERT_TRUE(watch->WaitForOutput("ADDED", std::chrono::seconds(20))) << watch->output();
  ProcessResult label = server.Kubectl({"label", "cm", "watched", "seen=yes"});
  ASSERT_EQ(label.exit_code, 0) << label.err;
  EXPECT_TRUE(watch->WaitForOutput("MODIFIED", std::chrono::seconds(20))) << watch->output();
  ProcessResult remove = server.Kubectl({"delete", "cm", "watched"});
  ASSERT_EQ(remove.exit_code, 0) << remove.err;
  EXPECT_TRUE(watch->WaitForOutput("DELETED", std::chrono::seconds(20))) << watch->output();
}

TEST(KubectlTest, LabelAndPatchChangeTheObject) {
  ApiServer server;
  Create(server, "p.yaml", ConfigMap("p"));
  ASSERT_EQ(server.Kubectl({"label", "cm", "p", "tier=web"}).exit_code, 0);
  ProcessResult merge =
      server.Kubectl({"patch", "cm", "p", "--type=merge", "-p", R"({"data":{"a":"1"}})"});
  ASSERT_EQ(merge.exit_code, 0) << merge.err;
  ProcessResult json_patch = server.Kubectl(
      {"patch", "cm", "p", "--type=json", "-p", R"([{"op":"add","path":"/data/b","value":"2"}])"});
  ASSERT_EQ(json_patch.exit_code, 0) << json_patch.err;
  ProcessResult get = server.Kubectl({"get", "cm", "p", "-o", "json"});
  json object = json::parse(get.out);
  EXPECT_EQ(object["metadata"]["labels"]["tier"], "web");
  EXPECT_EQ(object["data"], (json{{"a", "1"}, {"b", "2"}}));
  ProcessResult failing = server.Kubectl(
      {"patch", "cm", "p", "--type=json", "-p", R"([{"op":"test","path":"/data/a","value":"9"}])"});
  EXPECT_NE(failing.exit_code, 0);
}

TEST(KubectlTest, ReplaceWithAStaleResourceVersionConflicts) {
  ApiServer server;
  Create(server, "r.yaml", ConfigMap("r"));
  ProcessResult get = server.Kubectl({"get", "cm", "r", "-o", "yaml"});
  std::filesystem::path stale = server.File("stale.yaml", get.out);
  ASSERT_EQ(server.Kubectl({"label", "cm", "r", "changed=yes"}).exit_code, 0);
  ProcessResult replace = server.Kubectl({"replace", "-f", stale.string()});
  EXPECT_NE(replace.exit_code, 0);
  EXPECT_NE(replace.err.find("Error from server (Conflict)"), std::string::npos) << replace.err;
  EXPECT_NE(replace.err.find("Operation cannot be fulfilled on configmaps \"r\": the object has "
                             "been modified; please apply your changes to the latest version and "
                             "try again"),
            std::string::npos)
      << replace.err;
}

TEST(KubectlTest, DeleteWaitsUntilGoneAndNamespaceDeletionTakesItsContents) {
  ApiServer server;
  Create(server, "d.yaml", ConfigMap("d"));
  ProcessResult remove = server.Kubectl({"delete", "cm", "d"});
  ASSERT_EQ(remove.exit_code, 0) << remove.err;
  ProcessResult gone = server.Kubectl({"get", "cm", "d"});
  EXPECT_NE(gone.err.find("NotFound"), std::string::npos) << gone.err;

  Create(server, "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: doomed\n");
  Create(server, "inside.yaml", ConfigMap("inside") + "  namespace: doomed\n");
  ProcessResult delete_ns = server.Kubectl({"delete", "ns", "doomed", "--timeout=60s"});
  ASSERT_EQ(delete_ns.exit_code, 0) << delete_ns.err;
  EXPECT_NE(server.Kubectl({"get", "ns", "doomed"}).err.find("NotFound"), std::string::npos);
  ProcessResult contents = server.Kubectl({"get", "cm", "-n", "doomed", "-o", "name"});
  EXPECT_EQ(contents.out, "");
  ProcessResult protected_ns = server.Kubectl({"delete", "ns", "default"});
  EXPECT_NE(protected_ns.err.find("Forbidden"), std::string::npos) << protected_ns.err;
}

TEST(KubectlTest, WritesIntoMissingNamespacesAreNotFound) {
  ApiServer server;
  ProcessResult run = server.Kubectl(
      {"create", "-f", server.File("m.yaml", ConfigMap("m") + "  namespace: nowhere\n").string()});
  EXPECT_NE(run.err.find("namespaces \"nowhere\" not found"), std::string::npos) << run.err;
}

TEST(KubectlTest, CustomResourcesFromACorpusCrd) {
  ApiServer server;
  std::string crd = (testing::CorpusDir() /
                     "charts/prometheus-community_helm-charts/kube-prometheus-stack/charts/crds/"
                     "crds/crd-servicemonitors.yaml")
                        .string();
  ProcessResult create_crd = server.Kubectl({"create", "-f", crd});
  ASSERT_EQ(create_crd.exit_code, 0) << create_crd.err;
  std::string monitor = R"(apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  endpoints:
  - port: http
    interval: 30s
)";
  Create(server, "sm.yaml", monitor);
  ProcessResult list = server.Kubectl({"get", "servicemonitors", "-o", "name"});
  EXPECT_EQ(list.out, "servicemonitor.monitoring.coreos.com/web\n") << list.err;
  ProcessResult short_name =
      server.Kubectl({"get", "smon", "web", "-o", "jsonpath={.spec.endpoints[0].port}"});
  EXPECT_EQ(short_name.out, "http") << short_name.err;

  std::unique_ptr<testing::Process> watch =
      server.KubectlInBackground({"get", "servicemonitors", "-w", "--output-watch-events"});
  ASSERT_TRUE(watch->WaitForOutput("ADDED", std::chrono::seconds(20))) << watch->output();
  ASSERT_EQ(server.Kubectl({"label", "servicemonitor", "web", "x=y"}).exit_code, 0);
  EXPECT_TRUE(watch->WaitForOutput("MODIFIED", std::chrono::seconds(20))) << watch->output();

  std::string bad = R"(apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: bad
spec:
  selector: {}
  endpoints: not-a-list
)";
  ProcessResult refused = server.Kubectl({"create", "-f", server.File("bad.yaml", bad).string()});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(
      refused.err.find("The ServiceMonitor \"bad\" is invalid: spec.endpoints: Invalid value: "
                       "\"string\": spec.endpoints in body must be of type array: \"string\""),
      std::string::npos)
      << refused.err;

  ProcessResult remove_crd = server.Kubectl({"delete", "-f", crd});
  ASSERT_EQ(remove_crd.exit_code, 0) << remove_crd.err;
  ProcessResult after = server.Kubectl({"get", "servicemonitors"});
  EXPECT_NE(after.exit_code, 0) << "the resource is no longer served";
}

TEST(KubectlTest, TypeErrorsAndUnknownFieldsGetARealClustersMessages) {
  ApiServer server;
  std::string service =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: \"80\"\n";
  ProcessResult bad_port =
      server.Kubectl({"create", "-f", server.File("s.yaml", service).string()});
  EXPECT_NE(bad_port.err.find("Error from server (BadRequest): error when creating"),
            std::string::npos)
      << bad_port.err;
  EXPECT_NE(
      bad_port.err.find("Service in version \"v1\" cannot be handled as a Service: json: cannot "
                        "unmarshal string into Go struct field ServicePort.spec.ports.port of "
                        "type int32"),
      std::string::npos)
      << bad_port.err;

  std::string deployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  foo: bar
  selector:
    matchLabels: {app: d}
  template:
    metadata:
      labels: {app: d}
    spec:
      containers:
      - name: c
        image: nginx
)";
  ProcessResult strict = server.Kubectl(
      {"create", "-f", server.File("d.yaml", deployment).string(), "--validate=strict"});
  EXPECT_NE(
      strict.err.find("Deployment in version \"v1\" cannot be handled as a Deployment: strict "
                      "decoding error: unknown field \"spec.foo\""),
      std::string::npos)
      << strict.err;
  ProcessResult warn = server.Kubectl(
      {"create", "-f", server.File("d.yaml", deployment).string(), "--validate=warn"});
  EXPECT_EQ(warn.exit_code, 0) << warn.err;
  EXPECT_NE(warn.err.find("Warning: unknown field \"spec.foo\""), std::string::npos) << warn.err;

  std::string incomplete =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: i\nspec:\n"
      "  template:\n    spec:\n      containers:\n      - image: nginx\n";
  ProcessResult invalid =
      server.Kubectl({"create", "-f", server.File("i.yaml", incomplete).string()});
  EXPECT_NE(invalid.err.find("The Deployment \"i\" is invalid"), std::string::npos) << invalid.err;
  EXPECT_NE(invalid.err.find("spec.selector: Required value"), std::string::npos) << invalid.err;
}

TEST(KubectlTest, ExplainReadsTheOpenApiDocuments) {
  ApiServer server;
  ProcessResult explain = server.Kubectl({"explain", "deployment.spec.strategy"});
  ASSERT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_NE(explain.out.find("FIELD: strategy <DeploymentStrategy>"), std::string::npos)
      << explain.out;
  EXPECT_NE(explain.out.find("rollingUpdate"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("Type of deployment. Can be \"Recreate\" or \"RollingUpdate\""),
            std::string::npos)
      << explain.out;
}

TEST(KubectlTest, RequestsWithoutTheTokenAreUnauthorized) {
  ApiServer server;
  ProcessResult anonymous =
      testing::Run({(testing::OracleDir() / "kubectl").string(), "--server", server.url(),
                    "--insecure-skip-tls-verify", "--token", "wrong", "get", "ns"});
  EXPECT_NE(anonymous.exit_code, 0);
  // kubectl's words for a 401 Unauthorized.
  EXPECT_NE(anonymous.err.find("the server has asked for the client to provide credentials"),
            std::string::npos)
      << anonymous.err;
}

// kubectl scale goes through /scale (autoscaling/v1 Scale), which owns spec.replicas as its own
// managedFields entry, as on a cluster.
TEST(KubectlTest, ScaleGoesThroughTheScaleSubresource) {
  ApiServer server;
  std::string guestbook = (testing::CorpusDir() / "gitops/argocd-example-apps/guestbook").string();
  ASSERT_EQ(server.Kubectl({"apply", "-f", guestbook}).exit_code, 0);
  ProcessResult scaled = server.Kubectl({"scale", "deploy", "guestbook-ui", "--replicas=3"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.err;
  EXPECT_NE(scaled.out.find("deployment.apps/guestbook-ui scaled"), std::string::npos);

  ProcessResult raw = server.Kubectl(
      {"get", "--raw", "/apis/apps/v1/namespaces/default/deployments/guestbook-ui/scale"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  json scale = json::parse(raw.out);
  EXPECT_EQ(scale["kind"], "Scale");
  EXPECT_EQ(scale["apiVersion"], "autoscaling/v1");
  EXPECT_EQ(scale["spec"]["replicas"], 3);
  EXPECT_EQ(scale["status"]["selector"], "app=guestbook-ui");

  ProcessResult deploy =
      server.Kubectl({"get", "deploy", "guestbook-ui", "-o", "json", "--show-managed-fields"});
  json object = json::parse(deploy.out);
  EXPECT_EQ(object["spec"]["replicas"], 3);
  bool scale_entry = false;
  for (const json& entry : object["metadata"]["managedFields"]) {
    if (entry.value("subresource", "") == "scale") {
      scale_entry = true;
      EXPECT_EQ(entry["fieldsV1"], json({{"f:spec", {{"f:replicas", json::object()}}}}));
    } else {
      EXPECT_FALSE(entry["fieldsV1"].value("f:spec", json::object()).contains("f:replicas"))
          << entry.dump();
    }
  }
  EXPECT_TRUE(scale_entry) << deploy.out;

  ProcessResult negative = server.Kubectl({"patch", "deploy", "guestbook-ui", "--subresource=scale",
                                           "--type=merge", "-p", R"({"spec":{"replicas":-2}})"});
  EXPECT_NE(negative.exit_code, 0);
  EXPECT_NE(
      negative.err.find("spec.replicas: Invalid value: -2: must be greater than or equal to 0"),
      std::string::npos)
      << negative.err;
}

// A custom resource scales through the paths its CRD names (subresources.scale).
TEST(KubectlTest, ScaleFollowsTheCrdScalePaths) {
  ApiServer server;
  Create(server, "crd.yaml", R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.size, statusReplicasPath: .status.size,
              labelSelectorPath: .status.selector}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
)");
  ProcessResult established = server.Kubectl(
      {"wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=20s"});
  ASSERT_EQ(established.exit_code, 0) << established.err;
  Create(server, "widget.yaml",
         "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1}\n");
  ProcessResult scaled = server.Kubectl({"scale", "widget", "w", "--replicas=4"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.err;
  ProcessResult size = server.Kubectl({"get", "widget", "w", "-o", "jsonpath={.spec.size}"});
  EXPECT_EQ(size.out, "4") << size.err;
  ProcessResult raw =
      server.Kubectl({"get", "--raw", "/apis/example.com/v1/namespaces/default/widgets/w/scale"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(json::parse(raw.out)["spec"]["replicas"], 4);
  EXPECT_EQ(json::parse(raw.out)["status"]["replicas"], 0);
}

}  // namespace
}  // namespace converge
