// The Application resource: the CRD in manifests/crds/ served by the embedded API server and
// driven by the real kubectl (admission, printer columns), and ParseSpec on what it admits.
#include "operator/application/application.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "tests/support/support.h"

namespace converge::app {
namespace {

namespace fs = std::filesystem;

fs::path Repo() { return fs::current_path(); }

nlohmann::json ExampleSpec() {
  std::optional<std::string> text = ReadFile(Repo() / "manifests/examples/argocd-application.yaml");
  EXPECT_TRUE(text.has_value());
  Result<std::vector<kube::Object>> objects = kube::DecodeObjects(*text, "example");
  EXPECT_TRUE(objects.ok() && objects->size() == 1);
  return objects->front().json()["spec"];
}

Status ParseWith(const std::string& pointer, nlohmann::json value) {
  nlohmann::json spec = ExampleSpec();
  spec[nlohmann::json::json_pointer(pointer)] = std::move(value);
  Result<Spec> parsed = ParseSpec(spec);
  return parsed.status();
}

TEST(ApplicationSpecTest, ReadsArgoCdsExample) {
  Result<Spec> spec = ParseSpec(ExampleSpec());
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  ASSERT_EQ(spec->sources.size(), 1u);
  EXPECT_EQ(spec->sources[0].repo_url, "https://github.com/argoproj/argocd-example-apps.git");
  EXPECT_EQ(spec->sources[0].target_revision, "HEAD");
  EXPECT_EQ(spec->sources[0].path, "guestbook");
  EXPECT_EQ(spec->destination.ns, "guestbook");
  ASSERT_TRUE(spec->sync_policy.automated.has_value());
  EXPECT_TRUE(spec->sync_policy.automated->prune);
  EXPECT_TRUE(spec->sync_policy.automated->self_heal);
  EXPECT_TRUE(spec->sync_policy.automated->enabled);
  EXPECT_TRUE(spec->sync_policy.options.prune);
  EXPECT_TRUE(spec->sync_policy.options.create_namespace);
  EXPECT_TRUE(spec->sync_policy.options.prune_last);
  EXPECT_EQ(spec->sync_policy.options.prune_propagation, sync::PrunePropagation::kForeground);
  ASSERT_TRUE(spec->sync_policy.retry.has_value());
  EXPECT_EQ(spec->sync_policy.retry->limit, 5);
  EXPECT_EQ(spec->sync_policy.retry->duration, std::chrono::seconds(5));
  EXPECT_EQ(spec->sync_policy.retry->factor, 2);
  EXPECT_EQ(spec->sync_policy.retry->max_duration, std::chrono::seconds(180));
  EXPECT_EQ(spec->revision_history_limit, 10);
}

TEST(ApplicationSpecTest, SourcesWinOverSourceAndKeepTheirOrder) {
  nlohmann::json spec = ExampleSpec();
  spec["sources"] = nlohmann::json::parse(R"([
    {"repoURL": "https://example.com/a.git", "path": "a", "kustomize": {"namePrefix": "p-",
     "replicas": [{"name": "web", "count": "3"}], "commonLabels": {"team": "x"}}},
    {"repoURL": "https://example.com/b.git", "targetRevision": "v1.2.0", "path": "chart",
     "helm": {"valueFiles": ["values-prod.yaml"], "parameters": [{"name": "image.tag",
     "value": "1.0", "forceString": true}], "valuesObject": {"replicas": 2}}}])");
  Result<Spec> parsed = ParseSpec(spec);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->sources.size(), 2u);
  EXPECT_EQ(parsed->sources[0].path, "a");
  ASSERT_TRUE(parsed->sources[0].kustomize.has_value());
  EXPECT_EQ(parsed->sources[0].kustomize->name_prefix, "p-");
  EXPECT_EQ(parsed->sources[0].kustomize->replicas[0].count, 3);
  EXPECT_EQ(parsed->sources[0].kustomize->common_labels.at("team"), "x");
  EXPECT_EQ(parsed->sources[1].target_revision, "v1.2.0");
  ASSERT_TRUE(parsed->sources[1].helm.has_value());
  EXPECT_TRUE(parsed->sources[1].helm->parameters[0].force_string);
  EXPECT_EQ((*parsed->sources[1].helm->values_object)["replicas"], 2);
}

TEST(ApplicationSpecTest, RetryBackoffReadsBareSecondsAndDefaults) {
  nlohmann::json spec = ExampleSpec();
  spec["syncPolicy"]["retry"] = {{"backoff", {{"duration", "30"}}}};
  Result<Spec> parsed = ParseSpec(spec);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->sync_policy.retry->limit, 0);  // Argo CD: an absent limit retries nothing
  EXPECT_EQ(parsed->sync_policy.retry->duration, std::chrono::seconds(30));
  EXPECT_EQ(parsed->sync_policy.retry->max_duration, std::chrono::seconds(180));
  EXPECT_EQ(DefaultAutomatedRetry().limit, 5);
}

