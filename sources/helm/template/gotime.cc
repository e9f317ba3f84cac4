#include "sources/helm/template/gotime.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <span>
#include <vector>

#include "sources/helm/template/fmt.h"

namespace converge::sources::helm::tmpl {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr std::array<std::string_view, 12> kLongMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t year_of_era = year - era * 400;
  int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct Civil {
  int64_t year, month, day, hour, minute, second, weekday, yday;
};

bool IsLeap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

Civil CivilFromSeconds(int64_t seconds) {
  int64_t days =
      seconds >= 0 ? seconds / kSecondsPerDay : (seconds - kSecondsPerDay + 1) / kSecondsPerDay;
  int64_t rest = seconds - days * kSecondsPerDay;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t day_of_era = z - era * 146097;
  int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t mp = (5 * day_of_year + 2) / 153;
  Civil civil{};
  civil.day = day_of_year - (153 * mp + 2) / 5 + 1;
  civil.month = mp < 10 ? mp + 3 : mp - 9;
  civil.year = year_of_era + era * 400 + (civil.month <= 2);
  civil.hour = rest / 3600;
  civil.minute = rest / 60 % 60;
  civil.second = rest % 60;
  civil.weekday = ((days % 7) + 11) % 7;  // 1970-01-01 was a Thursday
  civil.yday = days - DaysFromCivil(civil.year, 1, 1) + 1;
  return civil;
}

struct Zone {
  std::string name;
  int64_t offset = 0;
};

// A zoneinfo (TZif) file's transitions. Instants after the last transition keep its zone:
// Debian's files list transitions to 2037.
struct ZoneTable {
  std::vector<int64_t> transitions;
  std::vector<uint8_t> transition_types;
  std::vector<Zone> zones;
  std::vector<bool> is_dst;
};

int64_t ReadBigEndian(std::string_view data, size_t pos, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | static_cast<unsigned char>(data[pos + i]);
  if (bytes == 4) return static_cast<int32_t>(value);
  return static_cast<int64_t>(value);
}

std::optional<ZoneTable> ParseZoneInfo(std::string_view data) {
  if (data.size() < 44 || data.substr(0, 4) != "TZif") return std::nullopt;
  auto counts = [&](size_t header) {
    std::array<int64_t, 6> out{};
    for (int i = 0; i < 6; ++i) out[i] = ReadBigEndian(data, header + 20 + 4 * i, 4);
    return out;
  };
  size_t header = 0;
  int time_size = 4;
  std::array<int64_t, 6> count = counts(0);  // isut, isstd, leap, time, type, char
  if (data[4] >= '2') {
    header =
        44 + count[3] * 4 + count[3] + count[4] * 6 + count[5] + count[2] * 8 + count[1] + count[0];
    if (data.size() < header + 44) return std::nullopt;
    count = counts(header);
    time_size = 8;
  }
  size_t pos = header + 44;
  size_t needed = pos + count[3] * (time_size + 1) + count[4] * 6 + count[5];
  if (data.size() < needed || count[4] == 0) return std::nullopt;
  ZoneTable table;
  for (int64_t i = 0; i < count[3]; ++i) {
    table.transitions.push_back(ReadBigEndian(data, pos + i * time_size, time_size));
  }
  pos += count[3] * time_size;
  for (int64_t i = 0; i < count[3]; ++i) table.transition_types.push_back(data[pos + i]);
  pos += count[3];
  size_t chars = pos + count[4] * 6;
  for (int64_t i = 0; i < count[4]; ++i) {
    size_t abbreviation = chars + static_cast<unsigned char>(data[pos + 6 * i + 5]);
    size_t end = data.find('\0', abbreviation);
    table.zones.push_back({std::string(data.substr(abbreviation, end - abbreviation)),
                           ReadBigEndian(data, pos + 6 * i, 4)});
    table.is_dst.push_back(data[pos + 6 * i + 4] != 0);
  }
  return table;
}

std::optional<ZoneTable> LoadZoneFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ParseZoneInfo(data);
}

// time.LoadLocation's refusal of names that escape the zoneinfo directory.
bool SafeZoneName(std::string_view name) {
  return !name.empty() && name[0] != '/' && name[0] != '\\' &&
         name.find("..") == std::string_view::npos;
}

std::optional<ZoneTable> LoadNamedZone(std::string_view name) {
  if (!SafeZoneName(name)) return std::nullopt;
  return LoadZoneFile("/usr/share/zoneinfo/" + std::string(name));
}

