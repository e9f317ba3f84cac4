#include "sources/helm/schema/internal.h"
#include "sources/helm/schema/schema.h"

namespace converge::sources::helm::schema {
namespace {

// What Go's JSON decoder says about a document nlohmann refused: "unexpected EOF" when it ends
// early, else the offending character.
std::string JsonError(std::string_view text) {
  size_t at = 0;
  try {
    json parsed = json::parse(text);
    return parsed.dump();
  } catch (const json::parse_error& error) {
    at = error.byte == 0 ? 0 : error.byte - 1;
  }
  if (at >= text.size()) return "unexpected EOF";
  return "invalid character " + Quote(text.substr(at, 1)) + " in values.schema.json at byte " +
         std::to_string(at + 1);
}

}  // namespace

std::string Check(std::string_view schema_text, const nlohmann::json& values) {
  json root = json::parse(schema_text, nullptr, false);
  if (root.is_discarded()) {
    return JsonError(schema_text);
  }
  Result<Document> document = Document::Index(std::move(root));
  if (!document.ok()) return document.status().message();
  if (std::vector<Error> errors = CheckMetaSchema(*document); !errors.empty()) {
    return "\"" + std::string(kRootUrl) +
           "#\" is not valid against metaschema: " + "jsonschema validation failed with '" +
           MetaSchemaUrl(document->draft()) + "'\n" + DisplayErrors(errors);
  }
  Result<std::unique_ptr<Compiled>> compiled = Compile(std::move(*document));
  if (!compiled.ok()) return compiled.status().message();
  std::vector<Error> errors = Validate(**compiled, values);
  if (errors.empty()) return "";
  return DisplayErrors(errors) + "\n";
}

}  // namespace converge::sources::helm::schema
