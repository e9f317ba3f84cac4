// values.schema.json checks as Helm's ValidateAgainstSchema runs them: each chart's schema on
// that chart's coalesced values, then each sub-chart's on its part of them; the validator
// itself is sources/helm/schema.

#include "sources/helm/schema/schema.h"

#include "sources/helm/internal.h"

namespace converge::sources::helm {
namespace {

using nlohmann::json;

// Go's %T of a decoded values node.
std::string GoType(const json& value) {
  switch (value.type()) {
    case json::value_t::boolean:
      return "bool";
    case json::value_t::array:
      return "[]interface {}";
    case json::value_t::string:
      return "string";
    case json::value_t::number_float:
      return "float64";
    default:
      return "int64";
  }
}

void ValidateChart(const Chart& chart, const json& values, std::string& report) {
  if (!chart.schema.empty()) {
    if (std::string errors = schema::Check(chart.schema, values); !errors.empty()) {
      report += chart.name + ":\n" + errors;
    }
  }
  for (const Chart& sub : chart.charts) {
    auto found = values.find(sub.name);
    if (found == values.end() || found->is_null()) continue;
    if (!found->is_object()) {
      report += sub.name + ":\ninvalid type for values: expected object (map), got " +
                GoType(*found) + "\n";
      continue;
    }
    ValidateChart(sub, *found, report);
  }
}

}  // namespace

Status ValidateValues(const Chart& chart, const tmpl::Value& values) {
  std::string report;
  ValidateChart(chart, values.ToJson(), report);
  if (report.empty()) return Status();
  return Status::Invalid(
      "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
      report);
}

}  // namespace converge::sources::helm