// Go's Local: TZ unset reads /etc/localtime, TZ="" is UTC, else the named zone (UTC if it
// cannot be read).
std::optional<ZoneTable> LoadLocal() {
  const char* tz = std::getenv("TZ");
  if (tz == nullptr) return LoadZoneFile("/etc/localtime");
  std::string_view name = tz;
  if (name.starts_with(':')) name.remove_prefix(1);
  if (name.empty() || name == "UTC") return std::nullopt;
  if (name.starts_with('/')) return LoadZoneFile(std::string(name));
  return LoadNamedZone(name);
}

Zone LookupZone(const ZoneTable& table, int64_t unix) {
  auto after = std::upper_bound(table.transitions.begin(), table.transitions.end(), unix);
  if (after == table.transitions.begin()) {
    for (size_t i = 0; i < table.zones.size(); ++i) {
      if (!table.is_dst[i]) return table.zones[i];
    }
    return table.zones.front();
  }
  size_t type = table.transition_types[after - table.transitions.begin() - 1];
  return type < table.zones.size() ? table.zones[type] : table.zones.front();
}

std::optional<ZoneTable> LoadLocationTable(std::string_view location) {
  if (location == "Local") return LoadLocal();
  if (location == "UTC" || location.empty()) return std::nullopt;
  return LoadNamedZone(location);
}

Zone ZoneOf(const GoTime& time) {
  if (time.location.empty()) return {time.zone_name, time.zone_offset};
  std::optional<ZoneTable> table = LoadLocationTable(time.location);
  if (!table) return {"UTC", 0};
  return LookupZone(*table, time.unix);
}

void AppendNumber(std::string& out, int64_t value, int width) {
  if (value < 0) {
    out += '-';
    value = -value;
  }
  std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width) out.append(width - digits.size(), '0');
  out += digits;
}

enum class Std {
  kNone,
  kLongMonth,
  kMonth,
  kNumMonth,
  kZeroMonth,
  kLongWeekDay,
  kWeekDay,
  kDay,
  kUnderDay,
  kZeroDay,
  kUnderYearDay,
  kZeroYearDay,
  kHour,
  kHour12,
  kZeroHour12,
  kMinute,
  kZeroMinute,
  kSecond,
  kZeroSecond,
  kLongYear,
  kYear,
  kPM,
  kpm,
  kTZ,
  kISO8601TZ,
  kISO8601SecondsTZ,
  kISO8601ShortTZ,
  kISO8601ColonTZ,
  kISO8601ColonSecondsTZ,
  kNumTZ,
  kNumSecondsTZ,
  kNumShortTZ,
  kNumColonTZ,
  kNumColonSecondsTZ,
  kFracSecond0,
  kFracSecond9
};

struct Chunk {
  std::string_view prefix;
  Std std = Std::kNone;
  std::string_view text;  // the layout element
  std::string_view suffix;
  int digits = 0;        // fractional seconds
  char separator = '.';  // fractional seconds
};

bool StartsWithLower(std::string_view text) {
  return !text.empty() && text[0] >= 'a' && text[0] <= 'z';
}

bool IsDigitAt(std::string_view text, size_t i) {
  return i < text.size() && text[i] >= '0' && text[i] <= '9';
}

