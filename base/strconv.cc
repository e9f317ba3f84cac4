#include "base/strconv.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>

namespace converge {
namespace {

// A decimal number 0.d1d2d3... x 10^point with no trailing zero digits, as Go's ftoa sees it.
struct Decimal {
  std::string digits;
  int point = 0;
};

// Reads the digits and exponent out of std::to_chars' scientific output "d.ddde+XX".
Decimal FromScientific(std::string_view text) {
  Decimal decimal;
  size_t e = text.find('e');
  for (char c : text.substr(0, e)) {
    if (c >= '0' && c <= '9') {
      decimal.digits.push_back(c);
    }
  }
  int exponent = 0;
  std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), text.data() + text.size(),
                  exponent);
  while (!decimal.digits.empty() && decimal.digits.back() == '0') {
    decimal.digits.pop_back();
  }
  decimal.point = decimal.digits.empty() ? 0 : exponent + 1;
  return decimal;
}

template <typename Float>
std::string ToChars(Float value, std::chars_format format, int precision) {
  std::array<char, 512> buffer;
  std::to_chars_result result =
      precision < 0 ? std::to_chars(buffer.begin(), buffer.end(), value, format)
                    : std::to_chars(buffer.begin(), buffer.end(), value, format, precision);
  return std::string(buffer.data(), result.ptr);
}

std::string Scientific(double magnitude, int bit_size, int precision) {
  return bit_size == 32
             ? ToChars(static_cast<float>(magnitude), std::chars_format::scientific, precision)
             : ToChars(magnitude, std::chars_format::scientific, precision);
}

void AppendExponent(std::string& out, char letter, const Decimal& decimal) {
  int exponent = decimal.digits.empty() ? 0 : decimal.point - 1;
  out.push_back(letter);
  out.push_back(exponent < 0 ? '-' : '+');
  exponent = std::abs(exponent);
  if (exponent < 10) {
    out.push_back('0');
  }
  out.append(std::to_string(exponent));
}

// Go's fmtE: one digit, then `precision` digits after the point, then the exponent.
void FormatE(std::string& out, const Decimal& decimal, int precision, char letter) {
  out.push_back(decimal.digits.empty() ? '0' : decimal.digits[0]);
  if (precision > 0) {
    out.push_back('.');
    for (int i = 1; i <= precision; ++i) {
      out.push_back(i < static_cast<int>(decimal.digits.size()) ? decimal.digits[i] : '0');
    }
  }
  AppendExponent(out, letter, decimal);
}

// Go's fmtF: integer part padded with zeros, then `precision` digits after the point.
void FormatF(std::string& out, const Decimal& decimal, int precision) {
  int count = static_cast<int>(decimal.digits.size());
  if (decimal.point > 0) {
    for (int i = 0; i < decimal.point; ++i) {
      out.push_back(i < count ? decimal.digits[i] : '0');
    }
  } else {
    out.push_back('0');
  }
  if (precision > 0) {
    out.push_back('.');
    for (int i = 1; i <= precision; ++i) {
      int j = decimal.point + i - 1;
      out.push_back(j >= 0 && j < count ? decimal.digits[j] : '0');
    }
  }
}

}  // namespace

std::string FormatFloat(double value, char format, int precision, int bit_size) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  std::string out = std::signbit(value) ? "-" : "";
  double magnitude = std::fabs(value);
  bool shortest = precision < 0;
  char lower = static_cast<char>(format | 0x20);
  char letter = format == 'E' || format == 'G' ? 'E' : 'e';

  if (!shortest && lower == 'f') {
    out.append(bit_size == 32
                   ? ToChars(static_cast<float>(magnitude), std::chars_format::fixed, precision)
                   : ToChars(magnitude, std::chars_format::fixed, precision));
    return out;
  }
  int significant = lower == 'e' ? precision + 1 : std::max(precision, 1);
  Decimal decimal =
      FromScientific(Scientific(magnitude, bit_size, shortest ? -1 : significant - 1));
  int count = static_cast<int>(decimal.digits.size());

  if (lower == 'e') {
    FormatE(out, decimal, shortest ? std::max(count - 1, 0) : precision, letter);
    return out;
  }
  if (lower == 'f') {
    FormatF(out, decimal, std::max(count - decimal.point, 0));
    return out;
  }
  // 'g': exponent form when the exponent is < -4 or >= the precision (6 when shortest).
  int digits = shortest ? count : significant;
  int exponent_limit = digits;
  if (exponent_limit > count && count >= decimal.point) {
    exponent_limit = count;
  }
  if (shortest) {
    exponent_limit = 6;
  }
  int exponent = decimal.point - 1;
  if (exponent < -4 || exponent >= exponent_limit) {
    FormatE(out, decimal, std::min(digits, count) - 1, letter);
    return out;
  }
  if (digits > decimal.point) {
    digits = count;
  }
  FormatF(out, decimal, std::max(digits - decimal.point, 0));
  return out;
}

}  // namespace converge
