#include "sources/helm/template/fmt.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "base/strconv.h"
#include "base/utf8.h"
#include "sources/helm/template/gotime.h"

namespace converge::sources::helm::tmpl {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool IsPrintRune(char32_t r) {
  if (r < 0x20 || r == 0x7f) return false;
  if (r >= 0x80 && r < 0xa0) return false;
  if (r == 0xad) return false;
  if (r == 0xfeff || r == 0xfffe || r == 0xffff) return false;
  if (r >= 0x2028 && r <= 0x202e) return false;
  if (r >= 0x2060 && r <= 0x206f) return false;
  if (r >= 0xd800 && r < 0xe000) return false;
  return r <= 0x10ffff;
}

void AppendQuotedRune(std::string& out, char32_t r, size_t width, std::string_view raw,
                      char quote) {
  if (width == 1 && r == 0xfffd) {
    out += "\\x";
    out += kHex[static_cast<unsigned char>(raw[0]) >> 4];
    out += kHex[static_cast<unsigned char>(raw[0]) & 15];
    return;
  }
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out += '\\';
    out += static_cast<char>(r);
    return;
  }
  if (IsPrintRune(r)) {
    out += raw.substr(0, width);
    return;
  }
  switch (r) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    default:
      break;
  }
  char buffer[16];
  if (r < ' ' || r == 0x7f) {
    std::snprintf(buffer, sizeof(buffer), "\\x%02x", static_cast<unsigned>(r));
  } else if (r < 0x10000) {
    std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned>(r));
  } else {
    std::snprintf(buffer, sizeof(buffer), "\\U%08x", static_cast<unsigned>(r));
  }
  out += buffer;
}

std::string QuoteWith(std::string_view text, char quote, size_t max_runes) {
  std::string out(1, quote);
  size_t count = 0;
  for (size_t i = 0; i < text.size() && count < max_runes; ++count) {
    Rune rune = DecodeRune(text, i);
    AppendQuotedRune(out, rune.value, rune.size, text.substr(i), quote);
    i += rune.size;
  }
  out += quote;
  return out;
}

bool UnderscoreOk(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (std::tolower(s[1]) == 'b' || std::tolower(s[1]) == 'o' || std::tolower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = std::tolower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    char c = static_cast<char>(std::tolower(s[i]));
    if ((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

std::string WithoutUnderscores(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '_') out += c;
  }
  return out;
}

}  // namespace

std::string GoQuote(std::string_view text) { return QuoteWith(text, '"', SIZE_MAX); }

std::string GoQuotePrefix(std::string_view text, size_t runes) {
  return QuoteWith(text, '"', runes);
}

std::u32string DecodeUtf8Runes(std::string_view text) { return DecodeUtf8(text); }

void AppendUtf8(std::string& out, char32_t r) {
  if (r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) r = 0xfffd;
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xc0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xe0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (r & 0x3f));
  }
}