// time's nextStdChunk: the text before the first layout element, the element, the rest.
Chunk NextChunk(std::string_view layout) {
  auto found = [&](size_t i, size_t length, Std std) {
    return Chunk{layout.substr(0, i), std, layout.substr(i, length), layout.substr(i + length)};
  };
  auto at = [&](size_t i, std::string_view text) { return layout.substr(i).starts_with(text); };
  for (size_t i = 0; i < layout.size(); ++i) {
    switch (layout[i]) {
      case 'J':
        if (at(i, "January")) return found(i, 7, Std::kLongMonth);
        if (at(i, "Jan") && !StartsWithLower(layout.substr(i + 3))) {
          return found(i, 3, Std::kMonth);
        }
        break;
      case 'M':
        if (at(i, "Monday")) return found(i, 6, Std::kLongWeekDay);
        if (at(i, "Mon") && !StartsWithLower(layout.substr(i + 3))) {
          return found(i, 3, Std::kWeekDay);
        }
        if (at(i, "MST")) return found(i, 3, Std::kTZ);
        break;
      case '0':
        if (i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          constexpr Std kZero[] = {Std::kZeroMonth,  Std::kZeroDay,    Std::kZeroHour12,
                                   Std::kZeroMinute, Std::kZeroSecond, Std::kYear};
          return found(i, 2, kZero[layout[i + 1] - '1']);
        }
        if (at(i, "002")) return found(i, 3, Std::kZeroYearDay);
        break;
      case '1':
        if (at(i, "15")) return found(i, 2, Std::kHour);
        return found(i, 1, Std::kNumMonth);
      case '2':
        if (at(i, "2006")) return found(i, 4, Std::kLongYear);
        return found(i, 1, Std::kDay);
      case '_':
        if (at(i, "_2006")) return found(i + 1, 4, Std::kLongYear);
        if (at(i, "_2")) return found(i, 2, Std::kUnderDay);
        if (at(i, "__2")) return found(i, 3, Std::kUnderYearDay);
        break;
      case '3':
        return found(i, 1, Std::kHour12);
      case '4':
        return found(i, 1, Std::kMinute);
      case '5':
        return found(i, 1, Std::kSecond);
      case 'P':
        if (at(i, "PM")) return found(i, 2, Std::kPM);
        break;
      case 'p':
        if (at(i, "pm")) return found(i, 2, Std::kpm);
        break;
      case '-':
        if (at(i, "-070000")) return found(i, 7, Std::kNumSecondsTZ);
        if (at(i, "-07:00:00")) return found(i, 9, Std::kNumColonSecondsTZ);
        if (at(i, "-0700")) return found(i, 5, Std::kNumTZ);
        if (at(i, "-07:00")) return found(i, 6, Std::kNumColonTZ);
        if (at(i, "-07")) return found(i, 3, Std::kNumShortTZ);
        break;
      case 'Z':
        if (at(i, "Z070000")) return found(i, 7, Std::kISO8601SecondsTZ);
        if (at(i, "Z07:00:00")) return found(i, 9, Std::kISO8601ColonSecondsTZ);
        if (at(i, "Z0700")) return found(i, 5, Std::kISO8601TZ);
        if (at(i, "Z07:00")) return found(i, 6, Std::kISO8601ColonTZ);
        if (at(i, "Z07")) return found(i, 3, Std::kISO8601ShortTZ);
        break;
      case '.':
      case ',':
        if (i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
          char digit = layout[i + 1];
          size_t j = i + 1;
          while (j < layout.size() && layout[j] == digit) ++j;
          if (!IsDigitAt(layout, j)) {
            Chunk chunk = found(i, j - i, digit == '0' ? Std::kFracSecond0 : Std::kFracSecond9);
            chunk.digits = static_cast<int>(j - i - 1);
            chunk.separator = layout[i];
            return chunk;
          }
        }
        break;
      default:
        break;
    }
  }
  return Chunk{layout, Std::kNone, {}, {}};
}

void AppendZoneOffset(std::string& out, Std std, int64_t offset) {
  bool iso = std == Std::kISO8601TZ || std == Std::kISO8601SecondsTZ ||
             std == Std::kISO8601ShortTZ || std == Std::kISO8601ColonTZ ||
             std == Std::kISO8601ColonSecondsTZ;
  if (iso && offset == 0) {
    out += 'Z';
    return;
  }
  int64_t minutes = offset / 60;
  int64_t absolute = offset < 0 ? -offset : offset;
  out += minutes < 0 ? '-' : '+';
  if (minutes < 0) minutes = -minutes;
  AppendNumber(out, minutes / 60, 2);
  bool colon = std == Std::kISO8601ColonTZ || std == Std::kNumColonTZ ||
               std == Std::kISO8601ColonSecondsTZ || std == Std::kNumColonSecondsTZ;
  if (std == Std::kNumShortTZ || std == Std::kISO8601ShortTZ) return;
  if (colon) out += ':';
  AppendNumber(out, minutes % 60, 2);
  if (std == Std::kNumSecondsTZ || std == Std::kISO8601SecondsTZ ||
      std == Std::kNumColonSecondsTZ || std == Std::kISO8601ColonSecondsTZ) {
    if (colon) out += ':';
    AppendNumber(out, absolute % 60, 2);
  }
}

void AppendFraction(std::string& out, const Chunk& chunk, int64_t nsec) {
  std::string digits = std::to_string(nsec);
  digits.insert(0, 9 - digits.size(), '0');
  digits.resize(std::min<size_t>(static_cast<size_t>(chunk.digits), 9));
  if (chunk.std == Std::kFracSecond9) {
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    if (digits.empty()) return;
  }
  out += chunk.separator;
  out += digits;
}

