#include "sync/health/health.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "kube/kube.h"
#include "tests/support/support.h"

namespace converge::sync::health {
namespace {

using ::converge::testing::SourceDir;

kube::Object Fixture(const std::string& name) {
  std::filesystem::path path = SourceDir() / "tests/sync/health/testdata" / (name + ".yaml");
  std::string text = converge::testing::ReadFile(path);
  Result<std::vector<kube::Object>> objects = kube::DecodeObjects(text, path.string());
  EXPECT_TRUE(objects.ok()) << objects.status().ToString();
  EXPECT_EQ(objects->size(), 1u) << name;
  return objects->front();
}

struct Case {
  const char* fixture;
  HealthCode code;
  const char* message;  // a part of the message; "" to skip
};

// One row per fixture in testdata/. Fixtures named after the simulated state were read with
// kubectl from the embedded API server's simulated workloads; the others are status objects as
// clusters report them.
const Case kCases[] = {
    {"apiservice-healthy", HealthCode::kHealthy, "all checks passed"},
    {"apiservice-progressing", HealthCode::kProgressing, "MissingEndpoints: endpoints for"},
    {"configmap-healthy", HealthCode::kHealthy, ""},
    {"crd-degraded", HealthCode::kDegraded, "\"Widget\" is already in use"},
    {"crd-healthy", HealthCode::kHealthy, ""},
    {"crd-progressing", HealthCode::kProgressing, "established"},
    {"cronjob-degraded", HealthCode::kDegraded, "did not succeed"},
    {"cronjob-healthy", HealthCode::kHealthy, "succeeded"},
    {"cronjob-progressing", HealthCode::kProgressing, "running"},
    {"cronjob-suspended", HealthCode::kSuspended, ""},
    {"daemonset-healthy", HealthCode::kHealthy, ""},
    {"daemonset-progressing", HealthCode::kProgressing, "0 of 1 updated pods are available"},
    {"deployment-degraded", HealthCode::kDegraded, "exceeded its progress deadline"},
    {"deployment-healthy", HealthCode::kHealthy, ""},
    {"deployment-progressing", HealthCode::kProgressing, "0 of 2 updated replicas are available"},
    {"deployment-suspended", HealthCode::kSuspended, "paused"},
    {"hpa-degraded", HealthCode::kDegraded, "failed to get cpu utilization"},
    {"hpa-healthy", HealthCode::kHealthy, ""},
    {"hpa-progressing", HealthCode::kProgressing, "Waiting to autoscale"},
    {"ingress-healthy", HealthCode::kHealthy, ""},
    {"ingress-progressing", HealthCode::kProgressing, ""},
    {"job-degraded", HealthCode::kDegraded, "backoff limit"},
    {"job-healthy", HealthCode::kHealthy, ""},
    {"job-progressing", HealthCode::kProgressing, ""},
    {"namespace-healthy", HealthCode::kHealthy, ""},
    {"namespace-progressing", HealthCode::kProgressing, "deletion"},
    {"pod-degraded-crashloop", HealthCode::kDegraded, "back-off 1m20s restarting"},
    {"pod-degraded-failed", HealthCode::kDegraded, "imminent node shutdown"},
    {"pod-degraded-imagepull", HealthCode::kDegraded, "Back-off pulling image"},
    {"pod-healthy", HealthCode::kHealthy, ""},
    {"pod-healthy-succeeded", HealthCode::kHealthy, ""},
    {"pod-progressing", HealthCode::kProgressing, ""},
    {"pvc-degraded", HealthCode::kDegraded, ""},
    {"pvc-healthy", HealthCode::kHealthy, ""},
    {"pvc-progressing", HealthCode::kProgressing, ""},
    {"replicaset-degraded", HealthCode::kDegraded, "exceeded quota"},
    {"replicaset-healthy", HealthCode::kHealthy, ""},
    {"replicaset-progressing", HealthCode::kProgressing, "0 out of 2"},
    {"service-healthy", HealthCode::kHealthy, ""},
    {"service-healthy-loadbalancer", HealthCode::kHealthy, ""},
    {"service-progressing", HealthCode::kProgressing, "load balancer"},
    {"statefulset-healthy", HealthCode::kHealthy, "rolling update complete 3 pods"},
    {"statefulset-progressing", HealthCode::kProgressing, "Waiting for 3 pods to be ready"},
    {"statefulset-progressing-partition", HealthCode::kProgressing, "1 out of 2 new pods"},
    {"widget-degraded-stalled", HealthCode::kDegraded, "invalid size"},
    {"widget-healthy", HealthCode::kHealthy, "Applied revision"},
    {"widget-progressing-generation", HealthCode::kProgressing, "generation"},
    {"widget-progressing-reconciling", HealthCode::kProgressing, "building artifact"},
};

TEST(HealthTest, EveryFixture) {
  for (const Case& c : kCases) {
    HealthStatus status = Assess(Fixture(c.fixture));
    EXPECT_EQ(HealthCodeName(status.code), HealthCodeName(c.code)) << c.fixture;
    EXPECT_NE(status.message.find(c.message), std::string::npos)
        << c.fixture << ": " << status.message;
  }
}

TEST(HealthTest, EveryFixtureHasARow) {
  size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(SourceDir() / "tests/sync/health/testdata")) {
    std::string stem = entry.path().stem().string();
    ++files;
    bool found = false;
    for (const Case& c : kCases) found = found || stem == c.fixture;
    EXPECT_TRUE(found) << stem;
  }
  EXPECT_EQ(files, std::size(kCases));
}

TEST(HealthTest, MissingIgnoredAndDeleted) {
  EXPECT_EQ(Assess(nullptr, {})->code, HealthCode::kMissing);
  kube::Object degraded = Fixture("deployment-degraded");
  degraded.SetAnnotation(kIgnoreHealthAnnotation, "true");
  EXPECT_FALSE(Assess(&degraded, {}).has_value());
  kube::Object argo = Fixture("deployment-degraded");
  argo.SetAnnotation("argocd.argoproj.io/ignore-healthcheck", "true");
  EXPECT_FALSE(Assess(&argo, {}).has_value());
  kube::Object deleted = Fixture("deployment-healthy");
  deleted.mutable_json()["metadata"]["deletionTimestamp"] = "2026-11-29T22:00:00Z";
  EXPECT_EQ(Assess(deleted).code, HealthCode::kProgressing);
}

TEST(HealthTest, AggregateIsTheWorst) {
  std::vector<std::optional<HealthStatus>> statuses = {
      HealthStatus{HealthCode::kHealthy, ""}, std::nullopt,
      HealthStatus{HealthCode::kProgressing, "rolling"},
      HealthStatus{HealthCode::kSuspended, "paused"}};
  EXPECT_EQ(Aggregate(statuses), (HealthStatus{HealthCode::kProgressing, "rolling"}));
  statuses.push_back(HealthStatus{HealthCode::kMissing, "gone"});
  EXPECT_EQ(Aggregate(statuses).code, HealthCode::kMissing);
  statuses.push_back(HealthStatus{HealthCode::kDegraded, "broken"});
  EXPECT_EQ(Aggregate(statuses).code, HealthCode::kDegraded);
  EXPECT_EQ(Aggregate({std::nullopt}).code, HealthCode::kHealthy);
  EXPECT_EQ(Aggregate({}).code, HealthCode::kHealthy);
}

TEST(HealthTest, CustomRulesFromConfiguration) {
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(R"(
- group: example.com
  kind: Widget
  conditions:
  - type: Stalled
    status: "True"
    health: Suspended
  - type: Ready
    status: "True"
    reason: ReconciliationSucceeded
    health: Healthy
  otherwise: Unknown
- group: "*"
  kind: "*"
  conditions:
  - {type: Ready, status: "False", health: Degraded}
)",
                                                                     "rules.yaml");
  ASSERT_TRUE(documents.ok()) << documents.status().ToString();
  Result<std::vector<CustomRule>> rules = ParseCustomRules(documents->front().value);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  Options options{.custom_rules = *rules};

