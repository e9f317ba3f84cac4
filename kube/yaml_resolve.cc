#include "kube/yaml_resolve.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

namespace converge::kube::yaml {
namespace {

constexpr std::string_view kStrTag = "!!str";
constexpr std::string_view kBinaryTag = "!!binary";
constexpr std::string_view kTimestampTag = "!!timestamp";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The table goyaml consults before anything else, keyed by the whole text.
bool LookupWord(std::string_view text, bool yaml_1_2, Scalar& out) {
  struct Word {
    std::string_view text;
    ScalarKind kind;
    double value;
  };
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  static constexpr std::array<Word, 37> kWords = {{
      {"y", ScalarKind::kBool, 1},          {"Y", ScalarKind::kBool, 1},
      {"yes", ScalarKind::kBool, 1},        {"Yes", ScalarKind::kBool, 1},
      {"YES", ScalarKind::kBool, 1},        {"true", ScalarKind::kBool, 1},
      {"True", ScalarKind::kBool, 1},       {"TRUE", ScalarKind::kBool, 1},
      {"on", ScalarKind::kBool, 1},         {"On", ScalarKind::kBool, 1},
      {"ON", ScalarKind::kBool, 1},         {"n", ScalarKind::kBool, 0},
      {"N", ScalarKind::kBool, 0},          {"no", ScalarKind::kBool, 0},
      {"No", ScalarKind::kBool, 0},         {"NO", ScalarKind::kBool, 0},
      {"false", ScalarKind::kBool, 0},      {"False", ScalarKind::kBool, 0},
      {"FALSE", ScalarKind::kBool, 0},      {"off", ScalarKind::kBool, 0},
      {"Off", ScalarKind::kBool, 0},        {"OFF", ScalarKind::kBool, 0},
      {"", ScalarKind::kNull, 0},           {"~", ScalarKind::kNull, 0},
      {"null", ScalarKind::kNull, 0},       {"Null", ScalarKind::kNull, 0},
      {"NULL", ScalarKind::kNull, 0},       {".inf", ScalarKind::kFloat, kInf},
      {".Inf", ScalarKind::kFloat, kInf},   {".INF", ScalarKind::kFloat, kInf},
      {"+.inf", ScalarKind::kFloat, kInf},  {"+.Inf", ScalarKind::kFloat, kInf},
      {"+.INF", ScalarKind::kFloat, kInf},  {"-.inf", ScalarKind::kFloat, -kInf},
      {"-.Inf", ScalarKind::kFloat, -kInf}, {"-.INF", ScalarKind::kFloat, -kInf},
      {"<<", ScalarKind::kMerge, 0},
  }};
  for (const Word& word : kWords) {
    if (word.text == text) {
      bool yaml_1_1_only = word.kind == ScalarKind::kBool && word.text != "true" &&
                           word.text != "True" && word.text != "TRUE" && word.text != "false" &&
                           word.text != "False" && word.text != "FALSE";
      if (yaml_1_2 && yaml_1_1_only) return false;
      out.kind = word.kind;
      out.boolean = word.value != 0;
      out.floating = word.value;
      return true;
    }
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    out.kind = ScalarKind::kFloat;
    out.floating = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  return false;
}

// goyaml's first-character hint: which resolutions are worth trying at all.
char Hint(std::string_view text) {
  if (text.empty()) {
    return 'N';
  }
  char c = text[0];
  if (c == '+' || c == '-') return 'S';
  if (IsDigit(c)) return 'D';
  if (std::string_view("yYnNtTfFoO~").find(c) != std::string_view::npos) return 'M';
  if (c == '.') return '.';
  return 0;
}

enum class IntError { kNone, kSyntax, kRange };

int DigitValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// strconv.ParseUint(text, base, 64); base 0 reads 0x, 0o, 0b and leading-0 octal prefixes.
IntError ParseUnsigned(std::string_view text, int base, uint64_t& out) {
  if (text.empty()) {
    return IntError::kSyntax;
  }
  if (base == 0) {
    base = 10;
    if (text[0] == '0') {
      char prefix = text.size() >= 3 ? static_cast<char>(text[1] | 0x20) : 0;
      base = prefix == 'b' ? 2 : prefix == 'o' ? 8 : prefix == 'x' ? 16 : 8;
      text.remove_prefix(base == 8 && prefix != 'o' ? 1 : 2);
    }
  }
  uint64_t value = 0;
  for (char c : text) {
    int digit = DigitValue(c);
    if (digit >= base) {
      return IntError::kSyntax;
    }
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / base) {
      return IntError::kRange;
    }
    value = value * base + digit;
  }
  out = value;
  return IntError::kNone;
}

// strconv.ParseInt(text, base, 64).
IntError ParseSigned(std::string_view text, int base, int64_t& out) {
  if (text.empty()) {
    return IntError::kSyntax;
  }
  bool negative = text[0] == '-';
  if (text[0] == '+' || text[0] == '-') {
    text.remove_prefix(1);
  }
  uint64_t magnitude = 0;
  IntError error = ParseUnsigned(text, base, magnitude);
  if (error != IntError::kNone) {
    return error;
  }
  constexpr uint64_t kCutoff = uint64_t{1} << 63;
  if ((!negative && magnitude >= kCutoff) || (negative && magnitude > kCutoff)) {
    return IntError::kRange;
  }
  out = negative ? static_cast<int64_t>(~magnitude + 1) : static_cast<int64_t>(magnitude);
  return IntError::kNone;
}

// strconv.ParseFloat(text, 64) for the decimal forms goyaml lets through.
bool ParseDecimalFloat(std::string_view text, double& out) {
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits[0] == '+' || digits[0] == '-') {
    return false;
  }
  double value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                      std::chars_format::general);
  if (end != digits.data() + digits.size() ||
      digits.find_first_of("iInN") != std::string_view::npos) {
    return false;
  }
  if (error == std::errc::result_out_of_range) {
    // Go reports overflow as an error but underflow as a (signed) zero.
    size_t e = digits.find_first_of("eE");
    if (e == std::string_view::npos || e + 1 >= digits.size() || digits[e + 1] != '-') {
      return false;
    }
    value = 0;
  } else if (error != std::errc()) {
    return false;
  }
  out = negative ? -value : value;
  return true;
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool IsYamlStyleFloat(std::string_view text) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    return i - start;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == text.size();
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads 1 or 2 digits (Go layout elements "1", "2", "15", "4", "5") within [low, high].
bool ReadSmall(std::string_view text, size_t& i, int low, int high, int& out) {
  if (i >= text.size() || !IsDigit(text[i])) return false;
  out = text[i++] - '0';
  if (i < text.size() && IsDigit(text[i])) out = out * 10 + (text[i++] - '0');
  return out >= low && out <= high;
}

bool Expect(std::string_view text, size_t& i, char c) {
  if (i < text.size() && text[i] == c) {
    ++i;
    return true;
  }
  return false;
}

// goyaml's parseTimestamp: the layouts "2006-1-2T15:4:5.999999999Z07:00" (also with 't'),
// "2006-1-2 15:4:5.999999999" and "2006-1-2", as Go's time.Parse accepts them.
bool IsTimestamp(std::string_view text) {
  if (text.size() < 5) return false;
  for (size_t k = 0; k < 4; ++k) {
    if (!IsDigit(text[k])) return false;
  }
  if (text[4] != '-') return false;
  int year = std::stoi(std::string(text.substr(0, 4)));
  size_t i = 5;
  int month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadSmall(text, i, 1, 12, month) || !Expect(text, i, '-') ||
      !ReadSmall(text, i, 1, 31, day) || day > DaysInMonth(year, month)) {
    return false;
  }
  if (i == text.size()) return true;
  bool t_separator = text[i] == 'T' || text[i] == 't';
  if (!t_separator && text[i] != ' ') return false;
  ++i;
  while (!t_separator && i < text.size() && text[i] == ' ') ++i;  // Go's skip() folds spaces
  if (!ReadSmall(text, i, 0, 23, hour) || !Expect(text, i, ':') ||
      !ReadSmall(text, i, 0, 59, minute) || !Expect(text, i, ':') ||
      !ReadSmall(text, i, 0, 59, second)) {
    return false;
  }
  if (i < text.size() && (text[i] == '.' || text[i] == ',') && i + 1 < text.size() &&
      IsDigit(text[i + 1])) {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
  }
  if (!t_separator) return i == text.size();
  if (Expect(text, i, 'Z')) return i == text.size();
  int zone_hour = 0, zone_minute = 0;
  if (i >= text.size() || (text[i] != '+' && text[i] != '-')) return false;
  ++i;
  if (i + 5 != text.size() || !IsDigit(text[i]) || !IsDigit(text[i + 1]) || text[i + 2] != ':' ||
      !IsDigit(text[i + 3]) || !IsDigit(text[i + 4])) {
    return false;
  }
  zone_hour = (text[i] - '0') * 10 + (text[i + 1] - '0');
  zone_minute = (text[i + 3] - '0') * 10 + (text[i + 4] - '0');
  return zone_hour <= 24 && zone_minute <= 60;
}

