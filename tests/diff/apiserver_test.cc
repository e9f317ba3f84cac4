// The comparison against live objects of the embedded API server, written and read with the
// real kubectl: applied with server-side apply as Converge applies, defaulted and given status
// by the server, then changed by other field managers.

#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/strings.h"
#include "diff/diff.h"
#include "sync/health/health.h"
#include "tests/diff/diff_test_util.h"
#include "tests/support/support.h"

namespace converge::diff {
namespace {

using converge::testing::ApiServer;
using converge::testing::ProcessResult;
using nlohmann::json;
using testing::Capture;
using testing::Corpus;
using testing::Dump;
using testing::ReadObjects;
using testing::TestData;

std::vector<std::filesystem::path> Manifests() {
  return {Corpus("podinfo/kustomize/deployment.yaml"),
          Corpus("podinfo/kustomize/service.yaml"),
          Corpus("podinfo/kustomize/hpa.yaml"),
          Corpus("argocd-example-apps/guestbook/guestbook-ui-deployment.yaml"),
          Corpus("argocd-example-apps/guestbook/guestbook-ui-svc.yaml"),
          TestData("secret.yaml")};
}

std::vector<kube::Object> Desired() {
  std::vector<kube::Object> out;
  for (const std::filesystem::path& file : Manifests()) {
    for (kube::Object& object : ReadObjects(file)) {
      object.SetNamespace("default");
      out.push_back(std::move(object));
    }
  }
  return out;
}

void Apply(const ApiServer& server) {
  std::vector<std::string> args = {"apply", "--server-side", "--field-manager=converge", "-n",
                                   "default"};
  for (const std::filesystem::path& file : Manifests()) {
    args.push_back("-f");
    args.push_back(file.string());
  }
  ProcessResult apply = server.Kubectl(args);
  ASSERT_EQ(apply.exit_code, 0) << apply.err;
  ProcessResult wait =
      server.Kubectl({"wait", "-n", "default", "--for=condition=Available", "deployment/podinfo",
                      "deployment/guestbook-ui", "--timeout=120s"});
  ASSERT_EQ(wait.exit_code, 0) << wait.err;
}

std::string Resource(const kube::Object& object) {
  std::string kind = AsciiLower(object.Kind());
  return object.Group().empty() ? kind : kind + "." + std::string(object.Group());
}

// Live objects as an informer would hold them: with managedFields. Output is not printed on
// failure: it holds the Secret's data.
std::vector<kube::Object> Live(const ApiServer& server, const std::vector<kube::Object>& desired) {
  std::vector<kube::Object> out;
  for (const kube::Object& object : desired) {
    ProcessResult get =
        server.Kubectl({"get", "-n", "default", Resource(object), std::string(object.Name()), "-o",
                        "json", "--show-managed-fields"});
    EXPECT_EQ(get.exit_code, 0) << get.err;
    out.emplace_back(json::parse(get.out));
  }
  return out;
}

void Patch(const ApiServer& server, const std::string& manager, const std::string& type,
           const std::string& target, const std::string& patch) {
  ProcessResult run = server.Kubectl({"patch", "-n", "default", target, "--type=" + type,
                                      "--field-manager=" + manager, "-p", patch});
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

Differ MakeDiffer(std::vector<IgnoreRule> rules = {}) {
  Result<Differ> differ = Differ::Create({.ignore_differences = std::move(rules)});
  EXPECT_TRUE(differ.ok()) << differ.status().ToString();
  return std::move(*differ);
}

Report CompareLive(const Differ& differ, const ApiServer& server) {
  std::vector<kube::Object> desired = Desired();
  Result<Report> report = differ.CompareAll(desired, Live(server, desired));
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  Dump(*report);
  return report.ok() ? *report : Report{};
}

std::vector<std::string> Drift(const Report& report) {
  std::vector<std::string> out;
  for (const ResourceDiff& resource : report.resources) {
    for (const Difference& difference : resource.differences) {
      out.push_back(resource.key.name + ":" + difference.path);
    }
  }
  return out;
}

TEST(ApiServerDiffTest, ManagedFieldsMode) {
  ApiServer server;
  ASSERT_NO_FATAL_FAILURE(Apply(server));
  Differ differ = MakeDiffer();
  Report report = CompareLive(differ, server);
  EXPECT_EQ(report.resources.size(), 6u);
  EXPECT_TRUE(report.Synced()) << ReportText(report, {});
  EXPECT_EQ(Drift(report), std::vector<std::string>{});

  std::vector<kube::Object> live = Live(server, Desired());
  std::vector<std::optional<sync::health::HealthStatus>> health;
  for (const kube::Object& object : live) {
    if (object.Kind() == "HorizontalPodAutoscaler") continue;  // no autoscaler runs here
    health.push_back(sync::health::Assess(&object, {}));
    Capture(std::string(sync::health::HealthCodeName(health.back()->code)) + " " +
            health.back()->message);
  }
  EXPECT_EQ(sync::health::Aggregate(health).code, sync::health::HealthCode::kHealthy);

  // An autoscaler sets replicas, which the desired Deployment leaves out: not drift.
  Patch(server, "horizontal-pod-autoscaler", "merge", "deployment/podinfo",
        R"({"spec":{"replicas":3}})");
  report = CompareLive(differ, server);
  EXPECT_TRUE(report.Synced()) << ReportText(report, {});

  // A field Converge applied, changed by someone else (kubectl edit): drift.
  Patch(server, "kubectl-edit", "json", "deployment/guestbook-ui",
        R"([{"op":"replace","path":"/spec/template/spec/containers/0/image",)"
        R"("value":"gcr.io/google-samples/gb-frontend:v6"}])");
  report = CompareLive(differ, server);
  EXPECT_EQ(Drift(report),
            std::vector<std::string>{"guestbook-ui:/spec/template/spec/containers/0/image"});
  for (const ResourceDiff& resource : report.resources) {
    if (resource.key.name != "guestbook-ui" || resource.key.kind != "Deployment") continue;
    EXPECT_EQ(resource.status, SyncStatus::kOutOfSync);
    EXPECT_EQ(resource.differences[0].desired, json("gcr.io/google-samples/gb-frontend:v5"));
    EXPECT_EQ(resource.differences[0].live, json("gcr.io/google-samples/gb-frontend:v6"));
    std::string text = ResourceText(resource, {});
    EXPECT_NE(text.find("\n-      - image: gcr.io/google-samples/gb-frontend:v6\n"
                        "+      - image: gcr.io/google-samples/gb-frontend:v5\n"),
              std::string::npos)
        << text;
  }

  // Each way of ignoring the field makes the drift disappear.
  const std::vector<IgnoreRule> rules = {
      {.group = "apps",
       .kind = "Deployment",
       .json_pointers = {"/spec/template/spec/containers/0/image"}},
      {.group = "apps",
       .kind = "Deployment",
       .name = "guestbook-ui",
       .jq_path_expressions = {".spec.template.spec.containers[] | "
                               "select(.name == \"guestbook-ui\") | .image"}},
      {.group = "apps", .kind = "Deployment", .managed_fields_managers = {"kubectl-edit"}},
  };
  for (const IgnoreRule& rule : rules) {
    report = CompareLive(MakeDiffer({rule}), server);
    EXPECT_TRUE(report.Synced()) << ReportText(report, {});
  }
  // A rule for another object changes nothing.
  report = CompareLive(MakeDiffer({{.group = "apps",
                                    .kind = "Deployment",
                                    .name = "podinfo",
                                    .json_pointers = {"/spec/template/spec/containers/0/image"}}}),
                       server);
  EXPECT_EQ(Drift(report).size(), 1u);
}

kube::Object DryRun(const ApiServer& server, const std::filesystem::path& file) {
  ProcessResult run = server.Kubectl({"apply", "--server-side", "--dry-run=server",
                                      "--force-conflicts", "--field-manager=converge", "-n",
                                      "default", "-o", "json", "-f", file.string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return kube::Object(json::parse(run.out));
}

TEST(ApiServerDiffTest, ServerSideDryRunMode) {
  ApiServer server;
  ASSERT_NO_FATAL_FAILURE(Apply(server));
  Patch(server, "horizontal-pod-autoscaler", "merge", "deployment/podinfo",
        R"({"spec":{"replicas":3}})");
  Patch(server, "kubectl-edit", "json", "deployment/guestbook-ui",
        R"([{"op":"replace","path":"/spec/template/spec/containers/0/image",)"
        R"("value":"gcr.io/google-samples/gb-frontend:v6"}])");
  std::vector<kube::Object> desired = Desired();
  std::vector<kube::Object> live = Live(server, desired);
  DryRunResults dry_runs;
  for (const std::filesystem::path& file : Manifests()) {
    kube::Object result = DryRun(server, file);
    dry_runs.emplace(result.Key(), std::move(result));
  }
  Result<Report> report = MakeDiffer().CompareAll(desired, live, &dry_runs);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  Dump(*report);
  EXPECT_EQ(Drift(*report),
            std::vector<std::string>{"guestbook-ui:/spec/template/spec/containers/0/image"});
}

TEST(ApiServerDiffTest, ChangedSecretShowsMasked) {
  ApiServer server;
  ASSERT_NO_FATAL_FAILURE(Apply(server));
  // Through stringData: the embedded API server keeps stringData as given where a real one
  // folds it into data, and this patch means the same on both.
  Patch(server, "kubectl-edit", "merge", "secret/podinfo-credentials",
        R"({"stringData":{"password":"rotated-by-hand-0c5e"}})");
  Report report = CompareLive(MakeDiffer(), server);
  EXPECT_EQ(Drift(report), std::vector<std::string>{"podinfo-credentials:/data/password"});
  std::string text = ReportText(report, {});
  EXPECT_NE(text.find("-  password: ++++++++++++\n+  password: ++++++++\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace converge::diff
