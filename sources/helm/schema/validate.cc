// Applies compiled schemas to values as the library's validator does: the same keyword order,
// the same short cuts (a failed type, const, enum or format check ends the schema; before
// 2019-09 a $ref is the whole schema), annotations for unevaluated* collected from the
// subschemas that passed, and the same error tree.

#include <set>

#include "base/utf8.h"
#include "sources/helm/schema/internal.h"

namespace converge::sources::helm::schema {
namespace {

// The dynamic scope: every schema on the way to the current one. `instance` numbers the value
// being validated, so a schema met twice on the same value is a reference cycle.
struct Scope {
  const Schema* schema;
  const Scope* parent;
  int instance;
  std::string_view keyword;  // the reference keyword that led here, if any
};

// The keyword path from the outermost scope to `scope`, as the library prints it in a
// reference cycle error.
std::string KeywordPath(const Scope* scope) {
  std::string path;
  for (; scope->parent != nullptr; scope = scope->parent) {
    if (!scope->keyword.empty()) {
      path = "/" + std::string(scope->keyword) + path;
    } else {
      const std::string& own = scope->schema->pointer;
      const std::string& up = scope->parent->schema->pointer;
      path = (own.starts_with(up) ? own.substr(up.size()) : own) + path;
    }
  }
  return path;
}

// What passing subschemas evaluated of the current value (unevaluatedProperties/Items).
struct Evaluated {
  std::set<std::string> properties;
  std::set<size_t> items;
  void Merge(const Evaluated& other) {
    properties.insert(other.properties.begin(), other.properties.end());
    items.insert(other.items.begin(), other.items.end());
  }
};

// The number a string spells, for the library's equality.
std::optional<Decimal> NumberIn(const std::string& text) {
  json number = json::parse(text, nullptr, false);
  if (number.is_discarded() || !number.is_number()) return std::nullopt;
  return ToDecimal(number);
}

// The library's equals(a, b): JSON equality with numbers compared by value, except that a
// number also equals a string spelling the same number when the number comes first.
bool Equal(const json& a, const json& b) {
  switch (a.type()) {
    case json::value_t::object:
      if (!b.is_object() || a.size() != b.size()) return false;
      for (const auto& [name, member] : a.items()) {
        auto other = b.find(name);
        if (other == b.end() || !Equal(member, *other)) return false;
      }
      return true;
    case json::value_t::array:
      if (!b.is_array() || a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!Equal(a[i], b[i])) return false;
      }
      return true;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: {
      std::optional<Decimal> other;
      if (b.is_number()) other = ToDecimal(b);
      if (b.is_string()) other = NumberIn(b.get<std::string>());
      return other && Compare(ToDecimal(a), *other) == 0;
    }
    default:
      return a == b;
  }
}

std::string JoinQuoted(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + Quote(name);
  return out;
}

std::string GotWant(std::string_view keyword, const Decimal& got, const Decimal& want) {
  return std::string(keyword) + ": got " + DisplayFloat(ToDouble(got)) + ", want " +
         DisplayFloat(ToDouble(want));
}

std::string Indexes(const std::vector<size_t>& indexes) {
  std::string out;
  for (size_t index : indexes) out += (out.empty() ? "" : " ") + std::to_string(index);
  return out;
}

class Validator {
 public:
  explicit Validator(const Compiled& compiled) : compiled_(compiled) {}

  std::vector<Error> Run(const Schema& schema, const json& value) {
    Scope scope{&schema, nullptr, 0, {}};
    Evaluated evaluated;
    std::vector<std::string> location;
    std::vector<Error> errors = Apply(schema, value, location, scope, evaluated);
    // The library reports a lone group by its members.
    if (errors.size() == 1 && errors[0].group) return std::move(errors[0].causes);
    return errors;
  }