std::optional<std::string> GoUnquote(std::string_view literal) {
  if (literal.size() < 2) return std::nullopt;
  char quote = literal.front();
  if (literal.back() != quote) return std::nullopt;
  std::string_view body = literal.substr(1, literal.size() - 2);
  if (quote == '`') {
    if (body.find('`') != std::string_view::npos) return std::nullopt;
    std::string out;
    for (char c : body) {
      if (c != '\r') out += c;
    }
    return out;
  }
  if (quote != '"' && quote != '\'') return std::nullopt;
  std::string out;
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c == quote || c == '\n') return std::nullopt;
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    if (++i >= body.size()) return std::nullopt;
    char e = body[i++];
    auto hex_value = [&](size_t digits) -> std::optional<uint32_t> {
      if (i + digits > body.size()) return std::nullopt;
      uint32_t value = 0;
      auto [end, error] = std::from_chars(body.data() + i, body.data() + i + digits, value, 16);
      if (error != std::errc() || end != body.data() + i + digits) return std::nullopt;
      i += digits;
      return value;
    };
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
      case '"':
        if (e != quote) return std::nullopt;
        out += e;
        break;
      case 'x': {
        auto value = hex_value(2);
        if (!value) return std::nullopt;
        out += static_cast<char>(*value);
        break;
      }
      case 'u':
      case 'U': {
        auto value = hex_value(e == 'u' ? 4 : 8);
        if (!value || *value > 0x10ffff || (*value >= 0xd800 && *value < 0xe000)) {
          return std::nullopt;
        }
        AppendUtf8(out, *value);
        break;
      }
      default: {
        if (e < '0' || e > '7' || i + 2 > body.size()) return std::nullopt;
        uint32_t value = static_cast<uint32_t>(e - '0');
        for (int k = 0; k < 2; ++k) {
          char d = body[i++];
          if (d < '0' || d > '7') return std::nullopt;
          value = value * 8 + static_cast<uint32_t>(d - '0');
        }
        if (value > 255) return std::nullopt;
        out += static_cast<char>(value);
      }
    }
  }
  if (quote == '\'' && DecodeUtf8(out).size() != 1) return std::nullopt;
  return out;
}

