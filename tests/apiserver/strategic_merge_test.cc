// Strategic merge patch on the server. Cases follow the strategic-merge-patch design document
// (kubernetes/community contributors/devel/sig-api-machinery/strategic-merge-patch.md) and
// shared/reference/kubernetes-api.md sections 6-7, including the patch kubectl 1.33 sent in
// the reference lab; the end-to-end check with the real kubectl is in apply_test.cc.

#include "apiserver/strategic_merge.h"

#include <gtest/gtest.h>

#include "apiserver/resources.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

Schema DeploymentSchema() {
  static const std::vector<ResourceType> kTypes = BuiltinResources();
  for (const ResourceType& type : kTypes) {
    if (type.resource == "deployments") return Schema::For(type);
  }
  return Schema::Unknown();
}

json Patch(const json& original, const json& patch) {
  Result<json> result = StrategicMergePatch(original, patch, DeploymentSchema());
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? *result : json();
}

json Containers(const json& object) { return object["spec"]["template"]["spec"]["containers"]; }

json WithContainers(json containers) {
  return {{"spec", {{"template", {{"spec", {{"containers", std::move(containers)}}}}}}}};
}

TEST(StrategicMergeTest, ListsWithAMergeKeyMergeByKey) {
  json original =
      WithContainers(json::parse(R"([{"name":"a","image":"1"},{"name":"b","image":"2"}])"));
  json result =
      Patch(original,
            WithContainers(json::parse(R"([{"name":"b","image":"3"},{"name":"c","image":"4"}])")));
  EXPECT_EQ(Containers(result),
            json::parse(
                R"([{"name":"a","image":"1"},{"name":"b","image":"3"},{"name":"c","image":"4"}])"));
}

TEST(StrategicMergeTest, ListsWithoutAStrategyAreReplaced) {
  json original = WithContainers(json::parse(R"([{"name":"a","args":["x","y"]}])"));
  json result = Patch(original, WithContainers(json::parse(R"([{"name":"a","args":["z"]}])")));
  EXPECT_EQ(Containers(result)[0]["args"], json::array({"z"}));
}

TEST(StrategicMergeTest, DeleteDirectiveRemovesTheKeyedItem) {
  json original = WithContainers(
      json::parse(R"([{"name":"c1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}])"));
  json result = Patch(
      original,
      WithContainers(json::parse(
          R"([{"name":"c1","$setElementOrder/env":[{"name":"A"}],"env":[{"$patch":"delete","name":"B"}]}])")));
  EXPECT_EQ(Containers(result)[0]["env"], json::parse(R"([{"name":"A","value":"1"}])"));
}

TEST(StrategicMergeTest, SetElementOrderReordersAndKeepsServerOnlyItemsLast) {
  json original = WithContainers(json::parse(
      R"([{"name":"c1","image":"a"},{"name":"c2","image":"b"},{"name":"sidecar","image":"s"}])"));
  json patch = json::parse(R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"c2"},{"name":"c1"}],
      "containers":[{"name":"c2","image":"busybox:1.36"}]}}}})");
  json result = Patch(original, patch);
  std::vector<std::string> names;
  for (const json& container : Containers(result)) names.push_back(container["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"c2", "c1", "sidecar"}));
  EXPECT_EQ(Containers(result)[0]["image"], "busybox:1.36");
}

TEST(StrategicMergeTest, RetainKeysClearsTheOtherUnionMembers) {
  json original =
      json::parse(R"({"spec":{"template":{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}}})");
  json patch = json::parse(R"({"spec":{"template":{"spec":{
      "$setElementOrder/volumes":[{"name":"v"}],
      "volumes":[{"$retainKeys":["configMap","name"],"configMap":{"name":"x"},"emptyDir":null,"name":"v"}]}}}})");
  json result = Patch(original, patch);
  EXPECT_EQ(result["spec"]["template"]["spec"]["volumes"],
            json::parse(R"([{"name":"v","configMap":{"name":"x"}}])"));
}

TEST(StrategicMergeTest, ReplaceDirectiveOnAMapAndAList) {
  json original = json::parse(
      R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})");
  json result = Patch(
      original, json::parse(R"({"spec":{"strategy":{"$patch":"replace","type":"Recreate"}}})"));
  EXPECT_EQ(result["spec"]["strategy"], json::parse(R"({"type":"Recreate"})"));

  json list = WithContainers(json::parse(R"([{"name":"a"},{"name":"b"}])"));
  json replaced =
      Patch(list, WithContainers(json::parse(R"([{"name":"z"},{"$patch":"replace"}])")));
  EXPECT_EQ(Containers(replaced), json::parse(R"([{"name":"z"}])"));
}

TEST(StrategicMergeTest, NullDeletesAndPrimitiveListsUnion) {
  json original =
      json::parse(R"({"metadata":{"labels":{"a":"1","b":"2"},"finalizers":["x","y"]}})");
  json result =
      Patch(original, json::parse(R"({"metadata":{"labels":{"b":null},"finalizers":["z"]}})"));
  EXPECT_EQ(result["metadata"]["labels"], json::parse(R"({"a":"1"})"));
  // apimachinery's mergeSortedSlice puts patch items that the original lacks before the
  // server-only ones.
  EXPECT_EQ(result["metadata"]["finalizers"], json::parse(R"(["z","x","y"])"));
  json removed =
      Patch(original, json::parse(R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["x"]}})"));
  EXPECT_EQ(removed["metadata"]["finalizers"], json::parse(R"(["y"])"));
}

TEST(StrategicMergeTest, RefusesMalformedDirectives) {
  Schema schema = DeploymentSchema();
  EXPECT_FALSE(
      StrategicMergePatch(json::object(), json::parse(R"({"$patch":"explode"})"), schema).ok());
  EXPECT_FALSE(StrategicMergePatch(WithContainers(json::array({{{"name", "a"}}})),
                                   WithContainers(json::parse(R"([{"image":"no-key"}])")), schema)
                   .ok())
      << "a merge-list item needs its merge key";
}

}  // namespace
}  // namespace converge::apiserver
