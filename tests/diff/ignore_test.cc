#include <gtest/gtest.h>

#include "diff/diff.h"
#include "tests/diff/diff_test_util.h"

namespace converge::diff {
namespace {

using nlohmann::json;
using testing::Dump;
using testing::ParseObject;

// A live Deployment with two containers and an injected init container, as a mutating webhook
// leaves it, applied by converge except where noted.
constexpr const char* kLive = R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {team: web, injector.example.com/status: injected}
  managedFields:
  - manager: converge
    operation: Apply
    apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata: {f:annotations: {f:team: {}}}
      f:spec:
        f:replicas: {}
        f:template:
          f:spec:
            f:containers:
              k:{"name":"app"}: {.: {}, f:image: {}, f:name: {}}
              k:{"name":"proxy"}: {.: {}, f:image: {}, f:name: {}}
  - manager: injector
    operation: Update
    apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata: {f:annotations: {f:injector.example.com/status: {}}}
      f:spec:
        f:template:
          f:spec:
            f:initContainers:
              k:{"name":"istio-init"}: {.: {}, f:image: {}, f:name: {}}
            f:containers:
              k:{"name":"proxy"}: {f:image: {}}
spec:
  replicas: 3
  template:
    spec:
      initContainers:
      - {name: istio-init, image: "proxy:1.24"}
      containers:
      - {name: app, image: "shop:2.0"}
      - {name: proxy, image: "proxy:1.24-patched"}
)";

constexpr const char* kDesired = R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {team: web}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - {name: app, image: "shop:1.0"}
      - {name: proxy, image: "proxy:1.24"}
)";

std::vector<std::string> Paths(const IgnoreRule& rule) {
  Result<Differ> differ = Differ::Create({.ignore_differences = {rule}});
  EXPECT_TRUE(differ.ok()) << differ.status().ToString();
  kube::Object desired = ParseObject(kDesired);
  kube::Object live = ParseObject(kLive);
  ResourceDiff result = differ->Compare(&desired, &live);
  Dump(result);
  std::vector<std::string> paths;
  for (const Difference& d : result.differences) paths.push_back(d.path);
  return paths;
}

const std::vector<std::string> kAll = {"/spec/replicas", "/spec/template/spec/containers/0/image",
                                       "/spec/template/spec/containers/1/image"};

TEST(IgnoreTest, NoRule) { EXPECT_EQ(Paths({}), kAll); }

TEST(IgnoreTest, JsonPointers) {
  EXPECT_EQ(Paths({.group = "apps", .kind = "Deployment", .json_pointers = {"/spec/replicas"}}),
            (std::vector<std::string>{"/spec/template/spec/containers/0/image",
                                      "/spec/template/spec/containers/1/image"}));
  EXPECT_EQ(Paths({.group = "apps",
                   .kind = "Deployment",
                   .json_pointers = {"/spec/template/spec/containers/1", "/spec/absent/x"}}),
            (std::vector<std::string>{"/spec/replicas", "/spec/template/spec/containers/0/image"}));
}

TEST(IgnoreTest, RuleMatchesGroupKindNameAndNamespace) {
  IgnoreRule rule{.json_pointers = {"/spec/replicas"}};
  rule.group = "apps";
  EXPECT_EQ(Paths(rule).size(), 2u);
  rule.group = "*";
  rule.kind = "Deployment";
  rule.name = "web";
  rule.ns = "shop";
  EXPECT_EQ(Paths(rule).size(), 2u);
  for (auto mismatch :
       {&IgnoreRule::group, &IgnoreRule::kind, &IgnoreRule::name, &IgnoreRule::ns}) {
    IgnoreRule other = rule;
    other.*mismatch = "other";
    EXPECT_EQ(Paths(other), kAll);
  }
  IgnoreRule core{.group = "", .kind = "Deployment", .json_pointers = {"/spec/replicas"}};
  EXPECT_EQ(Paths(core), kAll);
}

TEST(IgnoreTest, JqPathExpressions) {
  struct Case {
    const char* expression;
    std::vector<std::string> remaining;
  };
  const Case cases[] = {
      {".spec.replicas", {kAll[1], kAll[2]}},
      {".spec[\"replicas\"]", {kAll[1], kAll[2]}},
      {".spec.template.spec.containers[]", {kAll[0]}},
      {".spec.template.spec.containers[1].image", {kAll[0], kAll[1]}},
      {".spec.template.spec.containers[] | select(.name == \"proxy\")", {kAll[0], kAll[1]}},
      {".spec.template.spec.containers[] | select(.name != \"proxy\") | .image",
       {kAll[0], kAll[2]}},
      {".spec.template.spec.containers[] | select(.name | startswith(\"pro\")) | .image",
       {kAll[0], kAll[1]}},
      {".spec.template.spec.containers[] | select(.name | endswith(\"xy\"))", {kAll[0], kAll[1]}},
      {".spec.template.spec.containers[] | select(.image | contains(\"1.24\")) | .image",
       {kAll[0], kAll[1]}},
      {".spec.template.spec.containers[] | select(.name | test(\"^p[a-z]+y$\"))",
       {kAll[0], kAll[1]}},
      {".spec.template.spec.containers[] | select(.name == \"app\" or .name == \"proxy\")",
       {kAll[0]}},
      {".spec.template.spec.containers[] | select(.name == \"app\" and .image == \"x\")", kAll},
      {".spec.template.spec.containers[] | select(.name == \"app\" | not)", {kAll[0], kAll[1]}},
      {".spec.template.spec.initContainers[]?", kAll},
      {".metadata.annotations.team", kAll},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Paths({.group = "apps", .kind = "Deployment", .jq_path_expressions = {c.expression}}),
              c.remaining)
        << c.expression;
  }
}