std::optional<uint64_t> ParseGoUint(std::string_view text) {
  if (text.empty() || text[0] == '+' || text[0] == '-') return std::nullopt;
  int base = 10;
  std::string_view digits = text;
  if (text.size() >= 2 && text[0] == '0') {
    char p = static_cast<char>(std::tolower(text[1]));
    if (p == 'x') {
      base = 16;
      digits = text.substr(2);
    } else if (p == 'o') {
      base = 8;
      digits = text.substr(2);
    } else if (p == 'b') {
      base = 2;
      digits = text.substr(2);
    } else {
      base = 8;
      digits = text.substr(1);
    }
  }
  bool underscores = text.find('_') != std::string_view::npos;
  if (underscores && !UnderscoreOk(text)) return std::nullopt;
  std::string clean = WithoutUnderscores(digits);
  if (clean.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(clean.data(), clean.data() + clean.size(), value, base);
  if (error != std::errc() || end != clean.data() + clean.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> ParseGoInt(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = text[0] == '-';
  std::string_view rest = (text[0] == '-' || text[0] == '+') ? text.substr(1) : text;
  if (!UnderscoreOk(text) && text.find('_') != std::string_view::npos) return std::nullopt;
  std::optional<uint64_t> magnitude = ParseGoUint(rest);
  if (!magnitude) return std::nullopt;
  if (negative) {
    if (*magnitude > uint64_t{1} << 63) return std::nullopt;
    return static_cast<int64_t>(0 - *magnitude);
  }
  if (*magnitude >= uint64_t{1} << 63) return std::nullopt;
  return static_cast<int64_t>(*magnitude);
}

std::optional<double> ParseGoFloat(std::string_view text) {
  if (text.find('_') != std::string_view::npos && !UnderscoreOk(text)) return std::nullopt;
  std::string clean = WithoutUnderscores(text);
  std::string_view body = clean;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.remove_prefix(1);
  bool hex = body.size() > 1 && body[0] == '0' && std::tolower(body[1]) == 'x';
  if (hex && body.find_first_of("pP") == std::string_view::npos) return std::nullopt;
  if (body.empty() || !(std::isdigit(static_cast<unsigned char>(body[0])) || body[0] == '.')) {
    return std::nullopt;
  }
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  if (errno == ERANGE && std::isinf(value)) return std::nullopt;
  return value;
}

namespace {

struct Spec {
  bool minus = false;
  bool plus = false;
  bool plus_v = false;  // %+v: struct fields with their names
  bool sharp = false;
  bool space = false;
  bool zero = false;
  int width = -1;
  int precision = -1;
  char verb = 'v';
};

void Pad(std::string& out, std::string_view text, const Spec& spec, bool numeric) {
  int runes = static_cast<int>(DecodeUtf8(text).size());
  if (spec.width <= runes) {
    out += text;
    return;
  }
  size_t fill = static_cast<size_t>(spec.width - runes);
  if (spec.minus) {
    out += text;
    out.append(fill, ' ');
    return;
  }
  if (spec.zero && numeric && !text.empty() &&
      (text[0] == '-' || text[0] == '+' || text[0] == ' ')) {
    out += text[0];
    out.append(fill, '0');
    out += text.substr(1);
    return;
  }
  out.append(fill, spec.zero ? '0' : ' ');
  out += text;
}

std::string IntegerText(int64_t value, bool is_unsigned, const Spec& spec) {
  int base = 10;
  bool upper = false;
  switch (spec.verb) {
    case 'b':
      base = 2;
      break;
    case 'o':
    case 'O':
      base = 8;
      break;
    case 'x':
      base = 16;
      break;
    case 'X':
      base = 16;
      upper = true;
      break;
    default:
      break;
  }
  bool negative = !is_unsigned && value < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  char buffer[80];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), magnitude, base);
  (void)error;
  std::string digits(buffer, end);
  if (upper) {
    for (char& c : digits) c = static_cast<char>(std::toupper(c));
  }
  if (spec.precision >= 0) {
    if (spec.precision == 0 && magnitude == 0) digits.clear();
    while (static_cast<int>(digits.size()) < spec.precision) digits.insert(0, "0");
  }
  std::string prefix;
  if (spec.verb == 'O') prefix = "0o";
  if (spec.sharp) {
    if (base == 8 && spec.verb == 'o' && (digits.empty() || digits[0] != '0')) prefix = "0";
    if (base == 16) prefix = upper ? "0X" : "0x";
    if (base == 2) prefix = "0b";
  }
  std::string sign = negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  return sign + prefix + digits;
}

// strconv's 'x' and 'b' float formats.
std::string HexFloat(double value, int precision, bool upper) {
  std::string sign = std::signbit(value) ? "-" : "";
  value = std::fabs(value);
  uint64_t mantissa = 0;
  int exponent = 0;
  if (value != 0) {
    int e2 = 0;
    double fraction = std::frexp(value, &e2);
    mantissa = static_cast<uint64_t>(std::ldexp(fraction, 53));
    exponent = e2 - 1;
  }
  // mantissa holds 53 bits with the leading one at bit 52.
  uint64_t frac = mantissa & ((uint64_t{1} << 52) - 1);
  int lead = value == 0 ? 0 : 1;
  std::string digits;
  for (int shift = 48; shift >= 0; shift -= 4) digits += kHex[(frac >> shift) & 15];
  if (precision < 0) {
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
  } else if (precision < 13) {
    uint64_t keep = frac >> (52 - 4 * precision);
    uint64_t rest = frac & ((uint64_t{1} << (52 - 4 * precision)) - 1);
    uint64_t half = uint64_t{1} << (51 - 4 * precision);
    if (rest > half || (rest == half && (keep & 1))) ++keep;
    if (precision == 0 ? keep > 0 : keep >> (4 * precision)) {
      lead += 1;
      keep = 0;
      if (lead == 2) {
        lead = 1;
        ++exponent;
      }
    }
    digits.clear();
    for (int shift = 4 * (precision - 1); shift >= 0; shift -= 4)
      digits += kHex[(keep >> shift) & 15];
  } else {
    digits.append(static_cast<size_t>(precision - 13), '0');
  }
  char exponent_text[16];
  std::snprintf(exponent_text, sizeof(exponent_text), "p%c%02d", exponent < 0 ? '-' : '+',
                std::abs(exponent));
  std::string out =
      sign + "0x" + std::to_string(lead) + (digits.empty() ? "" : "." + digits) + exponent_text;
  if (upper) {
    for (char& c : out) c = static_cast<char>(std::toupper(c));
  }
  return out;
}

std::string BinaryFloat(double value) {
  int e2 = 0;
  double fraction = std::frexp(std::fabs(value), &e2);
  auto mantissa = static_cast<uint64_t>(std::ldexp(fraction, 53));
  int exponent = value == 0 ? -1074 : e2 - 53;
  std::string out = std::signbit(value) ? "-" : "";
  out += std::to_string(mantissa) + "p" + (exponent >= 0 ? "+" : "") + std::to_string(exponent);
  return out;
}

std::string FloatText(double value, const Spec& spec) {
  if (spec.verb == 'x' || spec.verb == 'X') {
    std::string text = HexFloat(value, spec.precision, spec.verb == 'X');
    if (spec.sharp && spec.precision < 0) {
      // fmt's '#' pads to six significant digits, counting the 'x' of "0x" as one.
      size_t p = text.find_first_of("pP");
      size_t start = text.find_first_of("xX") + 1;
      int significant = 1;
      for (size_t i = start; i < p; ++i) significant += text[i] != '.' ? 1 : 0;
      std::string zeros(static_cast<size_t>(std::max(0, 6 - significant)), '0');
      if (text.find('.') == std::string::npos && !zeros.empty()) zeros.insert(0, ".");
      text.insert(p, zeros);
    }
    if (spec.plus && text[0] != '-') return "+" + text;
    if (spec.space && text[0] != '-') return " " + text;
    return text;
  }
  if (spec.verb == 'b') return BinaryFloat(value);
  char verb = spec.verb == 'v' ? 'g' : spec.verb;
  int precision = spec.precision;
  if (precision < 0 && (verb == 'e' || verb == 'E' || verb == 'f' || verb == 'F')) precision = 6;
  std::string text = FormatFloat(value, verb == 'F' ? 'f' : verb, precision, 64);
  if (text == "+Inf" || text == "NaN" || text == "-Inf") {
    if (text == "+Inf" && !spec.plus) text = "+Inf";
    return text;
  }
  if (spec.plus && text[0] != '-') return "+" + text;
  if (spec.space && text[0] != '-') return " " + text;
  return text;
}

class Printer {
 public:
  std::string out;

  // Go prints the operand of a wrong verb with %v and the same flags.
  void BadVerb(const Value& value, const Spec& spec) {
    out += "%!";
    out += spec.verb;
    out += '(';
    if (value.IsNil()) {
      out += "<nil>";
    } else {
      out += value.TypeName();
      out += '=';
      Spec as_v = spec;
      as_v.verb = 'v';
      Print(value, as_v, false);
    }
    out += ')';
  }

  void Print(const Value& value, const Spec& spec, bool top = true) {
    char verb = spec.verb;
    if (verb == 'T') {
      Pad(out, value.TypeName(), spec, false);
      return;
    }
    if (verb == 'v' && spec.sharp) {
      GoSyntax(value, top);
      return;
    }
    if (const Methods* named = value.methods();
        named != nullptr && !named->StringNeedsAddress() && (verb == 'v' || verb == 's')) {
      if (std::optional<std::string> text = named->String(value)) {
        PrintString(*text, spec);
        return;
      }
    }
    switch (value.kind()) {
      case Value::Kind::kNil:
        // A nil element of a container is an empty interface, which Go prints as <nil> for
        // every verb.
        if (verb == 'v' || !top) {
          Pad(out, "<nil>", spec, false);
        } else {
          BadVerb(value, spec);
        }
        return;
      case Value::Kind::kBool:
        if (verb == 'v' || verb == 't') {
          Pad(out, value.bool_value() ? "true" : "false", spec, false);
        } else {
          BadVerb(value, spec);
        }
        return;
      case Value::Kind::kInt:
      case Value::Kind::kInt64:
      case Value::Kind::kUint8:
        PrintInteger(value, spec);
        return;
      case Value::Kind::kFloat64:
        if (std::string_view("vbeEfFgGxX").find(verb) != std::string_view::npos) {
          Pad(out, FloatText(value.float_value(), spec), spec, true);
        } else {
          BadVerb(value, spec);
        }
        return;
      case Value::Kind::kString:
        PrintString(value.string_value(), spec);
        return;
      case Value::Kind::kBytes:
        PrintBytes(value.bytes_value(), spec);
        return;
      case Value::Kind::kList: {
        out += '[';
        bool first = true;
        for (const Value& item : value.list()) {
          if (!first) out += ' ';
          first = false;
          Print(item, spec, false);
        }
        out += ']';
        return;
      }
      case Value::Kind::kMap: {
        if (std::optional<GoTime> time = AsTime(value)) {
          PrintString(TimeString(*time), spec);
          return;
        }
        if (std::span<const Methods::Field> fields = value.StructFields(); !fields.empty()) {
          if (top && value.methods()->IsPointer()) out += '&';
          out += '{';
          for (size_t i = 0; i < fields.size(); ++i) {
            if (i > 0) out += ' ';
            if (spec.plus_v) {
              out += fields[i].name;
              out += ':';
            }
            auto found = value.map().find(fields[i].name);
            Print(found == value.map().end() ? Value() : found->second, spec, false);
          }
          out += '}';
          return;
        }
        bool is_struct = value.elem() == ElemType::kCertificate;
        out += is_struct ? "{" : "map[";
        bool first = true;
        for (const auto& [key, item] : value.map()) {
          if (!first) out += ' ';
          first = false;
          if (!is_struct) {
            PrintString(key, spec);
            out += ':';
          }
          Print(item, spec, false);
        }
        out += is_struct ? '}' : ']';
        return;
      }
    }
  }

  // fmtBytes: %s, %q, %x and %X print the bytes as text; other verbs print each byte as a number.
  void PrintBytes(const std::string& data, const Spec& spec) {
    if (std::string_view("sqxX").find(spec.verb) != std::string_view::npos) {
      PrintString(data, spec);
      return;
    }
    out += '[';
    for (size_t i = 0; i < data.size(); ++i) {
      if (i > 0) out += ' ';
      PrintInteger(Value::Int(static_cast<unsigned char>(data[i])), spec);
    }
    out += ']';
  }

  void PrintInteger(const Value& value, const Spec& spec) {
    int64_t n = value.int_value();
    switch (spec.verb) {
      case 'v':
      case 'd':
      case 'b':
      case 'o':
      case 'O':
      case 'x':
      case 'X':
        Pad(out, IntegerText(n, false, spec), spec, true);
        return;
      case 'c': {
        std::string text;
        AppendUtf8(text, static_cast<char32_t>(n));
        Pad(out, text, spec, false);
        return;
      }
      case 'q': {
        std::string text;
        AppendUtf8(text, static_cast<char32_t>(n));
        Pad(out, QuoteWith(text, '\'', SIZE_MAX), spec, false);
        return;
      }
      case 'U': {
        char buffer[32];
        std::snprintf(buffer, sizeof(buffer), "U+%04llX", static_cast<unsigned long long>(n));
        Pad(out, buffer, spec, false);
        return;
      }
      default:
        BadVerb(value, spec);
    }
  }

  void PrintString(const std::string& text, const Spec& spec) {
    switch (spec.verb) {
      case 'v':
      case 's': {
        if (spec.precision >= 0) {
          std::u32string runes = DecodeUtf8(text);
          if (static_cast<int>(runes.size()) > spec.precision) {
            std::string cut;
            for (int i = 0; i < spec.precision; ++i) AppendUtf8(cut, runes[static_cast<size_t>(i)]);
            Pad(out, cut, spec, false);
            return;
          }
        }
        Pad(out, text, spec, false);
        return;
      }
      case 'q':
        Pad(out, GoQuote(text), spec, false);
        return;
      case 'x':
      case 'X': {
        std::string hex = spec.sharp ? (spec.verb == 'x' ? "0x" : "0X") : "";
        const char* digits = spec.verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
        for (unsigned char c : text) {
          hex += digits[c >> 4];
          hex += digits[c & 15];
        }
        Pad(out, hex, spec, false);
        return;
      }
      default:
        BadVerb(Value::String(text), spec);
    }
  }

  void GoSyntax(const Value& value, bool top) {
    switch (value.kind()) {
      case Value::Kind::kNil:
        out += top ? "<nil>" : "interface {}(nil)";
        return;
      case Value::Kind::kString:
        out += GoQuote(value.string_value());
        return;
      case Value::Kind::kBytes: {
        out += "[]byte{";
        const std::string& data = value.bytes_value();
        for (size_t i = 0; i < data.size(); ++i) {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "0x%x", static_cast<unsigned char>(data[i]));
          out += i > 0 ? ", " : "";
          out += hex;
        }
        out += '}';
        return;
      }
      case Value::Kind::kFloat64: {
        std::string text = FormatFloat(value.float_value(), 'g', -1, 64);
        out += text;
        return;
      }
      case Value::Kind::kUint8: {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "0x%x", static_cast<unsigned>(value.int_value()));
        out += hex;
        return;
      }
      case Value::Kind::kList: {
        out += value.TypeName();
        out += '{';
        bool first = true;
        for (const Value& item : value.list()) {
          if (!first) out += ", ";
          first = false;
          GoSyntax(item, false);
        }
        out += '}';
        return;
      }
      case Value::Kind::kMap: {
        if (std::span<const Methods::Field> fields = value.StructFields(); !fields.empty()) {
          out += value.methods()->IsPointer() ? "&" + value.TypeName().substr(1) : value.TypeName();
          out += '{';
          for (size_t i = 0; i < fields.size(); ++i) {
            if (i > 0) out += ", ";
            out += fields[i].name;
            out += ':';
            auto found = value.map().find(fields[i].name);
            GoSyntax(found == value.map().end() ? Value() : found->second, false);
          }
          out += '}';
          return;
        }
        out += value.TypeName();
        out += '{';
        bool first = true;
        for (const auto& [key, item] : value.map()) {
          if (!first) out += ", ";
          first = false;
          out += GoQuote(key);
          out += ':';
          GoSyntax(item, false);
        }
        out += '}';
        return;
      }
      default:
        AppendValue(out, value);
    }
  }
};

}  // namespace

