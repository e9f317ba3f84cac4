// The meta-schema check the library runs before compiling: each keyword's value must have the
// shape its draft's meta-schema asks for. The errors nest as the meta-schemas make them nest:
// flat for drafts 4 to 7, and under one "'allOf' failed" per schema for 2019-09 and 2020-12,
// whose meta-schemas are an allOf of one meta-schema per vocabulary.

#include <algorithm>
#include <cassert>

#include "sources/helm/schema/internal.h"

namespace converge::sources::helm::schema {
namespace {

enum class Shape {
  kAny,
  kSchema,
  kSchemaOrList,
  kSchemaList,
  kSchemaMap,
  kString,
  kNumber,
  kPositive,
  kCount,
  kBool,
  kExclusive,
  kStrings,
  kType,
  kArray,
  kDependencies,
  kStringsMap,
};

enum Vocabulary { kTop, kCore, kApplicator, kUnevaluated, kValidation, kMeta, kFormat, kContent };

struct Rule {
  std::string_view keyword;
  Vocabulary vocabulary;
  Shape shape;
};

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> kRules = {
      {"$anchor", kCore, Shape::kString},
      {"$comment", kCore, Shape::kString},
      {"$defs", kCore, Shape::kSchemaMap},
      {"$dynamicAnchor", kCore, Shape::kString},
      {"$dynamicRef", kCore, Shape::kString},
      {"$id", kCore, Shape::kString},
      {"$recursiveAnchor", kCore, Shape::kBool},
      {"$recursiveRef", kCore, Shape::kString},
      {"$ref", kCore, Shape::kString},
      {"$schema", kCore, Shape::kString},
      {"additionalItems", kApplicator, Shape::kSchema},
      {"additionalProperties", kApplicator, Shape::kSchema},
      {"allOf", kApplicator, Shape::kSchemaList},
      {"anyOf", kApplicator, Shape::kSchemaList},
      {"const", kValidation, Shape::kAny},
      {"contains", kApplicator, Shape::kSchema},
      {"contentEncoding", kContent, Shape::kString},
      {"contentMediaType", kContent, Shape::kString},
      {"contentSchema", kContent, Shape::kSchema},
      {"default", kMeta, Shape::kAny},
      {"definitions", kTop, Shape::kSchemaMap},
      {"dependencies", kTop, Shape::kDependencies},
      {"dependentRequired", kValidation, Shape::kStringsMap},
      {"dependentSchemas", kApplicator, Shape::kSchemaMap},
      {"deprecated", kMeta, Shape::kBool},
      {"description", kMeta, Shape::kString},
      {"else", kApplicator, Shape::kSchema},
      {"enum", kValidation, Shape::kArray},
      {"examples", kMeta, Shape::kArray},
      {"exclusiveMaximum", kValidation, Shape::kExclusive},
      {"exclusiveMinimum", kValidation, Shape::kExclusive},
      {"format", kFormat, Shape::kString},
      {"id", kCore, Shape::kString},
      {"if", kApplicator, Shape::kSchema},
      {"items", kApplicator, Shape::kSchemaOrList},
      {"maxContains", kValidation, Shape::kCount},
      {"maxItems", kValidation, Shape::kCount},
      {"maxLength", kValidation, Shape::kCount},
      {"maxProperties", kValidation, Shape::kCount},
      {"maximum", kValidation, Shape::kNumber},
      {"minContains", kValidation, Shape::kCount},
      {"minItems", kValidation, Shape::kCount},
      {"minLength", kValidation, Shape::kCount},
      {"minProperties", kValidation, Shape::kCount},
      {"minimum", kValidation, Shape::kNumber},
      {"multipleOf", kValidation, Shape::kPositive},
      {"not", kApplicator, Shape::kSchema},
      {"oneOf", kApplicator, Shape::kSchemaList},
      {"pattern", kValidation, Shape::kString},
      {"patternProperties", kApplicator, Shape::kSchemaMap},
      {"prefixItems", kApplicator, Shape::kSchemaList},
      {"properties", kApplicator, Shape::kSchemaMap},
      {"propertyNames", kApplicator, Shape::kSchema},
      {"readOnly", kMeta, Shape::kBool},
      {"required", kValidation, Shape::kStrings},
      {"then", kApplicator, Shape::kSchema},
      {"title", kMeta, Shape::kString},
      {"type", kValidation, Shape::kType},
      {"unevaluatedItems", kUnevaluated, Shape::kSchema},
      {"unevaluatedProperties", kUnevaluated, Shape::kSchema},
      {"uniqueItems", kValidation, Shape::kBool},
      {"writeOnly", kMeta, Shape::kBool},
  };
  assert(std::is_sorted(kRules.begin(), kRules.end(),
                        [](const Rule& a, const Rule& b) { return a.keyword < b.keyword; }));
  return kRules;
}

// Whether `keyword` is in `draft`'s meta-schema at all.
bool InDraft(std::string_view keyword, Draft draft) {
  if (keyword == "id") return draft == kDraft4;
  if (keyword == "$id" || keyword == "const" || keyword == "contains" ||
      keyword == "propertyNames" || keyword == "examples") {
    return draft >= kDraft6;
  }
  if (keyword == "if" || keyword == "then" || keyword == "else" || keyword == "$comment" ||
      keyword == "readOnly" || keyword == "writeOnly" || keyword == "contentEncoding" ||
      keyword == "contentMediaType") {
    return draft >= kDraft7;
  }
  if (keyword == "$anchor" || keyword == "$defs" || keyword == "dependentRequired" ||
      keyword == "dependentSchemas" || keyword == "unevaluatedItems" ||
      keyword == "unevaluatedProperties" || keyword == "minContains" || keyword == "maxContains" ||
      keyword == "deprecated" || keyword == "contentSchema" || keyword == "$recursiveAnchor" ||
      keyword == "$recursiveRef") {
    return draft >= kDraft2019;
  }
  if (keyword == "$dynamicRef" || keyword == "$dynamicAnchor" || keyword == "prefixItems") {
    return draft >= kDraft2020;
  }
  if (keyword == "additionalItems") return draft <= kDraft2019;
  return true;
}

bool IsWhole(const json& value) {
  return value.is_number_integer() || (value.is_number_float() && IsInteger(ToDecimal(value)));
}

class Checker {
 public:
  explicit Checker(Draft draft) : draft_(draft) {}

