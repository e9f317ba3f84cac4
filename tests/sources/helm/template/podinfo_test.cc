// podinfo's deployment.yaml (the benchmark's workload) renders as helm4 renders it.

#include <gtest/gtest.h>

#include "kube/kube.h"
#include "sources/helm/template/template.h"
#include "tests/support/support.h"

namespace converge::sources::helm::tmpl {
namespace {

namespace fs = std::filesystem;
using converge::testing::ReadFile;

Value Yaml(const std::string& text) {
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(text, "values.yaml");
  if (!documents.ok() || documents->empty()) return Value::Map();
  return Value::FromJson(documents->front().value);
}

TEST(PodinfoTest, DeploymentMatchesHelm) {
  fs::path chart = converge::testing::CorpusDir() / "gitops/podinfo/charts/podinfo";
  TemplateSet set;
  ASSERT_TRUE(set.AddFile("podinfo/templates/deployment.yaml",
                          ReadFile(chart / "templates/deployment.yaml"))
                  .ok());
  ASSERT_TRUE(
      set.AddFile("podinfo/templates/_helpers.tpl", ReadFile(chart / "templates/_helpers.tpl"))
          .ok());
  Value values = Value::Map(ElemType::kValues);
  values.mutable_map() = Yaml(ReadFile(chart / "values.yaml")).map();
  Value chart_yaml = Yaml(ReadFile(chart / "Chart.yaml"));
  Value chart_map = Value::Map();
  chart_map.mutable_map()["Name"] = chart_yaml.map().at("name");
  chart_map.mutable_map()["Version"] = chart_yaml.map().at("version");
  chart_map.mutable_map()["AppVersion"] = chart_yaml.map().at("appVersion");
  Value release = Value::Map();
  release.mutable_map()["Name"] = Value::String("release-name");
  release.mutable_map()["Namespace"] = Value::String("default");
  release.mutable_map()["Service"] = Value::String("Helm");
  Value dot = Value::Map();
  dot.mutable_map()["Values"] = values;
  dot.mutable_map()["Chart"] = chart_map;
  dot.mutable_map()["Release"] = release;
  Result<std::string> ours = set.Execute("podinfo/templates/deployment.yaml", dot);
  ASSERT_TRUE(ours.ok()) << ours.status().message();

  converge::testing::ProcessResult helm =
      converge::testing::Run({(converge::testing::OracleDir() / "helm4").string(), "template",
                              chart.string(), "--show-only", "templates/deployment.yaml"});
  ASSERT_EQ(helm.exit_code, 0) << helm.err;
  std::string header = "---\n# Source: podinfo/templates/deployment.yaml\n";
  ASSERT_TRUE(helm.out.starts_with(header));
  std::string expected = helm.out.substr(header.size());
  // helm trims each rendered document and ends it with one newline.
  std::string text = StripNoValue(*ours);
  size_t first = text.find_first_not_of(" \t\r\n");
  size_t last = text.find_last_not_of(" \t\r\n");
  EXPECT_EQ(text.substr(first, last - first + 1) + "\n", expected);
}

}  // namespace
}  // namespace converge::sources::helm::tmpl