void AppendElement(std::string& out, const Chunk& chunk, const Civil& civil, const Zone& zone,
                   int64_t nsec) {
  switch (chunk.std) {
    case Std::kNone:
      break;
    case Std::kYear:
      AppendNumber(out, civil.year % 100, 2);
      break;
    case Std::kLongYear:
      AppendNumber(out, civil.year, 4);
      break;
    case Std::kMonth:
      out += kLongMonths[civil.month - 1].substr(0, 3);
      break;
    case Std::kLongMonth:
      out += kLongMonths[civil.month - 1];
      break;
    case Std::kNumMonth:
      AppendNumber(out, civil.month, 0);
      break;
    case Std::kZeroMonth:
      AppendNumber(out, civil.month, 2);
      break;
    case Std::kWeekDay:
      out += kLongDays[civil.weekday].substr(0, 3);
      break;
    case Std::kLongWeekDay:
      out += kLongDays[civil.weekday];
      break;
    case Std::kDay:
      AppendNumber(out, civil.day, 0);
      break;
    case Std::kUnderDay:
      if (civil.day < 10) out += ' ';
      AppendNumber(out, civil.day, 0);
      break;
    case Std::kZeroDay:
      AppendNumber(out, civil.day, 2);
      break;
    case Std::kUnderYearDay:
      if (civil.yday < 100) out += ' ';
      if (civil.yday < 10) out += ' ';
      AppendNumber(out, civil.yday, 0);
      break;
    case Std::kZeroYearDay:
      AppendNumber(out, civil.yday, 3);
      break;
    case Std::kHour:
      AppendNumber(out, civil.hour, 2);
      break;
    case Std::kHour12:
      AppendNumber(out, civil.hour % 12 == 0 ? 12 : civil.hour % 12, 0);
      break;
    case Std::kZeroHour12:
      AppendNumber(out, civil.hour % 12 == 0 ? 12 : civil.hour % 12, 2);
      break;
    case Std::kMinute:
      AppendNumber(out, civil.minute, 0);
      break;
    case Std::kZeroMinute:
      AppendNumber(out, civil.minute, 2);
      break;
    case Std::kSecond:
      AppendNumber(out, civil.second, 0);
      break;
    case Std::kZeroSecond:
      AppendNumber(out, civil.second, 2);
      break;
    case Std::kPM:
      out += civil.hour >= 12 ? "PM" : "AM";
      break;
    case Std::kpm:
      out += civil.hour >= 12 ? "pm" : "am";
      break;
    case Std::kTZ:
      if (!zone.name.empty()) {
        out += zone.name;
      } else {
        AppendZoneOffset(out, Std::kNumTZ, zone.offset);
      }
      break;
    case Std::kFracSecond0:
    case Std::kFracSecond9:
      AppendFraction(out, chunk, nsec);
      break;
    default:
      AppendZoneOffset(out, chunk.std, zone.offset);
  }
}

// The local zone in effect at a wall-clock time: Go's Date resolves the offset twice.
int64_t UnixFromLocal(int64_t local_seconds, std::string_view location) {
  std::optional<ZoneTable> table = LoadLocationTable(location);
  if (!table) return local_seconds;
  int64_t offset = LookupZone(*table, local_seconds).offset;
  int64_t unix = local_seconds - offset;
  int64_t actual = LookupZone(*table, unix).offset;
  return actual == offset ? unix : local_seconds - actual;
}

struct ParseState {
  int64_t year = 0, month = -1, day = -1, yday = -1, hour = 0, minute = 0, second = 0, nsec = 0;
  bool am = false, pm = false, utc = false;
  int64_t zone_offset = -1;
  bool has_offset = false;
  std::string zone_name;
};

bool GetNumber(std::string_view& value, bool fixed, int64_t& out) {
  if (!IsDigitAt(value, 0)) return false;
  if (!IsDigitAt(value, 1)) {
    if (fixed) return false;
    out = value[0] - '0';
    value.remove_prefix(1);
    return true;
  }
  out = (value[0] - '0') * 10 + (value[1] - '0');
  value.remove_prefix(2);
  return true;
}

bool GetNumber3(std::string_view& value, bool fixed, int64_t& out) {
  int64_t number = 0;
  size_t i = 0;
  for (; i < 3 && IsDigitAt(value, i); ++i) number = number * 10 + (value[i] - '0');
  if (i == 0 || (fixed && i != 3)) return false;
  out = number;
  value.remove_prefix(i);
  return true;
}

