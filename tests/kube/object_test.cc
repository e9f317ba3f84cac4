#include <set>
#include <unordered_set>

#include <gtest/gtest.h>

#include "kube/kube.h"

namespace converge::kube {
namespace {

using nlohmann::json;

Object Deployment() {
  return Object(json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "prod",
                 "labels": {"app": "web"}, "annotations": {"note": "x"}}
  })"));
}

TEST(ObjectTest, ReadsIdentity) {
  Object object = Deployment();
  EXPECT_EQ(object.ApiVersion(), "apps/v1");
  EXPECT_EQ(object.Group(), "apps");
  EXPECT_EQ(object.Version(), "v1");
  EXPECT_EQ(object.Kind(), "Deployment");
  EXPECT_EQ(object.Name(), "web");
  EXPECT_EQ(object.Namespace(), "prod");
  EXPECT_EQ(object.Label("app"), "web");
  EXPECT_EQ(object.Annotation("note"), "x");
  EXPECT_EQ(object.Label("missing"), "");
}

TEST(ObjectTest, CoreGroupIsEmpty) {
  Object object(json{{"apiVersion", "v1"}, {"kind", "Service"}});
  EXPECT_EQ(object.Group(), "");
  EXPECT_EQ(object.Version(), "v1");
}

TEST(ObjectTest, WrongTypesReadAsEmpty) {
  Object object(json{{"apiVersion", 3}, {"metadata", {{"labels", "not-a-map"}, {"name", 7}}}});
  EXPECT_EQ(object.ApiVersion(), "");
  EXPECT_EQ(object.Name(), "");
  EXPECT_TRUE(object.Labels().empty());
  Object scalar(json("text"));
  EXPECT_EQ(scalar.Kind(), "");
  EXPECT_TRUE(scalar.Annotations().empty());
}

TEST(ObjectTest, SettersCreateMissingMaps) {
  Object object(json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}});
  object.SetName("cm");
  object.SetNamespace("default");
  object.SetLabel("app.kubernetes.io/managed-by", "converge");
  object.SetAnnotation("converge.dev/tracking-id", "default_app:/ConfigMap:default/cm");
  EXPECT_EQ(object.Name(), "cm");
  EXPECT_EQ(object.Namespace(), "default");
  EXPECT_EQ(object.Label("app.kubernetes.io/managed-by"), "converge");
  EXPECT_EQ(object.Annotation("converge.dev/tracking-id"), "default_app:/ConfigMap:default/cm");
}

TEST(ObjectTest, DescribeNeverPrintsData) {
  Object secret(json::parse(
      R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"prod"},
          "data":{"password":"aHVudGVyMg=="}})"));
  EXPECT_EQ(Describe(secret), "Secret/prod/db");
  Object cluster_scoped(json{{"kind", "Namespace"}, {"metadata", {{"name", "prod"}}}});
  EXPECT_EQ(Describe(cluster_scoped), "Namespace/prod");
  Object generated(json{{"kind", "Job"}, {"metadata", {{"generateName", "migrate-"}}}});
  EXPECT_EQ(Describe(generated), "Job/migrate-*");
}

TEST(ResourceKeyTest, OrdersByGroupKindNamespaceName) {
  std::set<ResourceKey> keys = {
      {"apps", "Deployment", "b", "x"},
      {"", "Service", "a", "y"},
      {"apps", "Deployment", "a", "z"},
      {"", "ConfigMap", "a", "a"},
  };
  std::vector<std::string> order;
  for (const ResourceKey& key : keys) order.push_back(key.ToString());
  EXPECT_EQ(order, (std::vector<std::string>{"/ConfigMap:a/a", "/Service:a/y",
                                             "apps/Deployment:a/z", "apps/Deployment:b/x"}));
}

TEST(ResourceKeyTest, HashesEqualKeysEqually) {
  std::unordered_set<ResourceKey> keys;
  keys.insert(Deployment().Key());
  keys.insert(Deployment().Key());
  keys.insert({"apps", "Deployment", "prod", "api"});
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(Deployment().Key(), (ResourceKey{"apps", "Deployment", "prod", "web"}));
}

}  // namespace
}  // namespace converge::kube