void AppendValue(std::string& out, const Value& value) {
  if (const Methods* named = value.methods(); named != nullptr && !named->StringNeedsAddress()) {
    if (std::optional<std::string> text = named->String(value)) {
      out += *text;
      return;
    }
  }
  switch (value.kind()) {
    case Value::Kind::kNil:
      out += "<nil>";
      return;
    case Value::Kind::kBool:
      out += value.bool_value() ? "true" : "false";
      return;
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
    case Value::Kind::kUint8:
      out += std::to_string(value.int_value());
      return;
    case Value::Kind::kFloat64:
      out += FormatFloat(value.float_value(), 'g', -1, 64);
      return;
    case Value::Kind::kString:
      out += value.string_value();
      return;
    case Value::Kind::kBytes: {
      out += '[';
      const std::string& data = value.bytes_value();
      for (size_t i = 0; i < data.size(); ++i) {
        if (i > 0) out += ' ';
        out += std::to_string(static_cast<unsigned char>(data[i]));
      }
      out += ']';
      return;
    }
    case Value::Kind::kList: {
      out += '[';
      bool first = true;
      for (const Value& item : value.list()) {
        if (!first) out += ' ';
        first = false;
        AppendValue(out, item);
      }
      out += ']';
      return;
    }
    case Value::Kind::kMap: {
      if (std::optional<GoTime> time = AsTime(value)) {
        out += TimeString(*time);
        return;
      }
      if (std::span<const Methods::Field> fields = value.StructFields(); !fields.empty()) {
        if (value.methods()->IsPointer()) out += '&';
        out += '{';
        for (size_t i = 0; i < fields.size(); ++i) {
          if (i > 0) out += ' ';
          auto found = value.map().find(fields[i].name);
          AppendValue(out, found == value.map().end() ? Value() : found->second);
        }
        out += '}';
        return;
      }
      // Sprig's certificate struct prints its fields in order, which is key order.
      bool is_struct = value.elem() == ElemType::kCertificate;
      out += is_struct ? "{" : "map[";
      bool first = true;
      for (const auto& [key, item] : value.map()) {
        if (!first) out += ' ';
        first = false;
        if (!is_struct) {
          out += key;
          out += ':';
        }
        AppendValue(out, item);
      }
      out += is_struct ? '}' : ']';
      return;
    }
  }
}