bool Lookup(std::span<const std::string_view> names, size_t length, std::string_view& value,
            int64_t& index) {
  for (size_t i = 0; i < names.size(); ++i) {
    std::string_view name = length != 0 ? names[i].substr(0, length) : names[i];
    if (value.size() < name.size()) continue;
    bool same = true;
    for (size_t k = 0; k < name.size() && same; ++k) {
      same = std::tolower(static_cast<unsigned char>(value[k])) ==
             std::tolower(static_cast<unsigned char>(name[k]));
    }
    if (same) {
      index = static_cast<int64_t>(i);
      value.remove_prefix(name.size());
      return true;
    }
  }
  return false;
}

bool Skip(std::string_view& value, std::string_view prefix) {
  while (!prefix.empty()) {
    if (prefix[0] == ' ') {
      if (!value.empty() && value[0] != ' ') return false;
      while (!prefix.empty() && prefix[0] == ' ') prefix.remove_prefix(1);
      while (!value.empty() && value[0] == ' ') value.remove_prefix(1);
      continue;
    }
    if (value.empty() || value[0] != prefix[0]) return false;
    value.remove_prefix(1);
    prefix.remove_prefix(1);
  }
  return true;
}

// parseNanoseconds: value starts with the separator; `length` bytes include it.
bool Nanoseconds(std::string_view value, size_t length, int64_t& out) {
  if (value.empty() || (value[0] != '.' && value[0] != ',')) return false;
  length = std::min<size_t>(length, 10);
  int64_t ns = 0;
  for (size_t i = 1; i < length; ++i) {
    if (!IsDigitAt(value, i)) return false;
    ns = ns * 10 + (value[i] - '0');
  }
  for (size_t i = length; i < 10; ++i) ns *= 10;
  out = ns;
  return true;
}

// parseSignedOffset: "+3", "-10"; 0 when not an offset of at most 24 hours.
size_t SignedOffsetLength(std::string_view value) {
  if (value.empty() || (value[0] != '+' && value[0] != '-')) return 0;
  size_t end = 1;
  int64_t hours = 0;
  while (IsDigitAt(value, end) && hours <= 24) hours = hours * 10 + (value[end++] - '0');
  if (end == 1 || hours > 24) return 0;
  return end;
}

// parseTimeZone: an abbreviation ("MST", "CEST", "ChST"), "GMT" with an optional offset, or a
// bare signed offset ("+03").
size_t TimeZoneLength(std::string_view value) {
  if (value.size() < 3) return 0;
  if (value.starts_with("ChST") || value.starts_with("MeST")) return 4;
  if (value.starts_with("GMT")) return 3 + SignedOffsetLength(value.substr(3));
  if (value[0] == '+' || value[0] == '-') return SignedOffsetLength(value);
  size_t upper = 0;
  while (upper < 6 && upper < value.size() && value[upper] >= 'A' && value[upper] <= 'Z') {
    ++upper;
  }
  if (upper == 5 && value[4] == 'T') return 5;
  if (upper == 4 && (value[3] == 'T' || value.substr(0, 4) == "WITA")) return 4;
  if (upper == 3) return 3;
  return 0;
}

std::string ParseError(std::string_view layout, std::string_view value,
                       std::string_view layout_elem, std::string_view value_elem,
                       std::string_view message) {
  if (!message.empty()) return "parsing time " + GoQuote(value) + std::string(message);
  return "parsing time " + GoQuote(value) + " as " + GoQuote(layout) + ": cannot parse " +
         GoQuote(value_elem) + " as " + GoQuote(layout_elem);
}