Scalar IntScalar(int64_t value) {
  Scalar scalar;
  scalar.kind = ScalarKind::kInt;
  scalar.integer = value;
  return scalar;
}

Scalar UintScalar(uint64_t value) {
  Scalar scalar;
  scalar.kind = ScalarKind::kUint;
  scalar.unsigned_integer = value;
  return scalar;
}

Scalar FloatScalar(double value) {
  Scalar scalar;
  scalar.kind = ScalarKind::kFloat;
  scalar.floating = value;
  return scalar;
}

// The numeric part of goyaml's resolve for text starting with a digit or a sign.
Scalar ResolveNumber(std::string_view tag, std::string_view text) {
  Scalar scalar;
  if ((tag.empty() || tag == kTimestampTag) && IsTimestamp(text)) {
    scalar.kind = ScalarKind::kTimestamp;
    return scalar;
  }
  std::string plain;
  plain.reserve(text.size());
  for (char c : text) {
    if (c != '_') plain.push_back(c);
  }
  int64_t integer = 0;
  if (ParseSigned(plain, 0, integer) == IntError::kNone) return IntScalar(integer);
  uint64_t unsigned_integer = 0;
  if (ParseUnsigned(plain, 0, unsigned_integer) == IntError::kNone) {
    return UintScalar(unsigned_integer);
  }
  double floating = 0;
  if (IsYamlStyleFloat(plain) && ParseDecimalFloat(plain, floating)) return FloatScalar(floating);
  if (plain.rfind("0b", 0) == 0) {
    if (ParseSigned(plain.substr(2), 2, integer) == IntError::kNone) return IntScalar(integer);
    if (ParseUnsigned(plain.substr(2), 2, unsigned_integer) == IntError::kNone) {
      return UintScalar(unsigned_integer);
    }
  } else if (plain.rfind("-0b", 0) == 0) {
    if (ParseSigned("-" + plain.substr(3), 2, integer) == IntError::kNone) {
      return IntScalar(integer);
    }
  }
  return scalar;
}