 private:
  // The errors of `value` (at `location`) against `schema`; `evaluated` gains what it evaluated.
  std::vector<Error> Apply(const Schema& schema, const json& value,
                           std::vector<std::string>& location, const Scope& scope,
                           Evaluated& evaluated) {
    std::string at = JoinPointer(location);
    if (schema.always) {
      if (*schema.always) return {};
      return {Error{at, "false schema", {}}};
    }
    for (const Scope* up = scope.parent; up != nullptr && up->instance == scope.instance;
         up = up->parent) {
      if (up->schema == &schema) {
        return {Error{at,
                      "both " + KeywordPath(&scope) + " and " + KeywordPath(up) + " resolve to " +
                          json(Url(schema)).dump() + " causing reference cycle",
                      {}}};
      }
    }
    if (schema.meta_schema) return CheckAgainstMetaSchema(value, *schema.meta_schema);
    if (std::optional<Error> error = CheckValue(schema, value, at)) return {*error};
    std::vector<Error> errors;
    if (schema.ref != nullptr) {
      std::optional<Error> error = Self(*schema.ref, value, location, scope, evaluated, "$ref");
      if (schema.draft < kDraft2019) {
        return error ? std::vector<Error>{*error} : std::vector<Error>{};
      }
      if (error) errors.push_back(std::move(*error));
    }
    if (value.is_object()) CheckObject(schema, value, location, scope, evaluated, errors);
    if (value.is_array()) CheckArray(schema, value, location, scope, evaluated, errors);
    if (value.is_string()) CheckString(schema, value.get_ref<const std::string&>(), at, errors);
    if (value.is_number()) CheckNumber(schema, value, at, errors);
    if (schema.draft >= kDraft2019)
      CheckDynamicRefs(schema, value, location, scope, evaluated, errors);
    CheckConditions(schema, value, location, scope, evaluated, errors);
    if (schema.draft >= kDraft2019) {
      CheckUnevaluated(schema, value, location, scope, evaluated, errors);
    }
    return errors;
  }

  static std::string Url(const Schema& schema) {
    return std::string(kRootUrl) + "#" + schema.pointer;
  }

  // The library's validateSelf: another schema on the same value.
  std::optional<Error> Self(const Schema& schema, const json& value,
                            std::vector<std::string>& location, const Scope& scope,
                            Evaluated& evaluated, std::string_view keyword = {}) {
    Scope child{&schema, &scope, scope.instance, keyword};
    Evaluated mine;
    std::vector<Error> errors = Apply(schema, value, location, child, mine);
    if (errors.empty()) evaluated.Merge(mine);
    std::string at = JoinPointer(location);
    std::optional<Error> error = Collapse(std::move(errors), at);
    return keyword.empty() ? error : ThroughReference(std::move(error), at);
  }

  // The library's validateVal: a schema on a member or item of the value.
  std::optional<Error> Member(const Schema& schema, const json& value,
                              std::vector<std::string>& location, std::string token,
                              const Scope& scope) {
    location.push_back(std::move(token));
    Scope child{&schema, &scope, ++instances_, {}};
    Evaluated ignored;
    std::vector<Error> errors = Apply(schema, value, location, child, ignored);
    std::optional<Error> error = Collapse(std::move(errors), JoinPointer(location));
    location.pop_back();
    return error;
  }

  static std::optional<Error> CheckValue(const Schema& schema, const json& value,
                                         const std::string& at) {
    if (!schema.types.empty()) {
      std::string type = JsonType(value);
      bool matched = false;
      for (const std::string& want : schema.types) {
        matched = matched || want == type ||
                  (want == "integer" && type == "number" && IsInteger(ToDecimal(value)));
      }
      if (!matched) return Error{at, "got " + type + ", want " + WantedTypes(schema.types), {}};
    }
    if (schema.constant != nullptr && !Equal(value, *schema.constant)) {
      if (schema.constant->is_structured()) return Error{at, "'const' failed", {}};
      return Error{at, "value must be " + DisplayValue(*schema.constant), {}};
    }
    if (schema.enum_values != nullptr) {
      bool found = false;
      bool primitive = true;
      std::string wanted;
      for (const json& item : *schema.enum_values) {
        found = found || Equal(value, item);
        primitive = primitive && !item.is_structured();
        wanted += (wanted.empty() ? "" : ", ") + DisplayValue(item);
      }
      if (!found) {
        if (!primitive) return Error{at, "'enum' failed", {}};
        if (schema.enum_values->size() == 1) return Error{at, "value must be " + wanted, {}};
        return Error{at, "value must be one of " + wanted, {}};
      }
    }
    if (!schema.format.empty() && value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      if (std::optional<std::string> why = CheckFormat(schema.format, text)) {
        return Error{at, Quote(text) + " is not valid " + schema.format + ": " + *why, {}};
      }
    }
    return std::nullopt;
  }