  // Errors of the schema at `at`.
  std::optional<Error> Schema(const json& node, const std::string& at) {
    bool boolean_ok = draft_ >= kDraft6;
    if (!node.is_object() && !(boolean_ok && node.is_boolean())) {
      return Error{
          at,
          "got " + JsonType(node) + ", want " + (boolean_ok ? "boolean or object" : "object"),
          {}};
    }
    if (node.is_boolean()) return std::nullopt;
    std::vector<Error> top;
    std::map<Vocabulary, std::vector<Error>> by_vocabulary;
    // The node's keys and the rules are both in byte order: walking them side by side visits
    // the rules in their order without a lookup per rule.
    const std::vector<Rule>& rules = Rules();
    auto rule_it = rules.begin();
    for (auto value = node.begin(); value != node.end() && rule_it != rules.end(); ++value) {
      std::string_view key = value.key();
      while (rule_it != rules.end() && rule_it->keyword < key) ++rule_it;
      if (rule_it == rules.end() || rule_it->keyword != key) continue;
      const Rule& rule = *rule_it;
      if (!InDraft(rule.keyword, draft_)) continue;
      std::string child = at + JoinPointer({std::string(rule.keyword)});
      std::optional<Error> error = Keyword(rule, *value, child);
      if (!error) continue;
      if (draft_ >= kDraft2019 && rule.vocabulary != kTop) {
        by_vocabulary[Normalize(rule.vocabulary)].push_back(std::move(*error));
      } else {
        top.push_back(std::move(*error));
      }
    }
    if (!by_vocabulary.empty()) {
      std::vector<Error> causes;
      for (auto& [vocabulary, errors] : by_vocabulary) {
        causes.push_back(*ThroughReference(Collapse(std::move(errors), at), at));
      }
      top.push_back({at, "'allOf' failed", std::move(causes)});
    }
    return Collapse(std::move(top), at);
  }

