// FieldsV1 sets as structured-merge-diff writes them (shared/reference/kubernetes-api.md
// section 5 gives the format and the example used here).

#include "apiserver/fieldset.h"

#include <gtest/gtest.h>

#include "apiserver/resources.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

Schema Deployments() {
  static const std::vector<ResourceType> kTypes = BuiltinResources();
  for (const ResourceType& type : kTypes) {
    if (type.resource == "deployments") return Schema::For(type);
  }
  return Schema::Unknown();
}

TEST(FieldSetTest, FieldsOfADeploymentMatchTheDocumentedFormat) {
  json object = json::parse(R"({"spec":{"replicas":2,"template":{"spec":{"containers":[
      {"name":"c","image":"nginx","ports":[{"containerPort":80}]}]}}}})");
  FieldSet fields = FieldSet::Of(object, Deployments());
  json port = {{".", json::object()}, {"f:containerPort", json::object()}};
  json container = {{".", json::object()},
                    {"f:image", json::object()},
                    {"f:name", json::object()},
                    {"f:ports", {{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}", port}}}};
  json expected = {
      {"f:spec",
       {{"f:replicas", json::object()},
        {"f:template", {{"f:spec", {{"f:containers", {{"k:{\"name\":\"c\"}", container}}}}}}}}}};
  EXPECT_EQ(fields.ToFieldsV1(), expected);
}

TEST(FieldSetTest, RoundTripsAndSetOperations) {
  json v1 =
      json::parse(R"({"f:metadata":{"f:labels":{"f:a":{},"f:b":{}}},"f:spec":{"f:replicas":{}}})");
  FieldSet a = FieldSet::FromFieldsV1(v1);
  EXPECT_EQ(a.ToFieldsV1(), v1);
  FieldSet b = FieldSet::FromFieldsV1(json::parse(R"({"f:metadata":{"f:labels":{"f:b":{}}}})"));
  EXPECT_EQ(a.Difference(b).ToFieldsV1(),
            json::parse(R"({"f:metadata":{"f:labels":{"f:a":{}}},"f:spec":{"f:replicas":{}}})"));
  EXPECT_EQ(a.Intersection(b).ToFieldsV1(),
            json::parse(R"({"f:metadata":{"f:labels":{"f:b":{}}}})"));
  EXPECT_TRUE(a.Contains({"f:spec", "f:replicas"}));
  EXPECT_FALSE(a.Contains({"f:spec"}));
  EXPECT_TRUE(a.ContainsPrefix({"f:spec"}));
  EXPECT_EQ(a.Members().size(), 3u);
}

TEST(FieldSetTest, PathsPrintAsConflictsShowThem) {
  EXPECT_EQ(FieldSet::PathString({"f:spec", "f:replicas"}), ".spec.replicas");
  EXPECT_EQ(FieldSet::PathString({"f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:image"}),
            ".spec.containers[name=\"c\"].image");
  EXPECT_EQ(FieldSet::PathString({"f:metadata", "f:finalizers", "v:\"x\""}),
            ".metadata.finalizers[=\"x\"]");
}

TEST(FieldSetTest, LookupAndRemoveFollowKeys) {
  json object = json::parse(R"({"spec":{"ports":[{"port":80,"protocol":"TCP"},{"port":81}]}})");
  std::vector<std::string> second = {"f:spec", "f:ports", "k:{\"port\":81,\"protocol\":\"TCP\"}"};
  ASSERT_NE(Lookup(object, second), nullptr);
  Remove(object, second);
  EXPECT_EQ(object["spec"]["ports"].size(), 1u);
  Remove(object, {"f:spec", "f:ports"});
  EXPECT_FALSE(object["spec"].contains("ports"));
}

}  // namespace
}  // namespace converge::apiserver