TEST(ApplicationSpecTest, ErrorsNameTheField) {
  struct Case {
    std::string pointer;
    nlohmann::json value;
    std::string message;
  };
  std::vector<Case> cases = {
      {"/syncPolicy/retry/backoff/duration", "5x",
       "spec.syncPolicy.retry.backoff.duration: time: unknown unit \"x\" in duration \"5x\""},
      {"/syncPolicy/syncOptions", {"Prune=maybe"}, "spec.syncPolicy.syncOptions: "},
      {"/destination/server", "https://other.example.com",
       "spec.destination.server: cluster https://other.example.com is not supported yet"},
      {"/destination/name", "in-cluster",
       "spec.destination: can't have both name and server defined"},
      {"/source/repoURL", "", "spec.source.repoURL: required"},
      {"/source/chart", "nginx", "spec.source.chart: charts from Helm repositories"},
      {"/source/helm", {{"parameters", {{{"value", "1"}}}}}, "spec.source.helm.parameters[0].name"},
      {"/source/kustomize", {{"namePrefix", "x"}}, "spec.source: multiple application sources"},
      {"/ignoreDifferences",
       {{{"jsonPointers", {"/spec/replicas"}}}},
       "spec.ignoreDifferences[0].kind: required"},
      {"/revisionHistoryLimit", "ten", "spec.revisionHistoryLimit: must be an integer"},
  };
  for (const Case& c : cases) {
    nlohmann::json value = c.value;
    if (c.pointer == "/source/kustomize") {
      nlohmann::json spec = ExampleSpec();
      spec["source"]["kustomize"] = c.value;
      spec["source"]["helm"] = nlohmann::json::object();
      Result<Spec> parsed = ParseSpec(spec);
      ASSERT_FALSE(parsed.ok()) << c.pointer;
      EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
          << parsed.status().message();
      continue;
    }
    Status status = ParseWith(c.pointer, value);
    ASSERT_FALSE(status.ok()) << c.pointer;
    EXPECT_EQ(status.code(), StatusCode::kInvalid);
    EXPECT_EQ(status.message().rfind(c.message, 0), 0u) << status.message();
  }
  nlohmann::json no_source = ExampleSpec();
  no_source.erase("source");
  EXPECT_EQ(ParseSpec(no_source).status().message(),
            "spec.source: an Application needs a source or sources");
}

class ApplicationCrdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ProcessResult created =
        server_.Kubectl({"apply", "--server-side", "-f", (Repo() / "manifests/crds").string()});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    testing::ProcessResult established = server_.Kubectl(
        {"wait", "--for=condition=Established", "--timeout=60s", "crd/applications.converge.dev"});
    ASSERT_EQ(established.exit_code, 0) << established.err;
    ASSERT_EQ(server_.Kubectl({"create", "namespace", "converge"}).exit_code, 0);
  }

  testing::ApiServer server_;
};

TEST_F(ApplicationCrdTest, AdmitsTheExampleAndPrintsItsColumns) {
  testing::ProcessResult applied = server_.Kubectl(
      {"apply", "-f", (Repo() / "manifests/examples/argocd-application.yaml").string()});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find("application.converge.dev/guestbook created"), std::string::npos)
      << applied.out;
  testing::ProcessResult table = server_.Kubectl({"get", "apps", "-n", "converge"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("NAME        SYNC STATUS   HEALTH STATUS   AGE", 0), 0u) << table.out;
  testing::ProcessResult patched = server_.Kubectl(
      {"patch", "application", "guestbook", "-n", "converge", "--subresource=status",
       "--type=merge", "-p",
       R"({"status":{"sync":{"status":"Synced","revision":"abc123"},"health":{"status":"Healthy"}}})"});
  ASSERT_EQ(patched.exit_code, 0) << patched.err;
  testing::ProcessResult wide = server_.Kubectl({"get", "apps", "-n", "converge", "-o", "wide"});
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_NE(wide.out.find("guestbook   Synced        Healthy         abc123"), std::string::npos)
      << wide.out;

  testing::ProcessResult got = server_.Kubectl(
      {"get", "application", "guestbook", "-n", "converge", "-o", "jsonpath={.spec}"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  Result<Spec> spec = ParseSpec(nlohmann::json::parse(got.out));
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->sources[0].path, "guestbook");
}

TEST_F(ApplicationCrdTest, RejectsMalformedSpecsAtAdmission) {
  struct Case {
    std::string name;
    std::string spec;
    std::string field;
  };
  std::vector<Case> cases = {
      {"no-destination", "source: {repoURL: https://e.x/r.git}", "spec.destination"},
      {"no-repo", "source: {path: x}\n  destination: {name: in-cluster}", "spec.source.repoURL"},
      {"bad-limit",
       "source: {repoURL: https://e.x/r.git}\n  destination: {name: in-cluster}\n"
       "  syncPolicy: {retry: {limit: five}}",
       "spec.syncPolicy.retry.limit"},
      {"bad-prune",
       "source: {repoURL: https://e.x/r.git}\n  destination: {name: in-cluster}\n"
       "  syncPolicy: {automated: {prune: sometimes}}",
       "spec.syncPolicy.automated.prune"},
      {"bad-factor",
       "source: {repoURL: https://e.x/r.git}\n  destination: {name: in-cluster}\n"
       "  syncPolicy: {retry: {backoff: {factor: 0}}}",
       "spec.syncPolicy.retry.backoff.factor"},
  };
  for (const Case& c : cases) {
    std::string yaml =
        "apiVersion: converge.dev/v1alpha1\nkind: Application\nmetadata:\n  name: " + c.name +
        "\n  namespace: converge\nspec:\n  " + c.spec + "\n";
    testing::ProcessResult created =
        server_.Kubectl({"create", "-f", server_.File(c.name + ".yaml", yaml).string()});
    EXPECT_NE(created.exit_code, 0) << c.name << " was admitted";
    EXPECT_NE(created.err.find("The Application \"" + c.name + "\" is invalid"), std::string::npos)
        << created.err;
    EXPECT_NE(created.err.find(c.field), std::string::npos) << created.err;
  }
}

}  // namespace
}  // namespace converge::app