 private:
  // 2019-09 has no unevaluated vocabulary: its applicator holds those keywords.
  Vocabulary Normalize(Vocabulary vocabulary) const {
    return draft_ == kDraft2019 && vocabulary == kUnevaluated ? kApplicator : vocabulary;
  }

  // A schema inside the schema, which the meta-schemas reach through a reference.
  std::optional<Error> Nested(const json& node, const std::string& at) {
    return ThroughReference(Schema(node, at), at);
  }

  std::optional<Error> Keyword(const Rule& rule, const json& value, const std::string& at) {
    auto want = [&](std::string_view type) -> std::optional<Error> {
      return Error{at, "got " + JsonType(value) + ", want " + std::string(type), {}};
    };
    switch (rule.shape) {
      case Shape::kAny:
        return std::nullopt;
      case Shape::kSchema:
        if (draft_ == kDraft4 && value.is_boolean() &&
            (rule.keyword == "additionalItems" || rule.keyword == "additionalProperties")) {
          return std::nullopt;
        }
        return Nested(value, at);
      case Shape::kSchemaOrList: {
        if (draft_ >= kDraft2020) return Nested(value, at);
        // anyOf [a schema, a list of schemas]
        std::optional<Error> as_schema = Nested(value, at);
        if (!as_schema) return std::nullopt;
        std::optional<Error> as_list = value.is_array() ? List(value, at, false) : want("array");
        if (!as_list) return std::nullopt;
        return Error{at, "'anyOf' failed", {std::move(*as_schema), std::move(*as_list)}};
      }
      case Shape::kSchemaList:
        if (!value.is_array()) return want("array");
        return List(value, at, true);
      case Shape::kSchemaMap: {
        if (!value.is_object()) return want("object");
        std::optional<Error> members = Map(
            value, at,
            [&](const json& member, const std::string& where) { return Nested(member, where); });
        if (rule.keyword != "patternProperties") return members;
        std::vector<Error> errors;
        if (members) errors.push_back(std::move(*members));
        for (const auto& [pattern, member] : value.items()) {
          if (std::optional<Error> bad = Regex(pattern, "")) {
            errors.push_back({"", "invalid propertyName " + Quote(pattern), {std::move(*bad)}});
          }
        }
        return Collapse(std::move(errors), at);
      }
      case Shape::kString:
        if (!value.is_string()) return want("string");
        if (rule.keyword == "pattern") return Regex(value.get<std::string>(), at);
        return std::nullopt;
      case Shape::kNumber:
        return value.is_number() ? std::nullopt : want("number");
      case Shape::kPositive:
        if (!value.is_number()) return want("number");
        if (Compare(ToDecimal(value), Decimal{}) <= 0) {
          return Error{
              at, "exclusiveMinimum: got " + DisplayFloat(value.get<double>()) + ", want 0", {}};
        }
        return std::nullopt;
      case Shape::kCount: {
        std::optional<Error> error;
        if (!value.is_number() || !IsWhole(value)) {
          error = want("integer");
        } else if (value.get<double>() < 0) {
          error = Error{at, "minimum: got " + DisplayFloat(value.get<double>()) + ", want 0", {}};
        }
        // Before 2019-09 the lower bounds are an allOf of the count and a default.
        bool lower = rule.keyword == "minLength" || rule.keyword == "minItems" ||
                     rule.keyword == "minProperties";
        if (error && lower && draft_ < kDraft2019) {
          return Error{at, "'allOf' failed", {std::move(*error)}};
        }
        return error;
      }
      case Shape::kBool:
        return value.is_boolean() ? std::nullopt : want("boolean");
      case Shape::kExclusive:
        if (draft_ == kDraft4) return value.is_boolean() ? std::nullopt : want("boolean");
        return value.is_number() ? std::nullopt : want("number");
      case Shape::kStrings:
        return Strings(value, at, draft_ == kDraft4);
      case Shape::kType:
        return Type(value, at);
      case Shape::kArray:
        if (!value.is_array()) return want("array");
        if (draft_ == kDraft4 && rule.keyword == "enum" && value.empty()) {
          return Error{at, "minItems: got 0, want 1", {}};
        }
        return std::nullopt;
      case Shape::kDependencies:
        if (!value.is_object()) return want("object");
        return Map(value, at, [&](const json& member, const std::string& where) {
          return member.is_array() ? Strings(member, where, draft_ == kDraft4)
                                   : Nested(member, where);
        });
      case Shape::kStringsMap:
        if (!value.is_object()) return want("object");
        return Map(value, at, [&](const json& member, const std::string& where) {
          return Strings(member, where, false);
        });
    }
    return std::nullopt;
  }

