#pragma once
// sources/helm/schema/internal.h (internal): what the files of sources/helm/schema share. The
// pieces follow santhosh-tekuri/jsonschema v6 as Helm 4.1.4 configures it: a document is indexed
// (resources, anchors, drafts), checked against its draft's rules, compiled into Schema nodes
// and then applied to values, collecting errors worded as the library words them.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "base/status.h"
#include "sources/helm/schema/number.h"

namespace converge::sources::helm::schema {

using nlohmann::json;

// The URL Helm gives every values.schema.json.
inline constexpr std::string_view kRootUrl = "file:///values.schema.json";

// --- URIs (uri.cc)

// RFC 3986 reference resolution, as Go's url.ResolveReference.
std::string ResolveUri(std::string_view base, std::string_view reference);
// {"uri", "fragment"}; the fragment without '#'.
std::pair<std::string, std::string> SplitFragment(std::string_view uri);
std::string PercentDecode(std::string_view text);
// "/a~1b/0" from {"a/b", "0"}.
std::string JoinPointer(const std::vector<std::string>& tokens);
std::vector<std::string> SplitPointer(std::string_view pointer);

// --- Errors (errors.cc), the library's ValidationError tree.

struct Error {
  std::string at;  // JSON pointer of the instance
  std::string message;
  std::vector<Error> causes;
  bool group = false;  // the library's group of several errors of one value
};

// What a reference ($ref, $dynamicRef, …) makes of its target's error: a group from the target
// moves to the reference's place (the library keeps the group's causes and drops its place).
std::optional<Error> ThroughReference(std::optional<Error> error, const std::string& at);

// One error for a list: none, the error itself, or "validation failed" with the list below it
// (the library's group error).
std::optional<Error> Collapse(std::vector<Error> errors, const std::string& at);
// The library's name of a value's JSON type; every number is a "number".
std::string JsonType(const json& value);

// The library's quote(): Go's %q in single quotes.
std::string Quote(std::string_view text);
// The library's display() of a primitive.
std::string DisplayValue(const json& value);
// Errors below the top one, one "- at '…': …" line each, nested ones indented.
std::string DisplayErrors(const std::vector<Error>& errors);

// --- Drafts and documents (document.cc)

enum Draft { kDraft4 = 4, kDraft6 = 6, kDraft7 = 7, kDraft2019 = 2019, kDraft2020 = 2020 };

// The draft whose meta-schema `uri` names, if the library knows it.
std::optional<Draft> DraftOf(std::string_view uri);
std::string MetaSchemaUrl(Draft draft);

// Where a schema sits: the base URI its references resolve against, its draft and the pointer
// of the resource (the document or an embedded schema with an id) it belongs to.
struct Place {
  std::string base;
  Draft draft = kDraft2020;
  std::string resource;
};

// A resolved reference: a pointer into the document, or a schema that accepts everything
// (Helm's loader for unresolved urn: references).
struct Target {
  std::string pointer;
  bool accept_all = false;
  std::optional<Draft> meta_schema;  // a draft's meta-schema, which the library carries
};

class Document {
 public:
  // Fails on a $schema the library would have to download.
  static Result<Document> Index(json root);

  const json& root() const { return root_; }
  Draft draft() const { return places_.at("").draft; }
  // The value at `pointer`, or nullptr.
  const json* Find(const std::string& pointer) const;
  Place PlaceOf(const std::string& pointer) const;
  // Fails on a reference to another document (Converge never downloads) or to nothing.
  Result<Target> Resolve(const std::string& base, std::string_view reference) const;
  // $dynamicAnchor name → pointer, for the resource at `resource`.
  const std::map<std::string, std::string>* DynamicAnchors(const std::string& resource) const;

 private:
  void Walk(const json& node, const std::string& pointer, Place place);

