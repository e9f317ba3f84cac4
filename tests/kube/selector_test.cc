// Grammar and semantics of apimachinery's pkg/labels (labels.Parse, Requirement.Matches); the
// kubectl oracle exercises the same selectors through the embedded API server's tests.

#include <gtest/gtest.h>

#include "kube/kube.h"

namespace converge::kube {
namespace {

using nlohmann::json;

bool Select(std::string_view selector, const json& labels) {
  Result<LabelSelector> parsed = LabelSelector::Parse(selector);
  EXPECT_TRUE(parsed.ok()) << selector << ": " << parsed.status().message();
  return parsed.ok() && parsed->Matches(labels);
}

TEST(LabelSelectorTest, EqualityAndSets) {
  json labels = {{"a", "x"}, {"env", "prod"}, {"tier", "5"}};
  EXPECT_TRUE(Select("a=x", labels));
  EXPECT_TRUE(Select("a==x", labels));
  EXPECT_FALSE(Select("a=y", labels));
  EXPECT_TRUE(Select("a!=y", labels));
  EXPECT_TRUE(Select("missing!=y", labels)) << "!= matches objects without the label";
  EXPECT_TRUE(Select("a in (x,y)", labels));
  EXPECT_TRUE(Select("a in (x, y),!b", labels));
  EXPECT_FALSE(Select("a notin (x)", labels));
  EXPECT_TRUE(Select("missing notin (x)", labels));
  EXPECT_TRUE(Select("env", labels));
  EXPECT_FALSE(Select("!env", labels));
  EXPECT_TRUE(Select("tier>4,tier<6", labels));
  EXPECT_FALSE(Select("a>4", labels)) << "non-integer values never compare";
  EXPECT_TRUE(Select("", labels));
  EXPECT_TRUE(Select("  a = x , env  ", labels));
  EXPECT_TRUE(Select("app.kubernetes.io/name!=web", labels));
}

TEST(LabelSelectorTest, EmptyValueMatchesEmptyLabel) {
  EXPECT_TRUE(Select("a=", json{{"a", ""}}));
  EXPECT_FALSE(Select("a=", json::object()));
}

TEST(LabelSelectorTest, RefusesMalformedSelectors) {
  for (const char* bad : {"a in ()", "a in x", "a>x", "=x", "a,", "a b", "a in (x"}) {
    EXPECT_FALSE(LabelSelector::Parse(bad).ok()) << bad;
  }
}

TEST(LabelSelectorTest, FromObjectReadsMatchLabelsAndExpressions) {
  Result<LabelSelector> selector = LabelSelector::FromObject(json::parse(R"({
    "matchLabels": {"app": "web"},
    "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]},
                         {"key": "legacy", "operator": "DoesNotExist"}]})"));
  ASSERT_TRUE(selector.ok()) << selector.status().message();
  EXPECT_TRUE(selector->Matches({{"app", "web"}, {"tier", "b"}}));
  EXPECT_FALSE(selector->Matches({{"app", "web"}, {"tier", "c"}}));
  EXPECT_FALSE(selector->Matches({{"app", "web"}, {"tier", "a"}, {"legacy", "1"}}));
  EXPECT_TRUE(LabelSelector::FromObject(json(nullptr))->Empty());
  EXPECT_FALSE(LabelSelector::FromObject(
                   json::parse(R"({"matchExpressions":[{"key":"a","operator":"In"}]})"))
                   .ok());
}

}  // namespace
}  // namespace converge::kube
