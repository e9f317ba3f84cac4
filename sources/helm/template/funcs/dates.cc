// Sprig's date functions (date.go) over Go's time package (gotime.h). Dates honour TZ, as
// Helm's do; `now` and what is measured from it (ago, durationRound of a time) read the clock.

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "base/duration.h"
#include "sources/helm/template/funcs/funcs.h"
#include "sources/helm/template/gotime.h"

namespace converge::sources::helm::tmpl {
namespace {

// formatDate: times as they are, integers as Unix seconds, anything else is now.
GoTime DateArg(const Value& date) {
  if (std::optional<GoTime> time = AsTime(date)) return *time;
  if (date.IsInteger()) {
    GoTime time;
    time.unix = date.int_value();
    time.location = "Local";
    return time;
  }
  return Now();
}

std::string FormatDate(const std::string& layout, const Value& date, const std::string& zone) {
  GoTime time = DateArg(date);
  return FormatTime(InLocation(time, IsLocation(zone) ? zone : "UTC"), layout);
}

Result<GoTime> DateModify(const Value& args_fmt, const Value& date) {
  Result<std::chrono::nanoseconds> parsed = ParseDuration(args_fmt.string_value());
  if (!parsed.ok()) return parsed.status();
  int64_t duration = parsed->count();
  GoTime time = *AsTime(date);
  int64_t nsec = time.nsec + duration % 1000000000;
  time.unix += duration / 1000000000 + (nsec >= 1000000000 ? 1 : nsec < 0 ? -1 : 0);
  time.nsec = (nsec % 1000000000 + 1000000000) % 1000000000;
  return time;
}

// time.Since: saturates at the largest durations, as Time.Sub does.
int64_t SinceNanoseconds(const GoTime& time) {
  GoTime now = Now();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  int64_t seconds = now.unix - time.unix;
  if (seconds > kMax / 1000000000 - 1) return kMax;
  if (seconds < kMin / 1000000000 + 1) return kMin;
  return seconds * 1000000000 + (now.nsec - time.nsec);
}

// Duration.Round(time.Second), halves away from zero, saturating.
int64_t RoundToSecond(int64_t d) {
  constexpr int64_t kSecond = 1000000000;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  int64_t r = d % kSecond;
  if (d < 0) {
    r = -r;
    if (r + r < kSecond) return d + r;
    if (d >= kMin + (kSecond - r)) return d - kSecond + r;
    return kMin;
  }
  if (r + r < kSecond) return d - r;
  if (d <= kMax - (kSecond - r)) return d + kSecond - r;
  return kMax;
}

}  // namespace

CONVERGE_FUNC(FnNow) {
  (void)call;
  (void)args;
  return TimeValue(Now());
}

CONVERGE_FUNC(FnDate) {
  (void)call;
  return Value::String(FormatDate(args[0].string_value(), args[1], "Local"));
}

CONVERGE_FUNC(FnDateInZone) {
  (void)call;
  return Value::String(FormatDate(args[0].string_value(), args[1], args[2].string_value()));
}

CONVERGE_FUNC(FnHtmlDate) {
  (void)call;
  return Value::String(FormatDate("2006-01-02", args[0], "Local"));
}

CONVERGE_FUNC(FnHtmlDateInZone) {
  (void)call;
  return Value::String(FormatDate("2006-01-02", args[0], args[1].string_value()));
}

// An unparseable duration leaves the date as it was.
CONVERGE_FUNC(FnDateModify) {
  (void)call;
  Result<GoTime> time = DateModify(args[0], args[1]);
  return time.ok() ? TimeValue(*time) : args[1];
}

CONVERGE_FUNC(FnMustDateModify) {
  (void)call;
  Result<GoTime> time = DateModify(args[0], args[1]);
  if (!time.ok()) return time.status();
  return TimeValue(*time);
}

// A string of seconds or an int64; any other type (a template's int included) is zero.
CONVERGE_FUNC(FnDuration) {
  (void)call;
  int64_t seconds = 0;
  if (args[0].kind() == Value::Kind::kString) {
    errno = 0;
    char* end = nullptr;
    const std::string& text = args[0].string_value();
    long long parsed = std::strtoll(text.c_str(), &end, 10);
    bool starts_well = !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) ||
                                         text[0] == '+' || text[0] == '-');
    if (starts_well && errno == 0 && end != text.c_str() && *end == '\0') seconds = parsed;
  } else if (args[0].kind() == Value::Kind::kInt64) {
    seconds = args[0].int_value();
  }
  // time.Duration(n) * time.Second wraps around on overflow, as Go's integers do.
  auto nanoseconds = static_cast<int64_t>(static_cast<uint64_t>(seconds) * 1000000000u);
  return Value::String(FormatDuration(std::chrono::nanoseconds(nanoseconds)));
}

CONVERGE_FUNC(FnDurationRound) {
  (void)call;
  int64_t duration = 0;
  if (args[0].kind() == Value::Kind::kString) {
    Result<std::chrono::nanoseconds> parsed = ParseDuration(args[0].string_value());
    if (parsed.ok()) duration = parsed->count();
  } else if (args[0].kind() == Value::Kind::kInt64) {
    duration = args[0].int_value();
  } else if (std::optional<GoTime> time = AsTime(args[0])) {
    duration = SinceNanoseconds(*time);
  }
  uint64_t u = duration < 0 ? 0 - static_cast<uint64_t>(duration) : duration;
  constexpr uint64_t kSecond = 1000000000;
  constexpr uint64_t kHour = 3600 * kSecond;
  const std::pair<uint64_t, const char*> units[] = {
      {kHour * 24 * 365, "y"}, {kHour * 24 * 30, "mo"}, {kHour * 24, "d"}, {kHour, "h"},
      {60 * kSecond, "m"},     {kSecond, "s"}};
  for (const auto& [size, name] : units) {
    if (u > size) return Value::String(std::to_string(u / size) + name);
  }
  return Value::String("0s");
}

CONVERGE_FUNC(FnAgo) {
  (void)call;
  GoTime time = DateArg(args[0]);
  return Value::String(
      FormatDuration(std::chrono::nanoseconds(RoundToSecond(SinceNanoseconds(time)))));
}

// toDate swallows the parse error and gives Go's zero time.
CONVERGE_FUNC(FnToDate) {
  (void)call;
  Result<GoTime> time = ParseTime(args[0].string_value(), args[1].string_value());
  return TimeValue(time.ok() ? *time : ZeroTime());
}

CONVERGE_FUNC(FnMustToDate) {
  (void)call;
  Result<GoTime> time = ParseTime(args[0].string_value(), args[1].string_value());
  if (!time.ok()) return time.status();
  return TimeValue(*time);
}

CONVERGE_FUNC(FnUnixEpoch) {
  (void)call;
  return Value::String(std::to_string(AsTime(args[0])->unix));
}

}  // namespace converge::sources::helm::tmpl