std::string_view TagOfKind(ScalarKind kind) {
  switch (kind) {
    case ScalarKind::kNull:
      return "!!null";
    case ScalarKind::kBool:
      return "!!bool";
    case ScalarKind::kInt:
    case ScalarKind::kUint:
      return "!!int";
    case ScalarKind::kFloat:
      return "!!float";
    case ScalarKind::kString:
      return "!!str";
    case ScalarKind::kTimestamp:
      return "!!timestamp";
    case ScalarKind::kMerge:
      return "!!merge";
  }
  return "!!str";
}

bool IsResolvableTag(std::string_view tag) {
  return tag.empty() || tag == kStrTag || tag == "!!bool" || tag == "!!int" || tag == "!!float" ||
         tag == "!!null" || tag == kTimestampTag;
}

}  // namespace

Result<Scalar> Resolve(std::string_view tag, std::string_view text, bool yaml_1_2) {
  Scalar scalar;
  if (!IsResolvableTag(tag)) {
    return scalar;
  }
  char hint = Hint(text);
  if (hint != 0 && tag != kStrTag && tag != kBinaryTag && !LookupWord(text, yaml_1_2, scalar)) {
    if (hint == '.') {
      double value = 0;
      if (ParseDecimalFloat(text, value)) scalar = FloatScalar(value);
    } else if (hint == 'D' || hint == 'S') {
      scalar = ResolveNumber(tag, text);
    }
  }
  std::string_view resolved_tag = TagOfKind(scalar.kind);
  if (tag.empty() || tag == resolved_tag || tag == kStrTag) {
    if (tag == kStrTag) {
      return Scalar{};
    }
    return scalar;
  }
  if (tag == "!!float" && scalar.kind == ScalarKind::kInt) {
    return FloatScalar(static_cast<double>(scalar.integer));
  }
  return Status::Invalid("cannot decode " + std::string(resolved_tag) + " `" + std::string(text) +
                         "` as a " + std::string(tag));
}

bool PlainIsString(std::string_view text) {
  Result<Scalar> scalar = Resolve("", text);
  if (!scalar.ok() || scalar->kind != ScalarKind::kString) {
    return false;
  }
  // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ : base-60 numbers of YAML 1.1.
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  if (i >= text.size() || !IsDigit(text[i])) return true;
  while (i < text.size() && (IsDigit(text[i]) || text[i] == '_')) ++i;
  int groups = 0;
  while (i < text.size() && text[i] == ':') {
    ++i;
    size_t start = i;
    while (i < text.size() && IsDigit(text[i]) && i - start < 2) ++i;
    size_t width = i - start;
    if (width == 0 || (width == 2 && text[start] > '5')) return true;
    ++groups;
  }
  if (groups == 0) return true;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && (IsDigit(text[i]) || text[i] == '_')) ++i;
  }
  return i != text.size();
}

}  // namespace converge::kube::yaml