  json root_;
  std::unordered_map<std::string, Place> places_;  // schema pointer → place
  std::map<std::string, std::string> resources_;   // absolute URI → pointer
  std::map<std::string, std::string> anchors_;     // "uri#name" → pointer
  std::map<std::string, std::map<std::string, std::string>> dynamic_anchors_;
};

// The keywords (of any draft) whose values are schemas, lists of schemas or maps of schemas.
enum class Holds { kSchema, kList, kMap };
const std::vector<std::pair<std::string_view, Holds>>& SchemaKeywords();

// --- The meta-schema check (metaschema.cc)

// Errors of `document` against its draft's meta-schema, empty when it is a valid schema.
std::vector<Error> CheckMetaSchema(const Document& document);
// Errors of any value against `draft`'s meta-schema (a $ref to the meta-schema).
std::vector<Error> CheckAgainstMetaSchema(const json& value, Draft draft);

// --- Formats (format.cc)

// Why `text` is not a valid `format`; nullopt when it is, or the format is not one the
// library asserts. Formats apply to strings only.
std::optional<std::string> CheckFormat(std::string_view format, std::string_view text);
bool KnownFormat(std::string_view format);
// Go's regexp.Compile error for `pattern` ("error parsing regexp: missing closing ): `(`").
std::optional<std::string> RegexError(std::string_view pattern);

// --- Compiled schemas (compile.cc)

struct Schema;
using SchemaList = std::vector<const Schema*>;
// additionalProperties, additionalItems: absent, a boolean or a schema.
using Additional = std::variant<std::monostate, bool, const Schema*>;

struct Schema {
  std::string pointer;
  Draft draft = kDraft2020;
  const Schema* resource = nullptr;  // the root of its resource
  std::optional<bool> always;        // a boolean schema
  std::optional<Draft> meta_schema;  // stands for a draft's meta-schema

  const Schema* ref = nullptr;
  const Schema* recursive_ref = nullptr;
  bool recursive_anchor = false;
  const Schema* dynamic_ref = nullptr;
  std::string dynamic_ref_anchor;
  std::string dynamic_anchor;
  // $dynamicAnchor name → schema, for a resource root.
  std::map<std::string, const Schema*> dynamic_anchors;

  std::vector<std::string> types;
  const json* enum_values = nullptr;
  const json* constant = nullptr;
  std::string format;

  std::optional<Decimal> multiple_of, maximum, exclusive_maximum, minimum, exclusive_minimum;
  std::optional<int64_t> min_length, max_length, min_items, max_items, min_properties,
      max_properties, min_contains, max_contains;
  std::unique_ptr<RE2> pattern;
  bool unique_items = false;
  std::vector<std::string> required;

  SchemaList all_of, any_of, one_of;
  const Schema* negated = nullptr;
  std::map<std::string, const Schema*> properties;
  std::vector<std::pair<std::unique_ptr<RE2>, const Schema*>> pattern_properties;
  Additional additional_properties;
  std::map<std::string, std::variant<std::vector<std::string>, const Schema*>> dependencies;
  std::map<std::string, std::vector<std::string>> dependent_required;
  std::map<std::string, const Schema*> dependent_schemas;
  const Schema* property_names = nullptr;
  const Schema* contains = nullptr;
  const Schema *if_schema = nullptr, *then_schema = nullptr, *else_schema = nullptr;

  const Schema* items = nullptr;  // one schema for every item (before 2020: "items": {...})
  SchemaList item_list;           // before 2020: "items": [...]
  Additional additional_items;
  SchemaList prefix_items;
  const Schema* items_after_prefix = nullptr;  // 2020: "items"
  const Schema* unevaluated_items = nullptr;
  const Schema* unevaluated_properties = nullptr;
};

struct Compiled {
  Document document;
  std::unordered_map<std::string, std::unique_ptr<Schema>> schemas;  // by pointer
  const Schema* root = nullptr;
};

// Errors are messages for the report: "failing loading …", "invalid regex …".
Result<std::unique_ptr<Compiled>> Compile(Document document);

// --- Validation (validate.cc)

// The errors of `value` against `compiled`; empty when valid.
std::vector<Error> Validate(const Compiled& compiled, const json& value);

}  // namespace converge::sources::helm::schema