  // The library keeps types as a set and lists them in its own order.
  static std::string WantedTypes(const std::vector<std::string>& types) {
    static constexpr std::string_view kOrder[] = {"null",   "boolean", "number", "integer",
                                                  "string", "array",   "object"};
    std::string out;
    for (std::string_view name : kOrder) {
      for (const std::string& type : types) {
        if (type == name) {
          out += (out.empty() ? "" : " or ") + type;
          break;
        }
      }
    }
    return out;
  }

  static std::vector<std::string> Missing(const json& object,
                                          const std::vector<std::string>& names) {
    std::vector<std::string> missing;
    for (const std::string& name : names) {
      if (!object.contains(name)) missing.push_back(name);
    }
    return missing;
  }

  void CheckObject(const Schema& schema, const json& object, std::vector<std::string>& location,
                   const Scope& scope, Evaluated& evaluated, std::vector<Error>& errors) {
    std::string at = JoinPointer(location);
    int64_t size = static_cast<int64_t>(object.size());
    if (schema.min_properties && size < *schema.min_properties) {
      errors.push_back({at,
                        "minProperties: got " + DisplayInt(size) + ", want " +
                            DisplayInt(*schema.min_properties),
                        {}});
    }
    if (schema.max_properties && size > *schema.max_properties) {
      errors.push_back({at,
                        "maxProperties: got " + DisplayInt(size) + ", want " +
                            DisplayInt(*schema.max_properties),
                        {}});
    }
    if (std::vector<std::string> missing = Missing(object, schema.required); !missing.empty()) {
      errors.push_back({at,
                        (missing.size() == 1 ? "missing property " : "missing properties ") +
                            JoinQuoted(missing),
                        {}});
    }
    for (const auto& [name, dependency] : schema.dependencies) {
      if (!object.contains(name)) continue;
      if (const auto* names = std::get_if<std::vector<std::string>>(&dependency)) {
        if (std::vector<std::string> missing = Missing(object, *names); !missing.empty()) {
          errors.push_back(
              {at,
               "properties " + JoinQuoted(missing) + " required, if " + Quote(name) + " exists",
               {}});
        }
      } else if (auto error = Self(*std::get<const Schema*>(dependency), object, location, scope,
                                   evaluated)) {
        errors.push_back(std::move(*error));
      }
    }
    CheckMembers(schema, object, location, scope, evaluated, errors);
    if (schema.draft == kDraft4) return;
    if (schema.property_names != nullptr) {
      for (const auto& [name, member] : object.items()) {
        std::vector<Error> causes = Validator(compiled_).Run(*schema.property_names, name);
        if (!causes.empty()) {
          errors.push_back({"", "invalid propertyName " + Quote(name), std::move(causes)});
        }
      }
    }
    if (schema.draft == kDraft6) return;
    for (const auto& [name, dependent] : schema.dependent_schemas) {
      if (!object.contains(name)) continue;
      if (auto error = Self(*dependent, object, location, scope, evaluated)) {
        errors.push_back(std::move(*error));
      }
    }
    for (const auto& [name, names] : schema.dependent_required) {
      if (!object.contains(name)) continue;
      if (std::vector<std::string> missing = Missing(object, names); !missing.empty()) {
        errors.push_back(
            {at,
             "properties " + JoinQuoted(missing) + " required, if " + Quote(name) + " exists",
             {}});
      }
    }
  }

