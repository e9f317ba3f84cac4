// The formats the library asserts (before 2019-09 in Helm's setup) and its reasons for
// rejecting a string. Reasons that the library takes from Go's own parsers (url.Parse,
// netip.ParseAddr, time.Parse, strconv.Atoi) are worded after them but not byte for byte.

#include <array>
#include <functional>

#include "base/utf8.h"
#include "sources/helm/schema/internal.h"

namespace converge::sources::helm::schema {
namespace {

using Reason = std::optional<std::string>;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::string RuneQuote(char32_t rune) {
  std::string text;
  size_t length = rune < 0x80 ? 1 : rune < 0x800 ? 2 : rune < 0x10000 ? 3 : 4;
  if (length == 1) {
    text += static_cast<char>(rune);
  } else {
    static constexpr unsigned char kLead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    text.resize(length);
    for (size_t i = length - 1; i > 0; --i) {
      text[i] = static_cast<char>(0x80 | (rune & 0x3F));
      rune >>= 6;
    }
    text[0] = static_cast<char>(kLead[length] | rune);
  }
  if (text == "'") return "'\\''";
  return "'" + text + "'";
}

Reason JsonPointer(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text[0] != '/') return "not starting with /";
  for (std::string_view token : Split(text.substr(1), '/')) {
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] != '~') continue;
      if (i + 1 >= token.size() || (token[i + 1] != '0' && token[i + 1] != '1')) {
        return "~ must be followed by 0 or 1";
      }
    }
  }
  return std::nullopt;
}

Reason RelativeJsonPointer(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && IsDigit(text[digits])) ++digits;
  if (digits == 0) return "must start with non-negative integer";
  if (digits > 1 && text[0] == '0') return "starts with zero";
  text.remove_prefix(digits);
  if (text == "#") return std::nullopt;
  return JsonPointer(text);
}

Reason Uuid(std::string_view text) {
  static constexpr std::array<size_t, 5> kGroups = {8, 4, 4, 4, 12};
  std::vector<std::string_view> groups = Split(text, '-');
  if (groups.size() != kGroups.size()) return "must have 5 elements";
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].size() != kGroups[i]) {
      return "element " + std::to_string(i + 1) + " must be " + std::to_string(kGroups[i]) +
             " characters long";
    }
    for (size_t at = 0; at < groups[i].size(); at += DecodeRune(groups[i], at).size) {
      char32_t rune = DecodeRune(groups[i], at).value;
      if (rune > 0x7F || !std::isxdigit(static_cast<int>(rune))) {
        return "non-hex character " + RuneQuote(rune);
      }
    }
  }
  return std::nullopt;
}

Reason Duration(std::string_view text) {
  if (!text.starts_with('P')) return "must start with P";
  text.remove_prefix(1);
  if (text.empty()) return "nothing after P";
  if (text.ends_with('W')) {
    text.remove_suffix(1);
    if (text.empty()) return "no number in week";
    if (!AllDigits(text)) return "invalid week";
    return std::nullopt;
  }
  static constexpr std::string_view kUnits[] = {"YMD", "HMS"};
  std::vector<std::string_view> parts = Split(text, 'T');
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (i != 0 && part.empty()) return "no time elements";
    if (i >= 2) return "more than one T";
    std::string_view units = kUnits[i];
    while (!part.empty()) {
      size_t digits = 0;
      while (digits < part.size() && IsDigit(part[digits])) ++digits;
      if (digits == 0) return "missing number";
      part.remove_prefix(digits);
      if (part.empty()) return "missing unit";
      size_t unit = units.find(part[0]);
      if (unit == std::string_view::npos) {
        std::string quoted = RuneQuote(static_cast<unsigned char>(part[0]));
        if (kUnits[i].find(part[0]) != std::string_view::npos) {
          return "unit " + quoted + " out of order";
        }
        return "invalid unit " + quoted;
      }
      units.remove_prefix(unit + 1);
      part.remove_prefix(1);
    }
  }
  return std::nullopt;
}

Reason Ipv4(std::string_view text) {
  std::vector<std::string_view> groups = Split(text, '.');
  if (groups.size() != 4) return "expected four decimals";
  for (std::string_view group : groups) {
    if (group.size() > 1 && group[0] == '0') return "leading zeros";
    std::string_view digits =
        group.starts_with('+') || group.starts_with('-') ? group.substr(1) : group;
    if (!AllDigits(digits))
      return "strconv.Atoi: parsing " + json(group).dump() + ": invalid syntax";
    if (group[0] == '-' || digits.size() > 3 || std::stoi(std::string(digits)) > 255) {
      return "decimal must be between 0 and 255";
    }
  }
  return std::nullopt;
}

