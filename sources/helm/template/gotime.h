#pragma once
// sources/helm/template/gotime.h (internal): Go's time.Time, time.Duration and time.Location as
// Sprig's date functions use them: layouts ("2006-01-02 15:04:05"), Parse, String, durations,
// and zones read from the system's zoneinfo files. "Local" is the zone TZ names, as in Go.
//
// A time travels through templates as a Value map of ElemType::kTime (see value.h); TimeValue
// and AsTime convert.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "sources/helm/template/value.h"

namespace converge::sources::helm::tmpl {

struct GoTime {
  int64_t unix = 0;  // seconds since 1970-01-01 UTC
  int64_t nsec = 0;  // 0..999999999
  // "UTC", "Local" or a zoneinfo name; "" for a fixed zone (zone_name and zone_offset).
  std::string location = "UTC";
  std::string zone_name;
  int64_t zone_offset = 0;
  // time.Now's monotonic reading, printed by String as " m=+S.NNNNNNNNN"; negative if none.
  int64_t monotonic_ns = -1;
};

// Seconds from 1970-01-01 UTC to midnight UTC of a proleptic Gregorian date.
int64_t UnixFromCivil(int64_t year, int64_t month, int64_t day);

// Go's zero time.Time: January 1, year 1, 00:00:00 UTC.
GoTime ZeroTime();
GoTime Now();

Value TimeValue(const GoTime& time);
std::optional<GoTime> AsTime(const Value& value);

// time.LoadLocation's test of a name: "", "UTC", "Local" or a readable zoneinfo file.
bool IsLocation(std::string_view name);
// t.In(location).
GoTime InLocation(GoTime time, std::string_view location);

// t.Format(layout), t.String(), and t.Format(time.RFC3339Nano) as encoding/json writes it.
std::string FormatTime(const GoTime& time, std::string_view layout);
std::string TimeString(const GoTime& time);
std::string TimeJson(const GoTime& time);

// time.ParseInLocation(layout, value, Local), with Go's error messages.
Result<GoTime> ParseTime(std::string_view layout, std::string_view value);

}  // namespace converge::sources::helm::tmpl
