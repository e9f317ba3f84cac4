// values.schema.json checks: the JSON Schema keywords charts use (types, properties, required,
// items, enums, bounds, lengths, patterns, combinators, local $ref), each chart's schema applied
// to that chart's coalesced values as Helm does. A remote $ref is an error: Converge never
// downloads while rendering.

#include <cmath>

#include <re2/re2.h>

#include "base/utf8.h"
#include "sources/helm/internal.h"

namespace converge::sources::helm {
namespace {

using nlohmann::json;

std::string KindOf(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::number_float: {
      double number = value.get<double>();
      return std::floor(number) == number ? "integer" : "number";
    }
    default:
      return "integer";
  }
}

bool HasType(const json& value, const std::string& type) {
  std::string kind = KindOf(value);
  return kind == type || (type == "number" && kind == "integer");
}

class Validator {
 public:
  explicit Validator(const json& root) : root_(root) {}

  // Fills errors(); fails only on a schema Converge cannot use (a remote $ref).
  Status Check(const json& schema, const json& value, const std::string& at) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) Error(at, "false schema");
      return Status();
    }
    if (!schema.is_object()) return Status();
    if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
      Result<const json*> target = Resolve(ref->get<std::string>());
      if (!target.ok()) return target.status();
      if (Status s = Check(**target, value, at); !s.ok()) return s;
    }
    CheckType(schema, value, at);
    CheckEnum(schema, value, at);
    CheckNumber(schema, value, at);
    CheckString(schema, value, at);
    if (Status s = CheckObject(schema, value, at); !s.ok()) return s;
    if (Status s = CheckArray(schema, value, at); !s.ok()) return s;
    return CheckCombinators(schema, value, at);
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void Error(const std::string& at, const std::string& message) {
    errors_.push_back("- at '" + at + "': " + message);
  }

  Result<const json*> Resolve(const std::string& ref) {
    if (!ref.starts_with("#")) {
      return Status::Invalid("remote $ref " + ref +
                             " is not supported: Converge does not "
                             "download schemas");
    }
    const json* node = &root_;
    std::string pointer = ref.substr(1);
    size_t start = pointer.empty() ? std::string::npos : 1;
    while (start != std::string::npos && start <= pointer.size()) {
      size_t slash = pointer.find('/', start);
      std::string part = pointer.substr(start, slash == std::string::npos ? slash : slash - start);
      for (size_t at; (at = part.find("~1")) != std::string::npos;) part.replace(at, 2, "/");
      for (size_t at; (at = part.find("~0")) != std::string::npos;) part.replace(at, 2, "~");
      if (!node->is_object() || !node->contains(part)) {
        return Status::Invalid("$ref " + ref + " not found in values.schema.json");
      }
      node = &(*node)[part];
      start = slash == std::string::npos ? slash : slash + 1;
    }
    return node;
  }

  void CheckType(const json& schema, const json& value, const std::string& at) {
    auto type = schema.find("type");
    if (type == schema.end()) return;
    std::vector<std::string> types;
    if (type->is_string()) types.push_back(type->get<std::string>());
    if (type->is_array()) {
      for (const json& item : *type) {
        if (item.is_string()) types.push_back(item.get<std::string>());
      }
    }
    for (const std::string& wanted : types) {
      if (HasType(value, wanted)) return;
    }
    std::string want;
    for (const std::string& wanted : types) want += (want.empty() ? "" : " or ") + wanted;
    std::string got = KindOf(value) == "integer" ? "number" : KindOf(value);
    Error(at, "got " + got + ", want " + want);
  }

  void CheckEnum(const json& schema, const json& value, const std::string& at) {
    if (auto values = schema.find("enum"); values != schema.end() && values->is_array()) {
      bool found = false;
      for (const json& item : *values) found = found || item == value;
      if (!found) Error(at, "value must be one of " + values->dump());
    }
    if (auto constant = schema.find("const"); constant != schema.end() && *constant != value) {
      Error(at, "value must be " + constant->dump());
    }
  }

  void CheckNumber(const json& schema, const json& value, const std::string& at) {
    if (!value.is_number()) return;
    double number = value.get<double>();
    auto bound = [&](const char* key) -> std::optional<double> {
      auto found = schema.find(key);
      if (found == schema.end() || !found->is_number()) return std::nullopt;
      return found->get<double>();
    };
    auto draft4_exclusive = [&](const char* key) {
      auto found = schema.find(key);
      return found != schema.end() && found->is_boolean() && found->get<bool>();
    };
    if (auto minimum = bound("minimum")) {
      bool exclusive = draft4_exclusive("exclusiveMinimum");
      if (exclusive ? number <= *minimum : number < *minimum) {
        Error(at, "must be >= " + json(*minimum).dump());
      }
    }
    if (auto maximum = bound("maximum")) {
      bool exclusive = draft4_exclusive("exclusiveMaximum");
      if (exclusive ? number >= *maximum : number > *maximum) {
        Error(at, "must be <= " + json(*maximum).dump());
      }
    }
    if (auto minimum = bound("exclusiveMinimum"); minimum && number <= *minimum) {
      Error(at, "must be > " + json(*minimum).dump());
    }
    if (auto maximum = bound("exclusiveMaximum"); maximum && number >= *maximum) {
      Error(at, "must be < " + json(*maximum).dump());
    }
    if (auto divisor = bound("multipleOf"); divisor && *divisor > 0) {
      double quotient = number / *divisor;
      if (std::floor(quotient) != quotient) Error(at, "not multipleOf " + json(*divisor).dump());
    }
  }

  void CheckString(const json& schema, const json& value, const std::string& at) {
    if (!value.is_string()) return;
    const std::string& text = value.get_ref<const std::string&>();
    size_t length = DecodeUtf8(text).size();
    if (auto minimum = schema.find("minLength");
        minimum != schema.end() && minimum->is_number() && length < minimum->get<size_t>()) {
      Error(at, "minLength: got " + std::to_string(length) + ", want " + minimum->dump());
    }
    if (auto maximum = schema.find("maxLength");
        maximum != schema.end() && maximum->is_number() && length > maximum->get<size_t>()) {
      Error(at, "maxLength: got " + std::to_string(length) + ", want " + maximum->dump());
    }
    if (auto pattern = schema.find("pattern"); pattern != schema.end() && pattern->is_string()) {
      RE2 re(pattern->get<std::string>());
      if (re.ok() && !RE2::PartialMatch(text, re)) {
        Error(at, "'" + text + "' does not match pattern " + pattern->dump());
      }
    }
  }

  Status CheckObject(const json& schema, const json& value, const std::string& at) {
    if (!value.is_object()) return Status();
    if (auto required = schema.find("required"); required != schema.end() && required->is_array()) {
      for (const json& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          Error(at, "missing property '" + name.get<std::string>() + "'");
        }
      }
    }
    auto properties = schema.find("properties");
    auto patterns = schema.find("patternProperties");
    auto additional = schema.find("additionalProperties");
    for (const auto& [key, item] : value.items()) {
      bool matched = false;
      if (properties != schema.end() && properties->is_object() && properties->contains(key)) {
        matched = true;
        if (Status s = Check((*properties)[key], item, at + "/" + key); !s.ok()) return s;
      }
      if (patterns != schema.end() && patterns->is_object()) {
        for (const auto& [pattern, sub] : patterns->items()) {
          RE2 re(pattern);
          if (!re.ok() || !RE2::PartialMatch(key, re)) continue;
          matched = true;
          if (Status s = Check(sub, item, at + "/" + key); !s.ok()) return s;
        }
      }
      if (!matched && additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>()) {
          Error(at, "additional properties '" + key + "' not allowed");
        } else if (Status s = Check(*additional, item, at + "/" + key); !s.ok()) {
          return s;
        }
      }
    }
    return Status();
  }

  Status CheckArray(const json& schema, const json& value, const std::string& at) {
    if (!value.is_array()) return Status();
    if (auto minimum = schema.find("minItems");
        minimum != schema.end() && minimum->is_number() && value.size() < minimum->get<size_t>()) {
      Error(at, "minItems: got " + std::to_string(value.size()) + ", want " + minimum->dump());
    }
    if (auto maximum = schema.find("maxItems");
        maximum != schema.end() && maximum->is_number() && value.size() > maximum->get<size_t>()) {
      Error(at, "maxItems: got " + std::to_string(value.size()) + ", want " + maximum->dump());
    }
    auto items = schema.find("items");
    if (items == schema.end()) return Status();
    for (size_t i = 0; i < value.size(); ++i) {
      const json* item_schema = &*items;
      if (items->is_array()) {
        if (i >= items->size()) break;
        item_schema = &(*items)[i];
      }
      if (Status s = Check(*item_schema, value[i], at + "/" + std::to_string(i)); !s.ok()) {
        return s;
      }
    }
    return Status();
  }

  // How many of `schemas` accept `value`, without reporting their errors.
  Result<size_t> CountValid(const json& schemas, const json& value, const std::string& at) {
    size_t valid = 0;
    for (const json& schema : schemas) {
      Validator nested(root_);
      if (Status s = nested.Check(schema, value, at); !s.ok()) return s;
      if (nested.errors().empty()) ++valid;
    }
    return valid;
  }

  Status CheckCombinators(const json& schema, const json& value, const std::string& at) {
    if (auto all = schema.find("allOf"); all != schema.end() && all->is_array()) {
      for (const json& sub : *all) {
        if (Status s = Check(sub, value, at); !s.ok()) return s;
      }
    }
    if (auto any = schema.find("anyOf"); any != schema.end() && any->is_array()) {
      Result<size_t> valid = CountValid(*any, value, at);
      if (!valid.ok()) return valid.status();
      if (*valid == 0) Error(at, "anyOf failed");
    }
    if (auto one = schema.find("oneOf"); one != schema.end() && one->is_array()) {
      Result<size_t> valid = CountValid(*one, value, at);
      if (!valid.ok()) return valid.status();
      if (*valid != 1) Error(at, "oneOf failed, " + std::to_string(*valid) + " subschemas valid");
    }
    if (auto negated = schema.find("not"); negated != schema.end()) {
      Result<size_t> valid = CountValid(json::array({*negated}), value, at);
      if (!valid.ok()) return valid.status();
      if (*valid == 1) Error(at, "not failed");
    }
    if (auto condition = schema.find("if"); condition != schema.end()) {
      Result<size_t> valid = CountValid(json::array({*condition}), value, at);
      if (!valid.ok()) return valid.status();
      const char* branch = *valid == 1 ? "then" : "else";
      if (auto next = schema.find(branch); next != schema.end()) return Check(*next, value, at);
    }
    return Status();
  }

  const json& root_;
  std::vector<std::string> errors_;
};