// One layout element read off `value`; false for Go's errBad. `range` names a field out of
// range.
bool ParseElement(const Chunk& chunk, std::string_view rest_layout, std::string_view& value,
                  ParseState& state, std::string& range) {
  switch (chunk.std) {
    case Std::kYear: {
      if (value.size() < 2 || !IsDigitAt(value, 0) || !IsDigitAt(value, 1)) return false;
      state.year = (value[0] - '0') * 10 + (value[1] - '0');
      state.year += state.year >= 69 ? 1900 : 2000;
      value.remove_prefix(2);
      return true;
    }
    case Std::kLongYear: {
      if (value.size() < 4) return false;
      int64_t year = 0;
      for (size_t i = 0; i < 4; ++i) {
        if (!IsDigitAt(value, i)) return false;
        year = year * 10 + (value[i] - '0');
      }
      state.year = year;
      value.remove_prefix(4);
      return true;
    }
    case Std::kMonth:
    case Std::kLongMonth:
      if (!Lookup(kLongMonths, chunk.std == Std::kMonth ? 3 : 0, value, state.month)) return false;
      ++state.month;
      return true;
    case Std::kNumMonth:
    case Std::kZeroMonth:
      if (!GetNumber(value, chunk.std == Std::kZeroMonth, state.month)) return false;
      if (state.month <= 0 || state.month > 12) range = "month";
      return true;
    case Std::kWeekDay:
    case Std::kLongWeekDay: {
      int64_t ignored = 0;
      return Lookup(kLongDays, chunk.std == Std::kWeekDay ? 3 : 0, value, ignored);
    }
    case Std::kDay:
    case Std::kUnderDay:
    case Std::kZeroDay:
      if (chunk.std == Std::kUnderDay && !value.empty() && value[0] == ' ') value.remove_prefix(1);
      return GetNumber(value, chunk.std == Std::kZeroDay, state.day);
    case Std::kUnderYearDay:
    case Std::kZeroYearDay:
      for (int i = 0; i < 2; ++i) {
        if (chunk.std == Std::kUnderYearDay && !value.empty() && value[0] == ' ') {
          value.remove_prefix(1);
        }
      }
      return GetNumber3(value, chunk.std == Std::kZeroYearDay, state.yday);
    case Std::kHour:
      if (!GetNumber(value, false, state.hour)) return false;
      if (state.hour < 0 || state.hour >= 24) range = "hour";
      return true;
    case Std::kHour12:
    case Std::kZeroHour12:
      if (!GetNumber(value, chunk.std == Std::kZeroHour12, state.hour)) return false;
      if (state.hour < 0 || state.hour > 12) range = "hour";
      return true;
    case Std::kMinute:
    case Std::kZeroMinute:
      if (!GetNumber(value, chunk.std == Std::kZeroMinute, state.minute)) return false;
      if (state.minute < 0 || state.minute >= 60) range = "minute";
      return true;
    case Std::kSecond:
    case Std::kZeroSecond: {
      if (!GetNumber(value, chunk.std == Std::kZeroSecond, state.second)) return false;
      if (state.second < 0 || state.second >= 60) {
        range = "second";
        return true;
      }
      // A fractional second the layout does not mention is read anyway.
      if (value.size() >= 2 && (value[0] == '.' || value[0] == ',') && IsDigitAt(value, 1)) {
        Std next = NextChunk(rest_layout).std;
        if (next == Std::kFracSecond0 || next == Std::kFracSecond9) return true;
        size_t n = 2;
        while (IsDigitAt(value, n)) ++n;
        if (!Nanoseconds(value, n, state.nsec)) return false;
        value.remove_prefix(n);
      }
      return true;
    }
    case Std::kPM:
    case Std::kpm: {
      if (value.size() < 2) return false;
      std::string_view text = value.substr(0, 2);
      value.remove_prefix(2);
      bool upper = chunk.std == Std::kPM;
      if (text == (upper ? "PM" : "pm")) {
        state.pm = true;
      } else if (text == (upper ? "AM" : "am")) {
        state.am = true;
      } else {
        return false;
      }
      return true;
    }
    case Std::kTZ: {
      if (value.starts_with("UTC")) {
        state.utc = true;
        value.remove_prefix(3);
        return true;
      }
      size_t length = TimeZoneLength(value);
      if (length == 0) return false;
      state.zone_name = std::string(value.substr(0, length));
      value.remove_prefix(length);
      return true;
    }
    case Std::kFracSecond0: {
      size_t length = 1 + static_cast<size_t>(chunk.digits);
      if (value.size() < length) return false;
      if (!Nanoseconds(value, length, state.nsec)) return false;
      value.remove_prefix(length);
      return true;
    }
    case Std::kFracSecond9: {
      if (value.size() < 2 || (value[0] != '.' && value[0] != ',') || !IsDigitAt(value, 1)) {
        return true;
      }
      size_t i = 0;
      while (IsDigitAt(value, i + 1)) ++i;
      if (!Nanoseconds(value, 1 + i, state.nsec)) return false;
      value.remove_prefix(1 + i);
      return true;
    }
    case Std::kNone:
      return true;
    default:
      break;
  }
  // Numeric zones.
  bool iso = chunk.std == Std::kISO8601TZ || chunk.std == Std::kISO8601SecondsTZ ||
             chunk.std == Std::kISO8601ShortTZ || chunk.std == Std::kISO8601ColonTZ ||
             chunk.std == Std::kISO8601ColonSecondsTZ;
  if (iso && !value.empty() && value[0] == 'Z') {
    value.remove_prefix(1);
    state.utc = true;
    return true;
  }
  std::string_view sign, hours, minutes = "00", seconds = "00";
  if (chunk.std == Std::kISO8601ColonTZ || chunk.std == Std::kNumColonTZ) {
    if (value.size() < 6 || value[3] != ':') return false;
    sign = value.substr(0, 1), hours = value.substr(1, 2), minutes = value.substr(4, 2);
    value.remove_prefix(6);
  } else if (chunk.std == Std::kNumShortTZ || chunk.std == Std::kISO8601ShortTZ) {
    if (value.size() < 3) return false;
    sign = value.substr(0, 1), hours = value.substr(1, 2);
    value.remove_prefix(3);
  } else if (chunk.std == Std::kISO8601ColonSecondsTZ || chunk.std == Std::kNumColonSecondsTZ) {
    if (value.size() < 9 || value[3] != ':' || value[6] != ':') return false;
    sign = value.substr(0, 1), hours = value.substr(1, 2), minutes = value.substr(4, 2),
    seconds = value.substr(7, 2);
    value.remove_prefix(9);
  } else if (chunk.std == Std::kISO8601SecondsTZ || chunk.std == Std::kNumSecondsTZ) {
    if (value.size() < 7) return false;
    sign = value.substr(0, 1), hours = value.substr(1, 2), minutes = value.substr(3, 2),
    seconds = value.substr(5, 2);
    value.remove_prefix(7);
  } else {
    if (value.size() < 5) return false;
    sign = value.substr(0, 1), hours = value.substr(1, 2), minutes = value.substr(3, 2);
    value.remove_prefix(5);
  }
  int64_t hh = 0, mm = 0, ss = 0;
  if (!GetNumber(hours, true, hh) || !GetNumber(minutes, true, mm) ||
      !GetNumber(seconds, true, ss)) {
    return false;
  }
  if (hh > 24) range = "time zone offset hour";
  if (mm > 60) range = "time zone offset minute";
  if (ss > 60) range = "time zone offset second";
  state.zone_offset = (hh * 60 + mm) * 60 + ss;
  state.has_offset = true;
  if (sign[0] == '-') {
    state.zone_offset = -state.zone_offset;
  } else if (sign[0] != '+') {
    return false;
  }
  return true;
}

