#include "tests/sources/helm/template/cases.h"

#include <algorithm>
#include <fstream>

#include "base/base64.h"
#include "base/utf8.h"
#include "kube/kube.h"
#include "sources/helm/template/template.h"
#include "tests/support/support.h"

namespace converge::sources::helm::tmpl::testing {

namespace fs = std::filesystem;
using converge::testing::OracleDir;
using converge::testing::ReadFile;
using converge::testing::Run;
using converge::testing::SourceDir;
using converge::testing::TempDir;

// Outputs that are not valid UTF-8 (a byte-wise trunc of "ü") are kept as base64.
nlohmann::json Outcome::ToJson() const {
  if (error) return {{"error", ValidUtf8(message)}};
  if (ValidUtf8(output) != output) return {{"output_base64", Base64Encode(output)}};
  return {{"output", output}};
}

Outcome Outcome::FromJson(const nlohmann::json& json) {
  Outcome outcome;
  if (json.contains("error")) {
    outcome.error = true;
    outcome.message = json["error"].get<std::string>();
  } else if (json.contains("output_base64")) {
    outcome.output = Base64Decode(json["output_base64"].get<std::string>()).value_or("");
  } else {
    outcome.output = json["output"].get<std::string>();
  }
  return outcome;
}

fs::path SuiteDir() { return SourceDir() / "tests/sources/helm/template"; }

std::vector<std::string> Families() {
  std::vector<std::string> families;
  for (const auto& entry : fs::directory_iterator(SuiteDir() / "cases")) {
    if (entry.path().extension() == ".txt") families.push_back(entry.path().stem().string());
  }
  std::sort(families.begin(), families.end());
  return families;
}

std::vector<Case> LoadCases(const std::string& family) {
  std::string text = ReadFile(SuiteDir() / "cases" / (family + ".txt"));
  std::vector<Case> cases;
  std::string* section = nullptr;
  size_t pos = 0;
  auto finish = [&] {
    if (section != nullptr && section->ends_with('\n')) section->pop_back();
  };
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.starts_with("=== ")) {
      finish();
      Case c;
      c.family = family;
      c.name = line.substr(4);
      char index[16];
      std::snprintf(index, sizeof(index), "%04zu", cases.size() + 1);
      c.id = family + "-" + index;
      cases.push_back(std::move(c));
      section = &cases.back().text;
      continue;
    }
    if (line == "--- values" && !cases.empty()) {
      finish();
      section = &cases.back().values;
      continue;
    }
    if (section == nullptr) continue;
    *section += line;
    *section += '\n';
  }
  finish();
  return cases;
}

namespace {

std::string CaseFile(const Case& c) { return "c/charts/" + c.id + "/templates/_c.tpl"; }

Value CaseData(const Case& c) {
  Value values = Value::Map();
  if (!c.values.empty()) {
    Result<std::vector<kube::Document>> documents = kube::DecodeStream(c.values, "values.yaml");
    if (documents.ok() && !documents->empty()) values = Value::FromJson(documents->front().value);
    if (values.kind() != Value::Kind::kMap) values = Value::Map();
  }
  values.mutable_map()["global"] = Value::Map();
  Value typed = Value::Map(ElemType::kValues);
  typed.mutable_map() = values.map();
  values = typed;
  Value data = Value::Map();
  data.mutable_map()["Values"] = values;
  Value release = Value::Map();
  release.mutable_map()["Name"] = Value::String("release-name");
  release.mutable_map()["Namespace"] = Value::String("default");
  release.mutable_map()["Revision"] = Value::Int(1);
  release.mutable_map()["IsInstall"] = Value::Bool(true);
  release.mutable_map()["IsUpgrade"] = Value::Bool(false);
  release.mutable_map()["Service"] = Value::String("Helm");
  data.mutable_map()["Release"] = release;
  Value chart = Value::Map();
  chart.mutable_map()["Name"] = Value::String(c.id);
  chart.mutable_map()["Version"] = Value::String("0.1.0");
  chart.mutable_map()["APIVersion"] = Value::String("v2");
  data.mutable_map()["Chart"] = chart;
  Value tmpl = Value::Map();
  tmpl.mutable_map()["Name"] = Value::String("c/charts/" + c.id + "/templates/out.yaml");
  tmpl.mutable_map()["BasePath"] = Value::String("c/charts/" + c.id + "/templates");
  data.mutable_map()["Template"] = tmpl;
  return data;
}

// Helm's cleanupParseError: "parse error at (LOCATION): LAST-MESSAGE".
std::string ParseErrorAsHelm(const std::string& message) {
  std::vector<std::string> tokens;
  size_t start = 0;
  while (true) {
    size_t found = message.find(": ", start);
    tokens.push_back(message.substr(start, found - start));
    if (found == std::string::npos) break;
    start = found + 2;
  }
  if (tokens.size() < 2) return "parse error in (...): " + message;
  return "parse error at (" + tokens[1] + "): " + tokens.back();
}

// The part of an execution error both tools agree on: the innermost message.
std::string ExecCore(std::string message) {
  size_t at = message.rfind(">: ");
  if (at != std::string::npos) message = message.substr(at + 3);
  for (const char* prefix :
       {"error calling fail: ", "error calling required: ", "error calling include: "}) {
    if (message.starts_with(prefix)) message = message.substr(std::string(prefix).size());
  }
  return message;
}

std::string HelmCore(const std::string& err) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < err.size()) {
    size_t end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("Use --debug")) break;
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.empty()) return err;
  std::string first = lines.front();
  if (first.starts_with("Error: ")) first = first.substr(7);
  if (first.starts_with("parse error")) return first;
  if (first.starts_with("execution error at (")) return first.substr(first.find("): ") + 3);
  std::string last = lines.back();
  size_t indent = last.find_first_not_of(' ');
  last = last.substr(indent == std::string::npos ? 0 : indent);
  if (last.starts_with("Error: ")) last = last.substr(7);
  return ExecCore(last);
}

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

