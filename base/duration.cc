#include "base/duration.h"

#include <cstdint>
#include <limits>

namespace converge {
namespace {

constexpr uint64_t kMaxNanos = uint64_t{1} << 63;  // magnitude of the most negative duration

Status Invalid(std::string_view text) {
  return Status::Invalid("time: invalid duration \"" + std::string(text) + "\"");
}

// Nanoseconds per unit, 0 when `unit` is not one.
uint64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;
  if (unit == "ms") return 1000000;
  if (unit == "s") return 1000000000;
  if (unit == "m") return uint64_t{60} * 1000000000;
  if (unit == "h") return uint64_t{3600} * 1000000000;
  return 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Appends `value` / 10^digits with at most `digits` fractional digits, trailing zeros dropped.
void AppendFraction(std::string& out, uint64_t value, int digits) {
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  out += std::to_string(value / scale);
  uint64_t fraction = value % scale;
  if (fraction == 0) return;
  std::string tail;
  for (int i = 0; i < digits; ++i) {
    tail.insert(tail.begin(), static_cast<char>('0' + fraction % 10));
    fraction /= 10;
  }
  while (!tail.empty() && tail.back() == '0') tail.pop_back();
  out += "." + tail;
}

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return Invalid(text);
  uint64_t total = 0;
  while (!s.empty()) {
    if (!IsDigit(s[0]) && s[0] != '.') return Invalid(text);
    uint64_t whole = 0;
    bool overflow = false;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (whole > kMaxNanos / 10) overflow = true;
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kMaxNanos) overflow = true;
    }
    bool had_whole = i > 0;
    if (overflow) return Invalid(text);
    uint64_t fraction = 0;
    double fraction_scale = 1;
    bool had_fraction = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t start = i;
      for (; i < s.size() && IsDigit(s[i]); ++i) {
        // Digits beyond what int64 holds cannot change the result; Go drops them too.
        if (fraction > (std::numeric_limits<uint64_t>::max() - 9) / 10) continue;
        fraction = fraction * 10 + static_cast<uint64_t>(s[i] - '0');
        fraction_scale *= 10;
      }
      had_fraction = i > start;
    }
    if (!had_whole && !had_fraction) return Invalid(text);
    size_t unit_start = i;
    while (i < s.size() && s[i] != '.' && !IsDigit(s[i])) ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    if (unit.empty()) {
      return Status::Invalid("time: missing unit in duration \"" + std::string(text) + "\"");
    }
    uint64_t per_unit = UnitNanos(unit);
    if (per_unit == 0) {
      return Status::Invalid("time: unknown unit \"" + std::string(unit) + "\" in duration \"" +
                             std::string(text) + "\"");
    }
    if (whole > kMaxNanos / per_unit) return Invalid(text);
    uint64_t value = whole * per_unit;
    if (fraction > 0) {
      value += static_cast<uint64_t>(static_cast<double>(fraction) *
                                     (static_cast<double>(per_unit) / fraction_scale));
      if (value > kMaxNanos) return Invalid(text);
    }
    total += value;
    if (total > kMaxNanos) return Invalid(text);
    s.remove_prefix(i);
  }
  if (!negative && total > kMaxNanos - 1) return Invalid(text);
  int64_t signed_total = negative ? static_cast<int64_t>(0 - total) : static_cast<int64_t>(total);
  return std::chrono::nanoseconds(signed_total);
}

std::string FormatDuration(std::chrono::nanoseconds duration) {
  int64_t n = duration.count();
  if (n == 0) return "0s";
  bool negative = n < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  std::string out = negative ? "-" : "";
  if (u < 1000000000) {
    if (u < 1000) return out + std::to_string(u) + "ns";
    if (u < 1000000) {
      AppendFraction(out, u, 3);
      return out + "\xC2\xB5s";
    }
    AppendFraction(out, u, 6);
    return out + "ms";
  }
  uint64_t hours = u / (uint64_t{3600} * 1000000000);
  u -= hours * uint64_t{3600} * 1000000000;
  uint64_t minutes = u / (uint64_t{60} * 1000000000);
  u -= minutes * uint64_t{60} * 1000000000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  AppendFraction(out, u, 9);
  return out + "s";
}

}  // namespace converge
