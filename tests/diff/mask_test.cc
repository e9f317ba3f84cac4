#include <gtest/gtest.h>

#include "diff/diff.h"
#include "tests/diff/diff_test_util.h"

namespace converge::diff {
namespace {

using nlohmann::json;
using testing::Dump;
using testing::ReadObject;
using testing::SecretFixtureValues;
using testing::TestData;

TEST(MaskTest, EqualValuesShareAMaskDifferentOnesDoNot) {
  json desired = {{"apiVersion", "v1"},
                  {"kind", "Secret"},
                  {"data", {{"a", "c2FtZQ=="}, {"b", "b2xk"}}},
                  {"stringData", {{"c", "plain"}}}};
  json live = {{"apiVersion", "v1"},
               {"kind", "Secret"},
               {"data", {{"a", "c2FtZQ=="}, {"b", "bmV3"}, {"d", "eA=="}}}};
  MaskSecrets(&desired, &live);
  EXPECT_EQ(desired["data"]["a"], "++++++++");
  EXPECT_EQ(live["data"]["a"], "++++++++");
  EXPECT_EQ(desired["data"]["b"], "++++++++");
  EXPECT_EQ(live["data"]["b"], "++++++++++++");
  EXPECT_EQ(live["data"]["d"], "++++++++");
  EXPECT_EQ(desired["stringData"]["c"], "++++++++");
}

TEST(MaskTest, LastAppliedAnnotationIsMaskedAndOtherKindsAreNot) {
  json live = {{"apiVersion", "v1"},
               {"kind", "Secret"},
               {"metadata",
                {{"annotations",
                  {{"kubectl.kubernetes.io/last-applied-configuration",
                    R"({"apiVersion":"v1","data":{"k":"dG9wLXNlY3JldA=="},"kind":"Secret"})"}}}}},
               {"data", {{"k", "dG9wLXNlY3JldA=="}}}};
  MaskSecrets(nullptr, &live);
  EXPECT_EQ(live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            R"({"apiVersion":"v1","data":{"k":"++++++++"},"kind":"Secret"})");
  json config = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"data", {{"k", "v"}}}};
  MaskSecrets(&config, nullptr);
  EXPECT_EQ(config["data"]["k"], "v");
}

TEST(MaskTest, SecretComparisonFoldsStringDataAndMasksEverything) {
  Result<Differ> differ = Differ::Create({});
  ASSERT_TRUE(differ.ok());
  kube::Object desired = ReadObject(TestData("secret.yaml"));
  desired.SetNamespace("default");
  // The stored form of the fixture: stringData folded into data, type defaulted.
  kube::Object live = desired;
  json& stored = live.mutable_json();
  stored["data"]["username"] = "cG9kaW5mby1hZG1pbi03YzQx";
  stored["data"]["password"] = "WnE4LWZpeHR1cmUtcGFzcy01MWQwZQ==";
  stored.erase("stringData");
  EXPECT_EQ(differ->Compare(&desired, &live).status, SyncStatus::kSynced);

  stored["data"]["password"] = "b3RoZXI=";
  ResourceDiff result = differ->Compare(&desired, &live);
  ASSERT_EQ(result.differences.size(), 1u);
  EXPECT_EQ(result.differences[0], (Difference{.path = "/data/password",
                                               .desired = json("++++++++"),
                                               .live = json("++++++++++++")}));
  std::string text = Dump(result);
  EXPECT_NE(text.find("-  password: ++++++++++++"), std::string::npos) << text;
  EXPECT_NE(text.find("+  password: ++++++++"), std::string::npos) << text;
  for (const std::string& value : SecretFixtureValues()) {
    EXPECT_EQ(text.find(value), std::string::npos) << value;
  }
  // A Secret about to be created or pruned prints masked too.
  EXPECT_EQ(Dump(differ->Compare(&desired, nullptr)).find("fixture"), std::string::npos);
  EXPECT_EQ(Dump(differ->Compare(nullptr, &live)).find("b3RoZXI="), std::string::npos);
}

}  // namespace
}  // namespace converge::diff
