#pragma once
// sources/helm/schema/schema.h: values.schema.json checks with the behaviour of the validator
// Helm 4.1.4 uses (santhosh-tekuri/jsonschema v6 with Helm's settings): drafts 4, 6, 7,
// 2019-09 and 2020-12 chosen by $schema (2020-12 when absent), the schema itself checked
// against its draft's meta-schema first, formats asserted before 2019-09 only, Go's regexp
// syntax for patterns, and errors worded as Helm prints them.
//
// It never downloads: a reference to another document (http, https, file) is an error, and a
// urn: reference that names nothing in the document accepts everything, as Helm's loader does.
//
// Thread-compatible: no shared state.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace converge::sources::helm::schema {

// What Helm prints under a chart's name when `values` break that chart's values.schema.json
// (`schema_text`); "" when they meet it. Broken values give one "- at '/path': reason" line
// per error (nested causes indented by two spaces) and a final newline. A schema that cannot be
// used (not JSON, not valid against its meta-schema, a bad regex, a reference to another
// document) gives the reason without a final newline, as Helm prints such errors.
std::string Check(std::string_view schema_text, const nlohmann::json& values);

}  // namespace converge::sources::helm::schema