TEST(IgnoreTest, BadExpressionsAreRefusedWithTheirPosition) {
  struct Case {
    IgnoreRule rule;
    const char* message;
  };
  const Case cases[] = {
      {{.jq_path_expressions = {".a["}},
       "ignoreDifferences[0]: jqPathExpressions: jq \".a[\": 4: expected ], a number or a string"},
      {{.jq_path_expressions = {".a == 1"}},
       "ignoreDifferences[0]: jqPathExpressions: jq \".a == 1\": not a path expression"},
      {{.jq_path_expressions = {".a | length"}},
       "ignoreDifferences[0]: jqPathExpressions: jq \".a | length\": 6: unsupported function "
       "\"length\""},
      {{.jq_path_expressions = {".a[] | select(.n | test(\"(x|y)\"))"}},
       "ignoreDifferences[0]: jqPathExpressions: jq \".a[] | select(.n | test(\"(x|y)\"))\": 25: "
       "regex \"(x|y)\": '(' is not supported (no groups, alternation or counted repeats)"},
      {{.json_pointers = {"spec/replicas"}},
       "ignoreDifferences[0]: jsonPointers: json pointer \"spec/replicas\": must start with '/'"},
      {{.json_pointers = {"/a~2"}},
       "ignoreDifferences[0]: jsonPointers: json pointer \"/a~2\": '~' must be followed by 0 or 1"},
  };
  for (const Case& c : cases) {
    Result<Differ> differ = Differ::Create({.ignore_differences = {c.rule}});
    ASSERT_FALSE(differ.ok()) << c.message;
    EXPECT_EQ(differ.status().message(), c.message);
  }
}

TEST(IgnoreTest, ManagedFieldsManagers) {
  // The injector owns proxy's image: its change disappears, converge's own drift stays.
  EXPECT_EQ(Paths({.group = "apps", .kind = "Deployment", .managed_fields_managers = {"injector"}}),
            (std::vector<std::string>{kAll[0], kAll[1]}));
  EXPECT_EQ(
      Paths({.group = "apps", .kind = "Deployment", .managed_fields_managers = {"someone-else"}}),
      kAll);
}

TEST(IgnoreTest, ControllerWideDefaultsApplyToo) {
  Result<Differ> differ = Differ::Create(
      {.default_ignore_differences = {{.group = "apps", .json_pointers = {"/spec/replicas"}}}});
  ASSERT_TRUE(differ.ok());
  kube::Object desired = ParseObject(kDesired);
  kube::Object live = ParseObject(kLive);
  EXPECT_EQ(differ->Compare(&desired, &live).differences.size(), 2u);
  Result<Differ> bad = Differ::Create({.default_ignore_differences = {{.json_pointers = {"x"}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("default ignoreDifferences[0]: ", 0), 0u);
}

// RespectIgnoreDifferences: what a rule selects is written with live's value; the rest as
// desired.
json Kept(const IgnoreRule& rule, const char* desired_yaml = kDesired,
          const char* live_yaml = kLive) {
  Result<Differ> differ = Differ::Create({.ignore_differences = {rule}});
  EXPECT_TRUE(differ.ok()) << differ.status().ToString();
  return differ->KeepIgnored(ParseObject(desired_yaml), ParseObject(live_yaml)).json();
}

TEST(KeepIgnoredTest, JsonPointerTakesLiveValue) {
  json kept = Kept({.group = "apps", .kind = "Deployment", .json_pointers = {"/spec/replicas"}});
  EXPECT_EQ(kept["spec"]["replicas"], 3);
  EXPECT_EQ(kept["spec"]["template"]["spec"]["containers"][0]["image"], "shop:1.0");
  EXPECT_EQ(kept["spec"]["template"]["spec"]["containers"][1]["image"], "proxy:1.24");
  EXPECT_EQ(kept["metadata"]["annotations"], json({{"team", "web"}}));
  EXPECT_FALSE(kept["metadata"].contains("managedFields"));
}

TEST(KeepIgnoredTest, ManagersFieldsTakeLiveValuesItemByItem) {
  json kept =
      Kept({.group = "apps", .kind = "Deployment", .managed_fields_managers = {"injector"}});
  const json& pod = kept["spec"]["template"]["spec"];
  EXPECT_EQ(kept["spec"]["replicas"], 2);
  EXPECT_EQ(pod["containers"], json::parse(R"([{"name":"app","image":"shop:1.0"},
                            {"name":"proxy","image":"proxy:1.24-patched"}])"));
  EXPECT_EQ(pod["initContainers"], json::parse(R"([{"name":"istio-init","image":"proxy:1.24"}])"));
  EXPECT_EQ(kept["metadata"]["annotations"]["injector.example.com/status"], "injected");
  EXPECT_EQ(kept["metadata"]["annotations"]["team"], "web");
}

TEST(KeepIgnoredTest, FieldsAbsentFromLiveAreLeftOutAndStatusIsNeverTaken) {
  const char* desired =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1', b: '2'}\n";
  const char* live =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '9', c: '3'}\n"
      "status: {x: y}\n";
  json kept =
      Kept({.kind = "ConfigMap", .jq_path_expressions = {".data.a", ".data.b"}}, desired, live);
  EXPECT_EQ(kept["data"], json({{"a", "9"}}));
  EXPECT_FALSE(kept.contains("status"));
  // A rule for another kind changes nothing.
  EXPECT_EQ(Kept({.kind = "Secret", .json_pointers = {"/data/a"}}, desired, live),
            ParseObject(desired).json());
}

}  // namespace
}  // namespace converge::diff