void WriteChart(const TempDir& dir, const std::vector<const Case*>& cases) {
  fs::remove_all(dir.path() / "c");
  WriteFile(dir.path() / "c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n");
  for (const Case* c : cases) {
    fs::path chart = dir.path() / "c/charts" / c->id;
    WriteFile(chart / "Chart.yaml", "apiVersion: v2\nname: " + c->id + "\nversion: 0.1.0\n");
    WriteFile(chart / "values.yaml", c->values.empty() ? "" : c->values + "\n");
    WriteFile(chart / "templates/_c.tpl", c->text);
    WriteFile(chart / "templates/out.yaml",
              "v: {{ include \"" + CaseFile(*c) + "\" . | b64enc }}\n");
  }
}

}  // namespace

Outcome RenderWithEngine(const Case& c) {
  Outcome outcome;
  TemplateSet set;
  Status parsed = set.AddFile(CaseFile(c), c.text);
  if (!parsed.ok()) {
    outcome.error = true;
    outcome.message = ParseErrorAsHelm(parsed.message());
    return outcome;
  }
  Result<std::string> text = set.Execute(CaseFile(c), CaseData(c));
  if (!text.ok()) {
    outcome.error = true;
    outcome.message = ExecCore(text.status().message());
    return outcome;
  }
  outcome.output = StripNoValue(std::move(*text));
  return outcome;
}

namespace {

// One helm4 run per attempt: a failing case stops the whole chart, so it is recorded and the
// rest rendered again. Small batches keep those reruns cheap.
void RenderBatch(const TempDir& dir, std::vector<const Case*> pending,
                 std::map<std::string, Outcome>& outcomes) {
  std::vector<std::string> argv = {(OracleDir() / "helm4").string(), "template", "c"};
  while (!pending.empty()) {
    WriteChart(dir, pending);
    converge::testing::ProcessResult result = Run(argv, dir.path());
    if (result.exit_code == 0) {
      std::string marker = "# Source: c/charts/";
      size_t pos = 0;
      while ((pos = result.out.find(marker, pos)) != std::string::npos) {
        size_t id_start = pos + marker.size();
        size_t id_end = result.out.find('/', id_start);
        std::string id = result.out.substr(id_start, id_end - id_start);
        size_t line = result.out.find("\nv:", id_end);
        size_t line_end = result.out.find('\n', line + 1);
        std::string encoded = result.out.substr(line + 3, line_end - line - 3);
        size_t first = encoded.find_first_not_of(' ');
        encoded = first == std::string::npos ? "" : encoded.substr(first);
        Outcome outcome;
        outcome.output = StripNoValue(Base64Decode(encoded).value_or("<bad base64>"));
        outcomes[id] = outcome;
        pos = line_end;
      }
      break;
    }
    // Find the case the error names and set it aside with its error.
    const Case* culprit = nullptr;
    for (const Case* c : pending) {
      if (result.err.find("c/charts/" + c->id + "/") != std::string::npos) culprit = c;
    }
    if (culprit == nullptr) {
      for (const Case* c : pending) outcomes[c->id] = Outcome{true, "", "helm: " + result.err};
      break;
    }
    outcomes[culprit->id] = Outcome{true, "", HelmCore(result.err)};
    pending.erase(std::find(pending.begin(), pending.end(), culprit));
  }
}

}  // namespace

std::map<std::string, Outcome> RenderWithHelm(const std::vector<Case>& cases) {
  constexpr size_t kBatch = 40;
  std::map<std::string, Outcome> outcomes;
  TempDir dir;
  for (size_t start = 0; start < cases.size(); start += kBatch) {
    std::vector<const Case*> batch;
    for (size_t i = start; i < std::min(cases.size(), start + kBatch); ++i) {
      batch.push_back(&cases[i]);
    }
    RenderBatch(dir, std::move(batch), outcomes);
  }
  return outcomes;
}

std::map<std::string, Outcome> LoadExpected(const std::string& family) {
  std::map<std::string, Outcome> outcomes;
  fs::path path = SuiteDir() / "expected" / (family + ".json");
  if (!fs::exists(path)) return outcomes;
  nlohmann::json json = nlohmann::json::parse(ReadFile(path));
  for (const auto& [id, outcome] : json.items()) outcomes[id] = Outcome::FromJson(outcome);
  return outcomes;
}

void SaveExpected(const std::string& family, const std::map<std::string, Outcome>& outcomes) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [id, outcome] : outcomes) json[id] = outcome.ToJson();
  WriteFile(SuiteDir() / "expected" / (family + ".json"), json.dump(1) + "\n");
}

}  // namespace converge::sources::helm::tmpl::testing
