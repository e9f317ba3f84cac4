#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/process.h"
#include "tests/support/support.h"

namespace converge::testing {

namespace fs = std::filesystem;
using nlohmann::json;

ProcessResult Run(const std::vector<std::string>& argv, const fs::path& cwd) {
  ProcessResult result;
  Result<CommandOutput> output = RunCommand({.argv = argv, .cwd = cwd});
  if (!output.ok()) {
    result.err = output.status().message();
    return result;
  }
  result.exit_code = output->exit_code;
  result.out = std::move(output->out);
  result.err = std::move(output->err);
  return result;
}

namespace {

fs::path Helm() {
  fs::path helm = OracleDir() / "helm4";
  if (!fs::exists(helm)) {
    ADD_FAILURE() << "oracle " << helm << " is missing: run shared/tools/install-oracles";
  }
  return helm;
}

void WriteChart(const TempDir& dir, std::string_view template_text) {
  dir.Write("chart/Chart.yaml", "apiVersion: v2\nname: oracle\nversion: 0.1.0\n");
  dir.Write("chart/templates/out.yaml", template_text);
}

// The rendered template body: everything after Helm's "---\n# Source: ..." header.
std::string RenderedBody(const std::string& out) {
  size_t source = out.find("# Source: ");
  if (source == std::string::npos) return out;
  size_t newline = out.find('\n', source);
  return newline == std::string::npos ? "" : out.substr(newline + 1);
}

std::string FromBase64(std::string_view text) {
  std::optional<std::string> decoded = Base64Decode(text);
  EXPECT_TRUE(decoded.has_value()) << "helm printed bad base64: " << text;
  return decoded.value_or("");
}

}  // namespace

json HelmReadYamlFiles(const std::vector<std::pair<std::string, std::string>>& files) {
  TempDir dir;
  // One YAML comment line per file, so that Helm accepts the output as a manifest:
  // "#oracle NAME base64(toJson) base64(toYaml)" or "#oracle NAME ! base64(error)".
  WriteChart(dir,
             "{{- range $path, $_ := .Files.Glob \"cases/*\" }}\n"
             "{{- $v := $.Files.Get $path | fromYaml }}\n"
             "{{- if and (eq (len $v) 1) (hasKey $v \"Error\") }}\n"
             "#oracle {{ base $path }} ! {{ $v.Error | b64enc }}\n"
             "{{- else }}\n"
             "#oracle {{ base $path }} {{ toJson $v | b64enc }} {{ toYaml $v | b64enc }}\n"
             "{{- end }}\n"
             "{{- end }}\n");
  for (const auto& [name, content] : files) dir.Write("chart/cases/" + name, content);
  ProcessResult run = Run({Helm().string(), "template", "oracle", (dir.path() / "chart").string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  json results = json::object();
  std::string body = RenderedBody(run.out);
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(pos, end - pos);
    pos = end + 1;
    if (!line.starts_with("#oracle ")) continue;
    line.erase(0, 8);
    size_t tab1 = line.find(' ');
    size_t tab2 = tab1 == std::string::npos ? tab1 : line.find(' ', tab1 + 1);
    if (tab2 == std::string::npos) continue;
    std::string name = line.substr(0, tab1);
    std::string first = line.substr(tab1 + 1, tab2 - tab1 - 1);
    std::string second = line.substr(tab2 + 1);
    if (first == "!") {
      results[name] = {{"error", FromBase64(second)}};
    } else {
      results[name] = {{"json", FromBase64(first)}, {"yaml", FromBase64(second)}};
    }
  }
  return results;
}

json HelmReadValuesFile(std::string_view content) {
  TempDir dir;
  WriteChart(dir, "#oracle {{ toJson .Values | b64enc }}\n");
  fs::path values = dir.Write("values-under-test.yaml", content);
  ProcessResult run = Run({Helm().string(), "template", "oracle", (dir.path() / "chart").string(),
                           "-f", values.string()});
  if (run.exit_code != 0) return {{"error", run.err}};
  std::string body = RenderedBody(run.out);
  size_t marker = body.find("#oracle ");
  if (marker == std::string::npos) return {{"error", "no oracle line in: " + run.out}};
  return {{"json", FromBase64(body.substr(marker + 8, body.find('\n', marker) - marker - 8))}};
}

}  // namespace converge::testing