// ValidateAgainstSchema: the chart's schema on its values, then each sub-chart's on its part.
Status ValidateChart(const Chart& chart, const json& values, std::string& report) {
  if (!chart.schema.empty()) {
    json schema = json::parse(chart.schema, nullptr, false);
    if (schema.is_discarded()) {
      return Status::Invalid(chart.name + ": values.schema.json is not valid JSON");
    }
    Validator validator(schema);
    if (Status s = validator.Check(schema, values, ""); !s.ok()) return s.Wrap(chart.name);
    if (!validator.errors().empty()) {
      report += chart.name + ":\n";
      for (const std::string& error : validator.errors()) report += error + "\n";
    }
  }
  for (const Chart& sub : chart.charts) {
    auto found = values.find(sub.name);
    if (found == values.end() || found->is_null()) continue;
    if (!found->is_object()) {
      report += sub.name + ":\ninvalid type for values: expected object (map), got " +
                KindOf(*found) + "\n";
      continue;
    }
    if (Status s = ValidateChart(sub, *found, report); !s.ok()) return s;
  }
  return Status();
}

}  // namespace

Status ValidateValues(const Chart& chart, const tmpl::Value& values) {
  std::string report;
  if (Status s = ValidateChart(chart, values.ToJson(), report); !s.ok()) return s;
  if (report.empty()) return Status();
  return Status::Invalid(
      "values don't meet the specifications of the schema(s) in the following chart(s):\n" +
      report);
}

}  // namespace converge::sources::helm