// netip.ParseAddr for addresses with a colon.
Reason Ipv6Address(std::string_view text, bool& zone) {
  std::string quoted = json(text).dump();
  if (size_t percent = text.find('%'); percent != std::string_view::npos) {
    if (percent + 1 == text.size())
      return "ParseAddr(" + quoted + "): zone must be a non-empty string";
    zone = true;
    text = text.substr(0, percent);
  }
  int groups = 0;
  bool ellipsis = false;
  size_t at = 0;
  if (text.starts_with("::")) {
    ellipsis = true;
    at = 2;
  }
  while (at < text.size()) {
    size_t end = at;
    while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end < text.size() && text[end] == '.') {
      if (Ipv4(text.substr(at)) || groups > 6) {
        return "ParseAddr(" + quoted + "): unexpected character";
      }
      groups += 2;
      at = text.size();
      break;
    }
    if (end == at || end - at > 4) return "ParseAddr(" + quoted + "): unexpected character";
    ++groups;
    at = end;
    if (at == text.size()) break;
    if (text[at] != ':') return "ParseAddr(" + quoted + "): unexpected character";
    ++at;
    if (at < text.size() && text[at] == ':') {
      if (ellipsis) {
        return "ParseAddr(" + quoted + "): multiple :: in address (at " +
               json(text.substr(at)).dump() + ")";
      }
      ellipsis = true;
      ++at;
    } else if (at == text.size()) {
      return "ParseAddr(" + quoted + "): colon must be followed by more characters";
    }
  }
  if (groups > 8 || (ellipsis && groups > 7)) return "ParseAddr(" + quoted + "): address too long";
  if (!ellipsis && groups != 8) return "ParseAddr(" + quoted + "): address string too short";
  return std::nullopt;
}

Reason Ipv6(std::string_view text) {
  if (text.find(':') == std::string_view::npos) return "missing colon";
  bool zone = false;
  if (Reason why = Ipv6Address(text, zone)) return why;
  if (zone) return "zone id is not a part of ipv6 address";
  return std::nullopt;
}

Reason Hostname(std::string_view text) {
  if (text.ends_with('.')) text.remove_suffix(1);
  if (text.size() > 253) return "more than 253 characters long";
  for (std::string_view label : Split(text, '.')) {
    if (label.empty() || label.size() > 63) return "label must be 1 to 63 characters long";
    if (label.starts_with('-')) return "label starts with hyphen";
    if (label.ends_with('-')) return "label ends with hyphen";
    for (size_t at = 0; at < label.size(); at += DecodeRune(label, at).size) {
      char32_t rune = DecodeRune(label, at).value;
      if (rune > 0x7F ||
          !(IsAlpha(static_cast<char>(rune)) || IsDigit(static_cast<char>(rune)) || rune == '-')) {
        return "invalid character " + RuneQuote(rune);
      }
    }
  }
  return std::nullopt;
}

Reason Email(std::string_view text) {
  if (text.size() > 254) return "more than 255 characters long";
  size_t at = text.rfind('@');
  if (at == std::string_view::npos) return "missing @";
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  if (local.size() > 64) return "local part more than 64 characters long";
  if (local.size() > 1 && local.starts_with('"') && local.ends_with('"')) {
    std::string_view inner = local.substr(1, local.size() - 2);
    if (inner.find_first_of("\\\"") != std::string_view::npos) {
      return "backslash and quote are not allowed within quoted local part";
    }
  } else {
    if (local.starts_with('.')) return "starts with dot";
    if (local.ends_with('.')) return "ends with dot";
    if (local.find("..") != std::string_view::npos) return "consecutive dots";
    static constexpr std::string_view kAllowed = ".!#$%&'*+-/=?^_`{|}~";
    for (size_t i = 0; i < local.size(); i += DecodeRune(local, i).size) {
      char32_t rune = DecodeRune(local, i).value;
      char c = static_cast<char>(rune);
      if (rune > 0x7F ||
          !(IsAlpha(c) || IsDigit(c) || kAllowed.find(c) != std::string_view::npos)) {
        return "invalid character " + RuneQuote(rune);
      }
    }
  }
  if (domain.starts_with('[') && domain.ends_with(']')) {
    domain = domain.substr(1, domain.size() - 2);
    if (domain.starts_with("IPv6:")) {
      if (Reason why = Ipv6(domain.substr(5))) return "invalid ipv6 address: " + *why;
      return std::nullopt;
    }
    if (Reason why = Ipv4(domain)) return "invalid ipv4 address: " + *why;
    return std::nullopt;
  }
  if (Reason why = Hostname(domain)) return "invalid domain: " + *why;
  return std::nullopt;
}

