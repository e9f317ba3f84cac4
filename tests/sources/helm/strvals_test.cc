// --set, --set-string, --set-json, --set-literal and -f parse and type values as helm4 does:
// each case's values are printed by the same template by helm4 and by Converge.

#include <gtest/gtest.h>

#include "sources/helm/helm.h"
#include "sources/helm/template/template.h"
#include "tests/support/support.h"

namespace converge::sources::helm {
namespace {

constexpr std::string_view kTemplate =
    "# {{ range $k, $v := .Values }}{{ $k }}:{{ typeOf $v }}={{ $v | toJson }};{{ end }}\n";

struct SetCase {
  std::string flag;  // --set, --set-string, --set-json, --set-literal
  std::string value;
};

std::string Ours(const SetCase& c) {
  ValueOptions options;
  if (c.flag == "--set") options.set = {c.value};
  if (c.flag == "--set-string") options.set_string = {c.value};
  if (c.flag == "--set-json") options.set_json = {c.value};
  if (c.flag == "--set-literal") options.set_literal = {c.value};
  Result<tmpl::Value> values = MergeUserValues(options);
  if (!values.ok()) return "error";
  tmpl::TemplateSet set;
  EXPECT_TRUE(set.AddFile("t", kTemplate).ok());
  tmpl::Value dot = tmpl::Value::Map();
  dot.mutable_map()["Values"] = *values;
  Result<std::string> text = set.Execute("t", dot);
  return text.ok() ? *text : "error: " + text.status().message();
}

TEST(StrvalsTest, SetFlagsMatchHelm) {
  converge::testing::TempDir dir;
  dir.Write("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n");
  dir.Write("c/templates/v.yaml", kTemplate);
  const std::vector<SetCase> cases = {
      {"--set", "a=1"},
      {"--set", "a=1.5,b=-5,c=+5"},
      {"--set", "a=true,b=False,c=NULL"},
      {"--set", "a=0,b=01,c=0x10"},
      {"--set", "a={x,y,1}"},
      {"--set", "a={}"},
      {"--set", "a.b.c=d,a.e=f"},
      {"--set", "a[1]=x"},
      {"--set", "a[0].b=1,a[2]=z"},
      {"--set", "a[1][1]=n"},
      {"--set", "dot\\.key=v,b=x\\,y"},
      {"--set", "a="},
      {"--set", "a=\"quoted\",b='single'"},
      {"--set", "big=12345678901234567890"},
      {"--set", "name=a b,c=1e3"},
      {"--set-string", "a=1,b=true,c=null"},
      {"--set-json", "a={\"b\":[1,2.5,\"x\"],\"c\":null}"},
      {"--set-json", "x=1.50,y=\"s\""},
      {"--set-json", "{\"m\":{\"n\":1}}"},
      {"--set-literal", "a.b=1,2,{x}\\y"},
  };
  for (const SetCase& c : cases) {
    converge::testing::ProcessResult helm =
        converge::testing::Run({(converge::testing::OracleDir() / "helm4").string(), "template",
                                "rel", (dir.path() / "c").string(), c.flag, c.value});
    std::string expected = "error";
    std::string header = "---\n# Source: c/templates/v.yaml\n";
    if (helm.exit_code == 0) {
      ASSERT_TRUE(helm.out.starts_with(header)) << helm.out;
      expected = helm.out.substr(header.size());
    }
    EXPECT_EQ(Ours(c), expected) << c.flag << " " << c.value;
  }
}

}  // namespace
}  // namespace converge::sources::helm