  kube::Object stalled = Fixture("widget-degraded-stalled");
  EXPECT_EQ(*Assess(&stalled, options), (HealthStatus{HealthCode::kSuspended,
                                                      "invalid size \"huge\": must be one of "
                                                      "small, medium, large"}));
  kube::Object healthy = Fixture("widget-healthy");
  EXPECT_EQ(Assess(&healthy, options)->code, HealthCode::kHealthy);
  kube::Object reconciling = Fixture("widget-progressing-reconciling");
  EXPECT_EQ(Assess(&reconciling, options)->code, HealthCode::kUnknown);
  // The wildcard rule replaces the built-in one for other kinds; no condition: "otherwise".
  kube::Object crd = Fixture("crd-progressing");
  EXPECT_EQ(Assess(&crd, options)->code, HealthCode::kProgressing);
  // Without custom rules the built-in rules apply.
  EXPECT_EQ(Assess(&stalled, {})->code, HealthCode::kDegraded);
}

TEST(HealthTest, CustomRuleErrorsNameTheField) {
  struct ErrorCase {
    const char* json;
    const char* message;
  };
  const ErrorCase cases[] = {
      {R"({"kind": "W"})", "health rules: expected a list"},
      {R"([{"group": "x"}])", "[0]: kind: required"},
      {R"([{"kind": "W", "conditions": [{"type": "Ready", "status": "True", "health": "Fine"}]}])",
       "[0]: conditions[0]: health: unknown status \"Fine\""},
      {R"([{"kind": "W", "conditions": [{"type": "Ready", "status": "yes", "health": "Healthy"}]}])",
       "[0]: conditions[0]: status: expected \"True\", \"False\" or \"Unknown\", got \"yes\""},
      {R"([{"kind": "W", "otherwise": 3}])", "[0]: otherwise: expected string"},
  };
  for (const ErrorCase& c : cases) {
    Result<std::vector<CustomRule>> rules = ParseCustomRules(nlohmann::json::parse(c.json));
    ASSERT_FALSE(rules.ok()) << c.json;
    EXPECT_EQ(rules.status().message(), c.message);
  }
}

TEST(HealthTest, CodeNamesRoundTrip) {
  for (HealthCode code : {HealthCode::kHealthy, HealthCode::kSuspended, HealthCode::kProgressing,
                          HealthCode::kMissing, HealthCode::kDegraded, HealthCode::kUnknown}) {
    EXPECT_EQ(ParseHealthCode(HealthCodeName(code)), code);
  }
  EXPECT_FALSE(ParseHealthCode("healthy").has_value());
}

}  // namespace
}  // namespace converge::sync::health