  void CheckMembers(const Schema& schema, const json& object, std::vector<std::string>& location,
                    const Scope& scope, Evaluated& evaluated, std::vector<Error>& errors) {
    std::vector<std::string> additional;
    for (const auto& [name, member] : object.items()) {
      bool matched = false;
      if (auto property = schema.properties.find(name); property != schema.properties.end()) {
        matched = true;
        if (auto error = Member(*property->second, member, location, name, scope)) {
          errors.push_back(std::move(*error));
        }
      }
      for (const auto& [re, sub] : schema.pattern_properties) {
        if (!RE2::PartialMatch(name, *re)) continue;
        matched = true;
        if (auto error = Member(*sub, member, location, name, scope)) {
          errors.push_back(std::move(*error));
        }
      }
      if (!matched && !std::holds_alternative<std::monostate>(schema.additional_properties)) {
        matched = true;
        if (const bool* allowed = std::get_if<bool>(&schema.additional_properties)) {
          if (!*allowed) additional.push_back(name);
        } else if (auto error = Member(*std::get<const Schema*>(schema.additional_properties),
                                       member, location, name, scope)) {
          errors.push_back(std::move(*error));
        }
      }
      if (matched) evaluated.properties.insert(name);
    }
    if (!additional.empty()) {
      errors.push_back({JoinPointer(location),
                        "additional properties " + JoinQuoted(additional) + " not allowed",
                        {}});
    }
  }

  void CheckArray(const Schema& schema, const json& array, std::vector<std::string>& location,
                  const Scope& scope, Evaluated& evaluated, std::vector<Error>& errors) {
    std::string at = JoinPointer(location);
    int64_t size = static_cast<int64_t>(array.size());
    if (schema.min_items && size < *schema.min_items) {
      errors.push_back(
          {at,
           "minItems: got " + DisplayInt(size) + ", want " + DisplayInt(*schema.min_items),
           {}});
    }
    if (schema.max_items && size > *schema.max_items) {
      errors.push_back(
          {at,
           "maxItems: got " + DisplayInt(size) + ", want " + DisplayInt(*schema.max_items),
           {}});
    }
    if (schema.unique_items) CheckUnique(array, at, errors);
    // Helm's validator names the items after a prefix by their place after the prefix.
    auto each = [&](const Schema& sub, size_t from, size_t to) {
      for (size_t i = from; i < to; ++i) {
        if (auto error = Member(sub, array[i], location, std::to_string(i - from), scope)) {
          errors.push_back(std::move(*error));
        }
        evaluated.items.insert(i);
      }
    };
    if (schema.draft < kDraft2020) {
      size_t done = 0;
      if (schema.items != nullptr) {
        each(*schema.items, 0, array.size());
        done = array.size();
      } else {
        done = std::min(array.size(), schema.item_list.size());
        for (size_t i = 0; i < done; ++i) {
          if (auto error =
                  Member(*schema.item_list[i], array[i], location, std::to_string(i), scope)) {
            errors.push_back(std::move(*error));
          }
          evaluated.items.insert(i);
        }
      }
      if (const bool* allowed = std::get_if<bool>(&schema.additional_items)) {
        if (!*allowed && done != array.size()) {
          errors.push_back({at,
                            "last " + DisplayInt(static_cast<int64_t>(array.size() - done)) +
                                " additionalItem(s) not allowed",
                            {}});
        }
      } else if (const auto* const* sub = std::get_if<const Schema*>(&schema.additional_items)) {
        each(**sub, done, array.size());
      }
    } else {
      size_t done = std::min(array.size(), schema.prefix_items.size());
      for (size_t i = 0; i < done; ++i) {
        if (auto error =
                Member(*schema.prefix_items[i], array[i], location, std::to_string(i), scope)) {
          errors.push_back(std::move(*error));
        }
        evaluated.items.insert(i);
      }
      if (schema.items_after_prefix != nullptr)
        each(*schema.items_after_prefix, done, array.size());
    }
    if (schema.contains != nullptr)
      CheckContains(schema, array, location, scope, evaluated, errors);
  }

  // The first item equal to an earlier one, as the library looks for it: pairwise up to 20
  // items (with its lopsided equality), by hash buckets of one JSON type beyond.
  static void CheckUnique(const json& array, const std::string& at, std::vector<Error>& errors) {
    bool pairwise = array.size() <= 20;
    for (size_t i = 1; i < array.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (!pairwise && array[i].type() != array[j].type() &&
            !(array[i].is_number() && array[j].is_number())) {
          continue;
        }
        if (Equal(array[i], array[j])) {
          errors.push_back({at,
                            "items at " + DisplayInt(static_cast<int64_t>(j)) + " and " +
                                DisplayInt(static_cast<int64_t>(i)) + " are equal",
                            {}});
          return;
        }
      }
    }
  }