int64_t DaysIn(int64_t month, int64_t year) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Go's Parse after the elements: year days, the 12-hour clock, the day's range, and the zone.
Result<GoTime> Assemble(ParseState state, std::string_view layout, std::string_view value) {
  if (state.pm && state.hour < 12) state.hour += 12;
  if (state.am && state.hour == 12) state.hour = 0;
  if (state.yday >= 0) {
    int64_t yday = state.yday;
    if (yday < 1 || yday > (IsLeap(state.year) ? 366 : 365)) {
      return Status::Invalid(ParseError(layout, value, "", "", ": day-of-year out of range"));
    }
    int64_t month = 1;
    while (yday > DaysIn(month, state.year)) yday -= DaysIn(month++, state.year);
    if (state.month >= 0 && state.month != month) {
      return Status::Invalid(
          ParseError(layout, value, "", "", ": day-of-year does not match month"));
    }
    if (state.day >= 0 && state.day != yday) {
      return Status::Invalid(ParseError(layout, value, "", "", ": day-of-year does not match day"));
    }
    state.month = month;
    state.day = yday;
  } else {
    if (state.month < 0) state.month = 1;
    if (state.day < 0) state.day = 1;
  }
  if (state.day < 1 || state.day > DaysIn(state.month, state.year)) {
    return Status::Invalid(ParseError(layout, value, "", "", ": day out of range"));
  }
  int64_t local = DaysFromCivil(state.year, state.month, state.day) * kSecondsPerDay +
                  state.hour * 3600 + state.minute * 60 + state.second;
  GoTime time;
  time.nsec = state.nsec;
  if (state.utc) {
    time.unix = local;
    return time;
  }
  if (state.has_offset) {
    time.unix = local - state.zone_offset;
    GoTime in_local = InLocation(time, "Local");
    Zone zone = ZoneOf(in_local);
    if (zone.offset == state.zone_offset &&
        (state.zone_name.empty() || zone.name == state.zone_name)) {
      return in_local;
    }
    time.location = "";
    time.zone_name = state.zone_name;
    time.zone_offset = state.zone_offset;
    return time;
  }
  if (!state.zone_name.empty()) {
    time.unix = local;
    GoTime in_local = InLocation(time, "Local");
    Zone zone = ZoneOf(in_local);
    if (zone.name == state.zone_name) {
      in_local.unix = local - zone.offset;
      return in_local;
    }
    time.location = "";
    time.zone_name = state.zone_name;
    if (state.zone_name.size() > 3 && state.zone_name.starts_with("GMT")) {
      time.zone_offset = std::atoi(state.zone_name.c_str() + 3) * 3600;
    }
    return time;
  }
  time.location = "Local";
  time.unix = UnixFromLocal(local, "Local");
  return time;
}

}  // namespace