bool LeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// time.Parse("2006-01-02", text).
Reason Date(std::string_view text) {
  std::string prefix = "parsing time " + json(text).dump() + " as \"2006-01-02\": cannot parse ";
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2))) {
    return prefix + json(text).dump() + " as \"2006\"";
  }
  int year = std::stoi(std::string(text.substr(0, 4)));
  int month = std::stoi(std::string(text.substr(5, 2)));
  int day = std::stoi(std::string(text.substr(8, 2)));
  if (month < 1 || month > 12) return "parsing time " + json(text).dump() + ": month out of range";
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[month - 1] + (month == 2 && LeapYear(year) ? 1 : 0);
  if (day < 1 || day > days) return "parsing time " + json(text).dump() + ": day out of range";
  return std::nullopt;
}

int Atoi(std::string_view text, bool& ok) {
  std::string_view digits = text.starts_with('+') || text.starts_with('-') ? text.substr(1) : text;
  ok = AllDigits(digits) && digits.size() < 10;
  if (!ok) return 0;
  int value = std::stoi(std::string(digits));
  return text.starts_with('-') ? -value : value;
}

Reason Time(std::string_view text) {
  if (text.size() < 9) return "less than 9 characters long";
  if (text[2] != ':' || text[5] != ':') return "missing colon in correct place";
  int hms[3];
  for (int i = 0; i < 3; ++i) {
    bool ok = false;
    hms[i] = Atoi(text.substr(i * 3, 2), ok);
    if (!ok) return "invalid hour/min/sec";
    if (hms[i] < 0) return "non-positive hour/min/sec";
  }
  int hour = hms[0], minute = hms[1], second = hms[2];
  if (hour > 23 || minute > 59 || second > 60) return "hour/min/sec out of range";
  text.remove_prefix(8);
  if (text.starts_with('.')) {
    size_t digits = 1;
    while (digits < text.size() && IsDigit(text[digits])) ++digits;
    if (digits == 1) return "no digits in second fraction";
    text.remove_prefix(digits);
  }
  if (text != "z" && text != "Z") {
    if (text.size() != 6) return "offset must be 6 characters long";
    int sign = 0;
    if (text[0] == '+') sign = -1;
    if (text[0] == '-') sign = 1;
    if (sign == 0) return "offset must begin with plus/minus";
    text.remove_prefix(1);
    if (text[2] != ':') return "missing colon in offset in correct place";
    bool ok_hours = false, ok_minutes = false;
    int hours = Atoi(text.substr(0, 2), ok_hours);
    int minutes = Atoi(text.substr(3), ok_minutes);
    if (!ok_hours || !ok_minutes) return "invalid hour/min in offset";
    if (hours < 0 || minutes < 0) return "non-positive hour/min in offset";
    if (hours > 23 || minutes > 59) return "hour/min in offset out of range";
    int total = hour * 60 + minute + sign * (hours * 60 + minutes);
    if (total < 0) total += 24 * 60;
    hour = total / 60;
    minute = total % 60;
  }
  if (second >= 60 && (hour != 23 || minute != 59)) return "invalid leap second";
  return std::nullopt;
}

Reason DateTime(std::string_view text) {
  if (text.size() < 20) return "less than 20 characters long";
  if (text[10] != 't' && text[10] != 'T') return "11th character must be t or T";
  if (Reason why = Date(text.substr(0, 10))) return "invalid date element: " + *why;
  if (Reason why = Time(text.substr(11))) return "invalid time element: " + *why;
  return std::nullopt;
}

Reason Period(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return "missing slash";
  std::string_view start = text.substr(0, slash), end = text.substr(slash + 1);
  if (start.starts_with('P')) {
    if (Reason why = Duration(start)) return "invalid start duration: " + *why;
    if (Reason why = DateTime(end)) return "invalid end date-time: " + *why;
    return std::nullopt;
  }
  if (Reason why = DateTime(start)) return "invalid start date-time: " + *why;
  if (end.starts_with('P')) {
    if (Reason why = Duration(end)) return "invalid end duration: " + *why;
  } else if (Reason why = DateTime(end)) {
    return "invalid end date-time: " + *why;
  }
  return std::nullopt;
}

// url.Parse's rejections, and whether the result has a scheme.
Reason ParseUrl(std::string_view text, bool& absolute) {
  std::string quoted = json(text).dump();
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return "parse " + quoted + ": net/url: invalid control character in URL";
    }
  }
  std::string_view rest = text.substr(0, text.find('#'));
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      std::string escape(text.substr(i, 3));
      return "parse " + quoted + ": invalid URL escape " + json(escape).dump();
    }
  }
  absolute = false;
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if (IsAlpha(c)) continue;
    if ((IsDigit(c) || c == '+' || c == '-' || c == '.') && i > 0) continue;
    if (c == ':') {
      if (i == 0) return "parse " + quoted + ": missing protocol scheme";
      absolute = true;
    }
    break;
  }
  if (!absolute) {
    std::string_view path = rest.substr(0, rest.find('?'));
    size_t colon = path.find(':');
    if (colon != std::string_view::npos && !path.starts_with("/") &&
        path.substr(0, colon).find('/') == std::string_view::npos) {
      return "parse " + quoted + ": first path segment in URL cannot contain colon";
    }
  }
  return std::nullopt;
}