  void CheckContains(const Schema& schema, const json& array, std::vector<std::string>& location,
                     const Scope& scope, Evaluated& evaluated, std::vector<Error>& errors) {
    std::string at = JoinPointer(location);
    std::vector<Error> misses;
    std::vector<size_t> matched;
    for (size_t i = 0; i < array.size(); ++i) {
      if (auto error = Member(*schema.contains, array[i], location, std::to_string(i), scope)) {
        misses.push_back(std::move(*error));
      } else {
        matched.push_back(i);
        if (schema.draft >= kDraft2020) evaluated.items.insert(i);
      }
    }
    int64_t count = static_cast<int64_t>(matched.size());
    if (schema.min_contains) {
      if (count < *schema.min_contains) {
        std::string message = "min " + DisplayInt(*schema.min_contains) +
                              " items required to match contains schema, but ";
        message += matched.empty()
                       ? "none matched"
                       : "matched " + DisplayInt(count) + " items at " + Indexes(matched);
        errors.push_back({at, message, std::move(misses)});
      }
    } else if (matched.empty()) {
      errors.push_back({at, "no items match contains schema", std::move(misses)});
    }
    if (schema.max_contains && count > *schema.max_contains) {
      errors.push_back({at,
                        "max " + DisplayInt(*schema.max_contains) +
                            " items required to match contains schema, but matched " +
                            DisplayInt(count) + " items at " + Indexes(matched),
                        {}});
    }
  }

  static void CheckString(const Schema& schema, const std::string& text, const std::string& at,
                          std::vector<Error>& errors) {
    int64_t length = static_cast<int64_t>(DecodeUtf8(text).size());
    if (schema.min_length && length < *schema.min_length) {
      errors.push_back(
          {at,
           "minLength: got " + DisplayInt(length) + ", want " + DisplayInt(*schema.min_length),
           {}});
    }
    if (schema.max_length && length > *schema.max_length) {
      errors.push_back(
          {at,
           "maxLength: got " + DisplayInt(length) + ", want " + DisplayInt(*schema.max_length),
           {}});
    }
    if (schema.pattern != nullptr && !RE2::PartialMatch(text, *schema.pattern)) {
      errors.push_back(
          {at, Quote(text) + " does not match pattern " + Quote(schema.pattern->pattern()), {}});
    }
  }

  static void CheckNumber(const Schema& schema, const json& value, const std::string& at,
                          std::vector<Error>& errors) {
    Decimal number = ToDecimal(value);
    if (schema.minimum && Compare(number, *schema.minimum) < 0) {
      errors.push_back({at, GotWant("minimum", number, *schema.minimum), {}});
    }
    if (schema.maximum && Compare(number, *schema.maximum) > 0) {
      errors.push_back({at, GotWant("maximum", number, *schema.maximum), {}});
    }
    if (schema.exclusive_minimum && Compare(number, *schema.exclusive_minimum) <= 0) {
      errors.push_back({at, GotWant("exclusiveMinimum", number, *schema.exclusive_minimum), {}});
    }
    if (schema.exclusive_maximum && Compare(number, *schema.exclusive_maximum) >= 0) {
      errors.push_back({at, GotWant("exclusiveMaximum", number, *schema.exclusive_maximum), {}});
    }
    if (schema.multiple_of && !schema.multiple_of->digits.empty() &&
        !IsMultiple(number, *schema.multiple_of)) {
      errors.push_back({at, GotWant("multipleOf", number, *schema.multiple_of), {}});
    }
  }

  void CheckDynamicRefs(const Schema& schema, const json& value, std::vector<std::string>& location,
                        const Scope& scope, Evaluated& evaluated, std::vector<Error>& errors) {
    if (const Schema* target = schema.recursive_ref) {
      if (target->recursive_anchor) {
        for (const Scope* up = &scope; up != nullptr; up = up->parent) {
          if (up->schema->resource->recursive_anchor) target = up->schema->resource;
        }
      }
      if (auto error = Self(*target, value, location, scope, evaluated, "$recursiveRef")) {
        errors.push_back(std::move(*error));
      }
    }
    if (const Schema* target = schema.dynamic_ref) {
      const std::string& anchor = schema.dynamic_ref_anchor;
      if (!anchor.empty() && target->dynamic_anchor == anchor) {
        for (const Scope* up = &scope; up != nullptr; up = up->parent) {
          const auto& anchors = up->schema->resource->dynamic_anchors;
          if (auto found = anchors.find(anchor); found != anchors.end()) target = found->second;
        }
      }
      if (auto error = Self(*target, value, location, scope, evaluated, "$dynamicRef")) {
        errors.push_back(std::move(*error));
      }
    }
  }

