#include <charconv>

#include "sources/helm/schema/internal.h"
#include "sources/helm/template/fmt.h"

namespace converge::sources::helm::schema {
namespace {

void Display(const Error& error, int indent, std::string& out) {
  if (!out.empty()) out += '\n';
  for (int i = 1; i < indent; ++i) out += "  ";
  out += "- at " + Quote(error.at) + ": " + error.message;
  for (const Error& cause : error.causes) Display(cause, indent + 1, out);
}

// Go's %v of a json.Number holding a float: the literal, which the parsed double has lost;
// its shortest form, keeping a ".0" the literal most likely had.
std::string DisplayFloatLiteral(double value) {
  char buffer[64];
  auto end = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, end.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

}  // namespace

std::optional<Error> Collapse(std::vector<Error> errors, const std::string& at) {
  if (errors.empty()) return std::nullopt;
  if (errors.size() == 1) return std::move(errors[0]);
  return Error{at, "validation failed", std::move(errors), true};
}

std::optional<Error> ThroughReference(std::optional<Error> error, const std::string& at) {
  if (error && error->group) {
    error->at = at;
    error->group = false;
  }
  return error;
}

std::string JsonType(const json& value) {
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
    default:
      return "number";
  }
}

std::string Quote(std::string_view text) {
  std::string quoted = tmpl::GoQuote(text);
  std::string out = "'";
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] == '\\' && quoted[i + 1] == '"') {
      out += '"';
      ++i;
    } else if (quoted[i] == '\\') {
      out += quoted.substr(i, 2);
      ++i;
    } else if (quoted[i] == '\'') {
      out += "\\'";
    } else {
      out += quoted[i];
    }
  }
  return out + "'";
}

std::string DisplayValue(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return Quote(value.get_ref<const std::string&>());
    case json::value_t::array:
    case json::value_t::object:
      return "value";
    case json::value_t::null:
      return "<nil>";
    case json::value_t::number_float:
      return DisplayFloatLiteral(value.get<double>());
    default:
      return value.dump();
  }
}

std::string DisplayErrors(const std::vector<Error>& errors) {
  std::string out;
  for (const Error& error : errors) Display(error, 1, out);
  return out;
}

}  // namespace converge::sources::helm::schema