  static std::optional<Error> Regex(const std::string& pattern, const std::string& at) {
    std::optional<std::string> reason = RegexError(pattern);
    if (!reason) return std::nullopt;
    return Error{at, Quote(pattern) + " is not valid regex: " + *reason, {}};
  }

  std::optional<Error> List(const json& value, const std::string& at, bool non_empty) {
    if (non_empty && value.empty()) return Error{at, "minItems: got 0, want 1", {}};
    std::vector<Error> errors;
    for (size_t i = 0; i < value.size(); ++i) {
      if (auto error = Nested(value[i], at + "/" + std::to_string(i))) errors.push_back(*error);
    }
    return Collapse(std::move(errors), at);
  }

  template <typename Check>
  std::optional<Error> Map(const json& value, const std::string& at, Check check) {
    std::vector<Error> errors;
    for (const auto& [name, member] : value.items()) {
      if (auto error = check(member, at + JoinPointer({name}))) errors.push_back(*error);
    }
    return Collapse(std::move(errors), at);
  }

  static std::optional<Error> Strings(const json& value, const std::string& at, bool non_empty) {
    if (!value.is_array()) return Error{at, "got " + JsonType(value) + ", want array", {}};
    std::vector<Error> errors;
    if (non_empty && value.empty()) errors.push_back({at, "minItems: got 0, want 1", {}});
    for (size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_string()) {
        errors.push_back(
            {at + "/" + std::to_string(i), "got " + JsonType(value[i]) + ", want string", {}});
      }
    }
    for (size_t i = 0; i < value.size() && errors.empty(); ++i) {
      for (size_t j = i + 1; j < value.size(); ++j) {
        if (value[i] == value[j]) {
          errors.push_back(
              {at,
               "items at " + std::to_string(i) + " and " + std::to_string(j) + " are equal",
               {}});
          break;
        }
      }
    }
    return Collapse(std::move(errors), at);
  }

  static std::optional<Error> Type(const json& value, const std::string& at) {
    static const std::vector<std::string> kTypes = {"array",  "boolean", "integer", "null",
                                                    "number", "object",  "string"};
    auto simple = [&](const json& item) {
      return item.is_string() &&
             std::find(kTypes.begin(), kTypes.end(), item.get<std::string>()) != kTypes.end();
    };
    if (simple(value)) return std::nullopt;
    if (value.is_array()) {
      bool all = !value.empty();
      for (const json& item : value) all = all && simple(item);
      if (all) return std::nullopt;
    }
    std::string names;
    for (const std::string& type : kTypes) names += (names.empty() ? "" : ", ") + Quote(type);
    std::vector<Error> causes;
    if (value.is_string()) {
      causes.push_back({at, "value must be one of " + names, {}});
    } else {
      causes.push_back({at, "got " + JsonType(value) + ", want string", {}});
    }
    if (!value.is_array()) causes.push_back({at, "got " + JsonType(value) + ", want array", {}});
    return Error{at, "'anyOf' failed", std::move(causes)};
  }

  Draft draft_;
};

}  // namespace

std::vector<Error> CheckMetaSchema(const Document& document) {
  return CheckAgainstMetaSchema(document.root(), document.draft());
}

std::vector<Error> CheckAgainstMetaSchema(const json& value, Draft draft) {
  std::optional<Error> error = Checker(draft).Schema(value, "");
  if (!error) return {};
  if (error->group) return std::move(error->causes);
  return {std::move(*error)};
}

}  // namespace converge::sources::helm::schema