  void CheckConditions(const Schema& schema, const json& value, std::vector<std::string>& location,
                       const Scope& scope, Evaluated& evaluated, std::vector<Error>& errors) {
    std::string at = JoinPointer(location);
    if (schema.negated != nullptr && !Self(*schema.negated, value, location, scope, evaluated)) {
      errors.push_back({at, "'not' failed", {}});
    }
    std::vector<Error> failed;
    for (const Schema* sub : schema.all_of) {
      if (auto error = Self(*sub, value, location, scope, evaluated)) {
        failed.push_back(std::move(*error));
      }
    }
    if (!failed.empty()) errors.push_back({at, "'allOf' failed", std::move(failed)});
    if (!schema.any_of.empty()) {
      std::vector<Error> misses;
      bool matched = false;
      for (const Schema* sub : schema.any_of) {
        if (auto error = Self(*sub, value, location, scope, evaluated)) {
          misses.push_back(std::move(*error));
        } else {
          matched = true;
        }
      }
      if (!matched) errors.push_back({at, "'anyOf' failed", std::move(misses)});
    }
    if (!schema.one_of.empty()) CheckOneOf(schema, value, location, scope, evaluated, errors);
    if (schema.if_schema != nullptr) {
      const Schema* next = Self(*schema.if_schema, value, location, scope, evaluated)
                               ? schema.else_schema
                               : schema.then_schema;
      if (next != nullptr) {
        if (auto error = Self(*next, value, location, scope, evaluated)) {
          errors.push_back(std::move(*error));
        }
      }
    }
  }

  void CheckOneOf(const Schema& schema, const json& value, std::vector<std::string>& location,
                  const Scope& scope, Evaluated& evaluated, std::vector<Error>& errors) {
    std::string at = JoinPointer(location);
    std::optional<size_t> matched;
    std::vector<Error> misses;
    for (size_t i = 0; i < schema.one_of.size(); ++i) {
      if (auto error = Self(*schema.one_of[i], value, location, scope, evaluated)) {
        if (!matched) misses.push_back(std::move(*error));
      } else if (!matched) {
        matched = i;
      } else {
        errors.push_back({at,
                          "'oneOf' failed, subschemas " +
                              DisplayInt(static_cast<int64_t>(*matched)) + ", " +
                              DisplayInt(static_cast<int64_t>(i)) + " matched",
                          {}});
        return;
      }
    }
    if (!matched) errors.push_back({at, "'oneOf' failed, none matched", std::move(misses)});
  }

  void CheckUnevaluated(const Schema& schema, const json& value, std::vector<std::string>& location,
                        const Scope& scope, Evaluated& evaluated, std::vector<Error>& errors) {
    if (schema.unevaluated_properties != nullptr && value.is_object()) {
      for (const auto& [name, member] : value.items()) {
        if (evaluated.properties.contains(name)) continue;
        if (auto error = Member(*schema.unevaluated_properties, member, location, name, scope)) {
          errors.push_back(std::move(*error));
        }
      }
      for (const auto& [name, member] : value.items()) evaluated.properties.insert(name);
    }
    if (schema.unevaluated_items != nullptr && value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        if (evaluated.items.contains(i)) continue;
        if (auto error =
                Member(*schema.unevaluated_items, value[i], location, std::to_string(i), scope)) {
          errors.push_back(std::move(*error));
        }
      }
      for (size_t i = 0; i < value.size(); ++i) evaluated.items.insert(i);
    }
  }

  const Compiled& compiled_;
  int instances_ = 0;
};

}  // namespace

std::vector<Error> Validate(const Compiled& compiled, const json& value) {
  return Validator(compiled).Run(*compiled.root, value);
}

}  // namespace converge::sources::helm::schema
