#include "sources/helm/schema/number.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace converge::sources::helm::schema {
namespace {

// The shortest digits that read back as `value`, and the power of ten of the first one.
struct Shortest {
  std::string digits;
  int64_t point = 0;  // value = 0.digits × 10^point
};

Shortest ShortestDigits(double value) {
  char buffer[64];
  auto end = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string_view text(buffer, end.ptr - buffer);
  size_t e = text.find('e');
  Shortest result;
  for (char c : text.substr(0, e)) {
    if (c >= '0' && c <= '9') result.digits += c;
  }
  result.point = std::strtoll(std::string(text.substr(e + 1)).c_str(), nullptr, 10) + 1;
  while (result.digits.size() > 1 && result.digits.back() == '0') result.digits.pop_back();
  return result;
}

void Normalize(Decimal& number) {
  size_t first = number.digits.find_first_not_of('0');
  number.digits.erase(0, first == std::string::npos ? number.digits.size() : first);
  while (!number.digits.empty() && number.digits.back() == '0') {
    number.digits.pop_back();
    ++number.exponent;
  }
  if (number.digits.empty()) {
    number.negative = false;
    number.exponent = 0;
  }
}

Decimal FromInteger(std::string text) {
  Decimal number;
  if (!text.empty() && text[0] == '-') {
    number.negative = true;
    text.erase(0, 1);
  }
  number.digits = std::move(text);
  Normalize(number);
  return number;
}

// Magnitudes of non-negative integers written without leading zeros.
int CompareDigits(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int order = a.compare(b);
  return order < 0 ? -1 : (order > 0 ? 1 : 0);
}

// a - b for non-negative integers with a >= b.
std::string Subtract(const std::string& a, const std::string& b) {
  std::string result = a;
  int borrow = 0;
  for (size_t i = 0; i < result.size(); ++i) {
    size_t ai = result.size() - 1 - i;
    int digit = result[ai] - '0' - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
    borrow = digit < 0 ? 1 : 0;
    result[ai] = static_cast<char>('0' + digit + borrow * 10);
  }
  size_t first = result.find_first_not_of('0');
  return first == std::string::npos ? "" : result.substr(first);
}

std::string Group(std::string_view digits) {
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Superscript(int64_t exponent) {
  static constexpr std::string_view kDigits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string out = exponent < 0 ? "⁻" : "";
  std::string digits = std::to_string(exponent < 0 ? -exponent : exponent);
  if (digits.size() < 2) digits = "0" + digits;
  for (char c : digits) out += kDigits[c - '0'];
  return out;
}

}  // namespace

Decimal ToDecimal(const nlohmann::json& value) {
  if (value.is_number_integer()) return FromInteger(value.dump());
  Shortest shortest = ShortestDigits(value.get<double>());
  Decimal number;
  number.negative = value.get<double>() < 0;
  number.digits = shortest.digits;
  number.exponent = shortest.point - static_cast<int64_t>(shortest.digits.size());
  Normalize(number);
  return number;
}

int Compare(const Decimal& a, const Decimal& b) {
  if (a.digits.empty() || b.digits.empty() || a.negative != b.negative) {
    auto sign = [](const Decimal& d) { return d.digits.empty() ? 0 : (d.negative ? -1 : 1); };
    return sign(a) < sign(b) ? -1 : (sign(a) > sign(b) ? 1 : 0);
  }
  int64_t magnitude_a = static_cast<int64_t>(a.digits.size()) + a.exponent;
  int64_t magnitude_b = static_cast<int64_t>(b.digits.size()) + b.exponent;
  int order = 0;
  if (magnitude_a != magnitude_b) {
    order = magnitude_a < magnitude_b ? -1 : 1;
  } else {
    size_t length = std::max(a.digits.size(), b.digits.size());
    std::string padded_a = a.digits + std::string(length - a.digits.size(), '0');
    std::string padded_b = b.digits + std::string(length - b.digits.size(), '0');
    order = CompareDigits(padded_a, padded_b);
  }
  return a.negative ? -order : order;
}

bool IsMultiple(const Decimal& a, const Decimal& b) {
  if (a.digits.empty()) return true;
  int64_t exponent = std::min(a.exponent, b.exponent);
  std::string dividend = a.digits + std::string(a.exponent - exponent, '0');
  std::string divisor = b.digits + std::string(b.exponent - exponent, '0');
  std::string remainder;
  for (char digit : dividend) {
    if (!remainder.empty() || digit != '0') remainder += digit;
    while (CompareDigits(remainder, divisor) >= 0) remainder = Subtract(remainder, divisor);
  }
  return remainder.empty();
}

bool IsInteger(const Decimal& value) { return value.exponent >= 0; }

double ToDouble(const Decimal& value) {
  if (value.digits.empty()) return 0;
  std::string text =
      (value.negative ? "-" : "") + value.digits + "e" + std::to_string(value.exponent);
  return std::strtod(text.c_str(), nullptr);
}

std::string DisplayFloat(double value) {
  std::string sign = value < 0 ? "-" : "";
  if (value == 0) return "0";
  Shortest shortest = ShortestDigits(value < 0 ? -value : value);
  const std::string& digits = shortest.digits;
  int64_t exponent = shortest.point - 1;
  if (exponent < -4 || exponent >= 6) {
    std::string mantissa = digits.substr(0, 1);
    if (digits.size() > 1) mantissa += "." + digits.substr(1);
    return sign + mantissa + "×10" + Superscript(exponent);
  }
  if (shortest.point <= 0) {
    return sign + "0." + std::string(-shortest.point, '0') + digits;
  }
  size_t whole = static_cast<size_t>(shortest.point);
  std::string integer = digits.substr(0, std::min(whole, digits.size()));
  if (integer.size() < whole) integer += std::string(whole - integer.size(), '0');
  std::string fraction = digits.size() > whole ? digits.substr(whole) : "";
  return sign + Group(integer) + (fraction.empty() ? "" : "." + fraction);
}

std::string DisplayInt(int64_t value) {
  std::string digits = std::to_string(value);
  if (value < 0) return "-" + Group(digits.substr(1));
  return Group(digits);
}

}  // namespace converge::sources::helm::schema
