#pragma once
// tests/sources/helm/template/cases.h: the differential suite's cases (template + values YAML,
// one file per function family under cases/) and how one case is rendered by our engine and by
// helm4 through a one-template sub-chart.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace converge::sources::helm::tmpl::testing {

struct Case {
  std::string family;
  std::string name;
  std::string id;  // chart name: "<family>-<index>"
  std::string text;
  std::string values;
};

// What rendering a case gives: output bytes, or the core of the error message.
struct Outcome {
  bool error = false;
  std::string output;  // when !error, "<no value>" already removed as Helm does
  std::string message;

  nlohmann::json ToJson() const;
  static Outcome FromJson(const nlohmann::json& json);
  bool operator==(const Outcome&) const = default;
};

std::filesystem::path SuiteDir();
std::vector<std::string> Families();
// Case file format: "=== name" starts a case; its template is every line up to "--- values",
// the next "===" or the end (the newline before the marker is not part of it); "--- values"
// starts the case's values.yaml.
std::vector<Case> LoadCases(const std::string& family);

Outcome RenderWithEngine(const Case& c);
// Renders all cases with helm4 (batched; failing cases are isolated and rerun one by one).
std::map<std::string, Outcome> RenderWithHelm(const std::vector<Case>& cases);

std::map<std::string, Outcome> LoadExpected(const std::string& family);
void SaveExpected(const std::string& family, const std::map<std::string, Outcome>& outcomes);

}  // namespace converge::sources::helm::tmpl::testing