std::string FormatValue(const Value& value) {
  std::string out;
  AppendValue(out, value);
  return out;
}

void AppendDirect(std::string& out, const Value& value) {
  const Methods* named = value.methods();
  if (named != nullptr) {
    if (std::optional<std::string> text = named->String(value)) {
      out += *text;
      return;
    }
  }
  if (named != nullptr && named->IsPointer()) {
    // text/template prints what a pointer points to.
    size_t start = out.size();
    AppendValue(out, value);
    out.erase(start, 1);
    return;
  }
  AppendValue(out, value);
}

std::string Sprint(std::span<const Value> args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].kind() == Value::Kind::kString;
    if (i > 0 && !is_string && args[i - 1].kind() != Value::Kind::kString) out += ' ';
    AppendValue(out, args[i]);
  }
  return out;
}

std::string Sprintln(std::span<const Value> args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    AppendValue(out, args[i]);
  }
  out += '\n';
  return out;
}

std::string Sprintf(std::string_view format, std::span<const Value> args) {
  Printer printer;
  std::string& out = printer.out;
  size_t arg = 0;
  for (size_t i = 0; i < format.size();) {
    char c = format[i];
    if (c != '%') {
      size_t next = format.find('%', i);
      if (next == std::string_view::npos) next = format.size();
      out += format.substr(i, next - i);
      i = next;
      continue;
    }
    ++i;
    Spec spec;
    for (; i < format.size(); ++i) {
      char flag = format[i];
      if (flag == '-') {
        spec.minus = true;
        spec.zero = false;
      } else if (flag == '+') {
        spec.plus = true;
      } else if (flag == '#') {
        spec.sharp = true;
      } else if (flag == ' ') {
        spec.space = true;
      } else if (flag == '0') {
        spec.zero = !spec.minus;
      } else {
        break;
      }
    }
    auto read_number = [&](int& target) {
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (arg < args.size() &&
            (args[arg].IsInteger() || args[arg].kind() == Value::Kind::kUint8)) {
          target = static_cast<int>(args[arg].int_value());
          ++arg;
          return true;
        }
        ++arg;
        out += "%!(BADWIDTH)";
        return false;
      }
      if (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
        target = 0;
        while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
          target = target * 10 + (format[i] - '0');
          ++i;
        }
      }
      return true;
    };
    read_number(spec.width);
    if (spec.width < -1) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      read_number(spec.precision);
      if (spec.precision < 0) spec.precision = -1;
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    Rune verb_rune = DecodeRune(format, i);
    i += verb_rune.size;
    char verb = static_cast<char>(verb_rune.value);
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (arg >= args.size()) {
      out += "%!";
      AppendUtf8(out, verb_rune.value);
      out += "(MISSING)";
      continue;
    }
    spec.verb = verb;
    if (verb == 'v') {
      spec.plus_v = spec.plus;
      spec.plus = false;
    }
    if (verb_rune.value >= 0x80) {
      out += "%!";
      AppendUtf8(out, verb_rune.value);
      out += '(';
      out += args[arg].TypeName() + "=";
      AppendValue(out, args[arg]);
      out += ')';
    } else {
      printer.Print(args[arg], spec);
    }
    ++arg;
  }
  if (arg < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = arg; k < args.size(); ++k) {
      if (k > arg) out += ", ";
      if (args[k].IsNil()) {
        out += "<nil>";
      } else {
        out += args[k].TypeName() + "=";
        AppendValue(out, args[k]);
      }
    }
    out += ')';
  }
  return out;
}

}  // namespace converge::sources::helm::tmpl