// Helm's version of the library checks uri and iri alike, with url.Parse alone.
Reason ResourceIdentifier(std::string_view text, bool reference) {
  bool absolute = false;
  if (Reason why = ParseUrl(text, absolute)) return why;
  if (!reference && !absolute) return "relative url";
  return std::nullopt;
}

Reason UriTemplate(std::string_view text) {
  bool absolute = false;
  if (Reason why = ParseUrl(text, absolute)) return why;
  for (std::string_view token : Split(text, '/')) {
    bool open = true;
    for (char c : PercentDecode(token)) {
      if (c != '{' && c != '}') continue;
      if ((c == '{') != open) return "nested curly braces";
      open = !open;
    }
    if (!open) return "no matching closing brace";
  }
  return std::nullopt;
}

Reason Semver(std::string_view text) {
  if (size_t plus = text.find('+'); plus != std::string_view::npos) {
    std::string_view build = text.substr(plus + 1);
    if (build.empty()) return "build is empty";
    for (std::string_view id : Split(build, '.')) {
      if (id.empty()) return "build identifier is empty";
      for (char c : id) {
        if (!IsDigit(c) && !IsAlpha(c) && c != '-') {
          return "invalid character " + RuneQuote(static_cast<unsigned char>(c)) +
                 " in build identifier";
        }
      }
    }
    text = text.substr(0, plus);
  }
  if (size_t dash = text.find('-'); dash != std::string_view::npos) {
    for (std::string_view id : Split(text.substr(dash + 1), '.')) {
      if (id.empty()) return "pre-release identifier is empty";
      for (char c : id) {
        if (!IsDigit(c) && !IsAlpha(c) && c != '-') {
          return "invalid character " + RuneQuote(static_cast<unsigned char>(c)) +
                 " in pre-release identifier";
        }
      }
      if (AllDigits(id) && id.size() > 1 && id[0] == '0') {
        return "pre-release numeric identifier starts with zero";
      }
    }
    text = text.substr(0, dash);
  }
  std::vector<std::string_view> parts = Split(text, '.');
  if (parts.size() != 3) return "versionCore must have 3 numbers separated by dot";
  static constexpr std::string_view kNames[] = {"major", "minor", "patch"};
  for (size_t i = 0; i < 3; ++i) {
    std::string name(kNames[i]);
    if (parts[i].empty()) return name + " is empty";
    if (parts[i].size() > 1 && parts[i][0] == '0') return name + " starts with zero";
    if (!AllDigits(parts[i])) return name + " contains non-digit";
  }
  return std::nullopt;
}

// Go's regexp wording for RE2's error codes.
std::string_view GoRegexReason(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return "unexpected )";
  }
}

using Check = std::function<Reason(std::string_view)>;

const std::map<std::string_view, Check>& Formats() {
  static const std::map<std::string_view, Check> kFormats = {
      {"date", Date},
      {"date-time", DateTime},
      {"duration", Duration},
      {"email", Email},
      {"hostname", Hostname},
      {"ipv4", Ipv4},
      {"ipv6", Ipv6},
      {"iri", [](std::string_view t) { return ResourceIdentifier(t, false); }},
      {"iri-reference", [](std::string_view t) { return ResourceIdentifier(t, true); }},
      {"json-pointer", JsonPointer},
      {"period", Period},
      {"regex", RegexError},
      {"relative-json-pointer", RelativeJsonPointer},
      {"semver", Semver},
      {"time", Time},
      {"uri", [](std::string_view t) { return ResourceIdentifier(t, false); }},
      {"uri-reference", [](std::string_view t) { return ResourceIdentifier(t, true); }},
      {"uri-template", UriTemplate},
      {"uuid", Uuid},
  };
  return kFormats;
}

}  // namespace

std::optional<std::string> RegexError(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(pattern, options);
  if (re.ok()) return std::nullopt;
  return "error parsing regexp: " + std::string(GoRegexReason(re.error_code())) + ": `" +
         re.error_arg() + "`";
}

bool KnownFormat(std::string_view format) { return Formats().contains(format); }

std::optional<std::string> CheckFormat(std::string_view format, std::string_view text) {
  auto found = Formats().find(format);
  if (found == Formats().end()) return std::nullopt;
  return found->second(text);
}

}  // namespace converge::sources::helm::schema
