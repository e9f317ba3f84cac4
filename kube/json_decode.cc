#include "kube/json_decode.h"

#include <string>

namespace converge::kube {
namespace {

using nlohmann::json;

struct Position {
  int line = 1;
  int column = 1;
};

Position PositionAt(std::string_view text, size_t offset) {
  Position position;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

// Returns the offset just past the JSON value starting at `begin`: brackets are balanced
// outside strings; a scalar ends at the next blank.
size_t ValueEnd(std::string_view text, size_t begin) {
  if (text[begin] != '{' && text[begin] != '[') {
    size_t end = text.find_first_of(" \t\r\n", begin);
    return end == std::string_view::npos ? text.size() : end;
  }
  int depth = 0;
  bool in_string = false;
  for (size_t i = begin; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return text.size();
}

void WidenUnsigned(json& value) {
  if (value.is_number_unsigned()) {
    auto number = value.get<uint64_t>();
    if (number > static_cast<uint64_t>(INT64_MAX)) {
      value = static_cast<double>(number);
    } else {
      value = static_cast<int64_t>(number);
    }
    return;
  }
  if (value.is_structured()) {
    for (json& child : value) WidenUnsigned(child);
  }
}

std::string StripExceptionPrefix(std::string message) {
  size_t close = message.find("] ");
  if (message.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
    message.erase(0, close + 2);
  }
  // Positions are reported by the caller, relative to the whole stream.
  if (message.rfind("parse error at line", 0) == 0) {
    size_t colon = message.find(": ");
    if (colon != std::string::npos) message.erase(0, colon + 2);
  }
  return message;
}

}  // namespace

Result<std::vector<Document>> DecodeJsonStream(std::string_view text, std::string_view source) {
  std::vector<Document> documents;
  std::string name(source.empty() ? "<input>" : source);
  size_t pos = text.find_first_not_of(" \t\r\n");
  int index = 0;
  while (pos != std::string_view::npos) {
    size_t end = ValueEnd(text, pos);
    std::string_view slice = text.substr(pos, end - pos);
    Position start = PositionAt(text, pos);
    ++index;
    Document document{.value = json(), .index = index, .line = start.line};
    try {
      document.value = json::parse(slice);
    } catch (const json::parse_error& error) {
      Position at = PositionAt(text, pos + (error.byte > 0 ? error.byte - 1 : 0));
      return Status::Invalid(name + ":" + std::to_string(at.line) + ":" +
                             std::to_string(at.column) + ": document " + std::to_string(index) +
                             ": " + StripExceptionPrefix(error.what()));
    } catch (const json::exception& error) {
      // A number beyond a double's range ("1e999"); Go refuses it too.
      return Status::Invalid(name + ":" + std::to_string(start.line) + ":" +
                             std::to_string(start.column) + ": document " + std::to_string(index) +
                             ": " + StripExceptionPrefix(error.what()));
    }
    WidenUnsigned(document.value);
    documents.push_back(std::move(document));
    pos = text.find_first_not_of(" \t\r\n", end);
  }
  return documents;
}

}  // namespace converge::kube
