// JSON bytes as Go's encoding/json writes them (kubectl -o json, Helm's toJson).

#include <cmath>
#include <string>

#include "base/strconv.h"
#include "base/utf8.h"
#include "kube/kube.h"

namespace converge::kube {
namespace {

using nlohmann::json;

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(std::string& out, unsigned code) {
  out.append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(code >> shift) & 0xF]);
}

// encoding/json's string encoder with HTML escaping on (its default): control characters,
// quote, backslash, <, > and &, U+2028 and U+2029 are escaped; invalid UTF-8 becomes U+FFFD.
void AppendString(std::string& out, std::string_view text) {
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      switch (byte) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '<':
        case '>':
        case '&':
          AppendUnicodeEscape(out, byte);
          break;
        default:
          if (byte < 0x20) {
            AppendUnicodeEscape(out, byte);
          } else {
            out.push_back(static_cast<char>(byte));
          }
      }
      ++i;
      continue;
    }
    Rune rune = DecodeRune(text, i);
    if (rune.value == U'\uFFFD' && rune.size == 1) {
      out.append("\\ufffd");
    } else if (rune.value == 0x2028 || rune.value == 0x2029) {
      AppendUnicodeEscape(out, rune.value);
    } else {
      out.append(text.substr(i, rune.size));
    }
    i += rune.size;
  }
  out.push_back('"');
}

// encoding/json's float format: %f between 1e-6 and 1e21, else %e with "e-07" cut to "e-7".
std::string FormatJsonFloat(double value) {
  if (std::isnan(value) || std::isinf(value)) {
    return "null";  // encoding/json refuses these; our decoders never produce them
  }
  double magnitude = std::fabs(value);
  bool exponent = magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21);
  std::string text = FormatFloat(value, exponent ? 'e' : 'f', -1, 64);
  size_t n = text.size();
  if (exponent && n >= 4 && text[n - 4] == 'e' && text[n - 3] == '-' && text[n - 2] == '0') {
    text.erase(n - 2, 1);
  }
  return text;
}

void Newline(std::string& out, int indent, int depth) {
  out.push_back('\n');
  out.append(static_cast<size_t>(indent * depth), ' ');
}

void Encode(std::string& out, const json& value, int indent, int depth) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      out.append("null");
      return;
    case json::value_t::boolean:
      out.append(value.get<bool>() ? "true" : "false");
      return;
    case json::value_t::number_integer:
      out.append(std::to_string(value.get<int64_t>()));
      return;
    case json::value_t::number_unsigned:
      out.append(std::to_string(value.get<uint64_t>()));
      return;
    case json::value_t::number_float:
      out.append(FormatJsonFloat(value.get<double>()));
      return;
    case json::value_t::string:
      AppendString(out, value.get_ref<const std::string&>());
      return;
    case json::value_t::binary:
      out.append("null");
      return;
    case json::value_t::array:
    case json::value_t::object:
      break;
  }
  bool is_object = value.is_object();
  out.push_back(is_object ? '{' : '[');
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!first) out.push_back(',');
    first = false;
    if (indent >= 0) Newline(out, indent, depth + 1);
    if (is_object) {
      AppendString(out, it.key());
      out.append(indent >= 0 ? ": " : ":");
    }
    Encode(out, it.value(), indent, depth + 1);
  }
  if (indent >= 0 && !value.empty()) Newline(out, indent, depth);
  out.push_back(is_object ? '}' : ']');
}

}  // namespace

std::string EncodeJson(const json& value, int indent) {
  std::string out;
  Encode(out, value, indent, 0);
  return out;
}

}  // namespace converge::kube