int64_t UnixFromCivil(int64_t year, int64_t month, int64_t day) {
  return DaysFromCivil(year, month, day) * kSecondsPerDay;
}

GoTime ZeroTime() {
  GoTime time;
  time.unix = DaysFromCivil(1, 1, 1) * kSecondsPerDay;
  return time;
}

GoTime Now() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
  GoTime time;
  time.unix = ns / 1000000000;
  time.nsec = ns % 1000000000;
  time.location = "Local";
  time.monotonic_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count() %
                      1000000000000;
  return time;
}

Value TimeValue(const GoTime& time) {
  Value value = Value::Map(ElemType::kTime);
  auto& fields = value.mutable_map();
  fields["unix"] = Value::Int64(time.unix);
  fields["nsec"] = Value::Int64(time.nsec);
  fields["location"] = Value::String(time.location);
  fields["zone_name"] = Value::String(time.zone_name);
  fields["zone_offset"] = Value::Int64(time.zone_offset);
  fields["monotonic_ns"] = Value::Int64(time.monotonic_ns);
  return value;
}

std::optional<GoTime> AsTime(const Value& value) {
  if (value.kind() != Value::Kind::kMap || value.elem() != ElemType::kTime) return std::nullopt;
  const auto& fields = value.map();
  GoTime time;
  time.unix = fields.at("unix").int_value();
  time.nsec = fields.at("nsec").int_value();
  time.location = fields.at("location").string_value();
  time.zone_name = fields.at("zone_name").string_value();
  time.zone_offset = fields.at("zone_offset").int_value();
  time.monotonic_ns = fields.at("monotonic_ns").int_value();
  return time;
}

bool IsLocation(std::string_view name) {
  if (name.empty() || name == "UTC" || name == "Local") return true;
  return LoadNamedZone(name).has_value();
}

GoTime InLocation(GoTime time, std::string_view location) {
  time.location = location.empty() ? "UTC" : std::string(location);
  time.zone_name.clear();
  time.zone_offset = 0;
  return time;
}

std::string FormatTime(const GoTime& time, std::string_view layout) {
  Zone zone = ZoneOf(time);
  Civil civil = CivilFromSeconds(time.unix + zone.offset);
  std::string out;
  while (true) {
    Chunk chunk = NextChunk(layout);
    out += chunk.prefix;
    if (chunk.std == Std::kNone) break;
    AppendElement(out, chunk, civil, zone, time.nsec);
    layout = chunk.suffix;
  }
  return out;
}

std::string TimeString(const GoTime& time) {
  std::string out = FormatTime(time, "2006-01-02 15:04:05.999999999 -0700 MST");
  if (time.monotonic_ns >= 0) {
    out += " m=+";
    AppendNumber(out, time.monotonic_ns / 1000000000, 0);
    out += '.';
    AppendNumber(out, time.monotonic_ns % 1000000000, 9);
  }
  return out;
}

std::string TimeJson(const GoTime& time) {
  return FormatTime(time, "2006-01-02T15:04:05.999999999Z07:00");
}

Result<GoTime> ParseTime(std::string_view layout, std::string_view value) {
  const std::string_view full_layout = layout;
  const std::string_view full_value = value;
  ParseState state;
  while (true) {
    Chunk chunk = NextChunk(layout);
    if (!Skip(value, chunk.prefix)) {
      return Status::Invalid(ParseError(full_layout, full_value, chunk.prefix, value, ""));
    }
    if (chunk.std == Std::kNone) {
      if (!value.empty()) {
        return Status::Invalid(
            ParseError(full_layout, full_value, "", "", ": extra text: " + GoQuote(value)));
      }
      break;
    }
    layout = chunk.suffix;
    std::string_view hold = value;
    std::string range;
    bool ok = ParseElement(chunk, layout, value, state, range);
    if (!range.empty()) {
      return Status::Invalid(
          ParseError(full_layout, full_value, "", "", ": " + range + " out of range"));
    }
    if (!ok) return Status::Invalid(ParseError(full_layout, full_value, chunk.text, hold, ""));
  }
  return Assemble(state, full_layout, full_value);
}

}  // namespace converge::sources::helm::tmpl
