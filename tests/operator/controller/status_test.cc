#include "operator/controller/status.h"

#include <gtest/gtest.h>

namespace converge::controller {
namespace {

using std::chrono::seconds;

// Argo CD's self-heal backoff (argocd.md section 2): first heal immediate, then 2 s × 3^n,
// capped at 300 s.
TEST(SelfHealDelayTest, FollowsArgoCdsBackoff) {
  EXPECT_EQ(SelfHealDelay(0), seconds(0));
  EXPECT_EQ(SelfHealDelay(1), seconds(2));
  EXPECT_EQ(SelfHealDelay(2), seconds(6));
  EXPECT_EQ(SelfHealDelay(3), seconds(18));
  EXPECT_EQ(SelfHealDelay(5), seconds(162));
  EXPECT_EQ(SelfHealDelay(6), seconds(300));
  EXPECT_EQ(SelfHealDelay(100), seconds(300));
}

TEST(StatusTest, ReadyOnlyWhenSyncedHealthyAndWithoutErrors) {
  Observation observed{.generation = 3, .revisions = {"abc"}, .compared = true};
  observed.resources.push_back({.key = {"apps", "Deployment", "x", "web"},
                                .version = "v1",
                                .health = sync::health::HealthStatus{}});
  nlohmann::json status = BuildStatus(nlohmann::json::object(), observed, "2026-11-30T00:00:00Z");
  EXPECT_EQ(status["sync"]["status"], "Synced");
  EXPECT_EQ(status["sync"]["revision"], "abc");
  EXPECT_EQ(status["observedGeneration"], 3);
  auto condition = [&](const nlohmann::json& s, const std::string& type) {
    for (const nlohmann::json& c : s["conditions"]) {
      if (c["type"] == type) return c;
    }
    return nlohmann::json();
  };
  EXPECT_EQ(condition(status, "Ready")["status"], "True");
  EXPECT_EQ(condition(status, "Stalled")["status"], "False");

  observed.conditions.push_back({kComparisonError, "deploy/a.yaml:3: broken"});
  nlohmann::json failing = BuildStatus(status, observed, "2026-11-30T00:01:00Z");
  EXPECT_EQ(condition(failing, "Ready")["status"], "False");
  EXPECT_EQ(condition(failing, "Ready")["reason"], kComparisonError);
  EXPECT_EQ(condition(failing, "Ready")["lastTransitionTime"], "2026-11-30T00:01:00Z");
  EXPECT_EQ(condition(failing, "Stalled")["status"], "True");
  EXPECT_EQ(condition(failing, kComparisonError)["message"], "deploy/a.yaml:3: broken");
  EXPECT_TRUE(StatusChanged(status, failing));
  nlohmann::json again = BuildStatus(failing, observed, "2026-11-30T00:02:00Z");
  EXPECT_FALSE(StatusChanged(failing, again)) << "an unchanged reconcile writes nothing";
  EXPECT_EQ(condition(again, "Ready")["lastTransitionTime"], "2026-11-30T00:01:00Z");
}

}  // namespace
}  // namespace converge::controller
