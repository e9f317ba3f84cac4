// Resource quantities in the canonical form apimachinery's resource.Quantity prints.

#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kube/kube.h"

namespace converge::kube {
namespace {

// 128 bits hold every quantity Kubernetes accepts, Ei included, exactly.
__extension__ typedef __int128 Int;

enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

struct Parsed {
  bool negative = false;
  Int mantissa = 0;  // value = mantissa * 10^scale (* 1024^binary_power)
  int scale = 0;
  int binary_power = 0;
  Format format = Format::kDecimalSI;
};

constexpr Int kLimit = static_cast<Int>(1) << 120;

std::optional<Parsed> Parse(std::string_view text) {
  Parsed q;
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    q.negative = text[i] == '-';
    ++i;
  }
  size_t digits = 0;
  bool point = false;
  for (; i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.');
       ++i) {
    if (text[i] == '.') {
      if (point) return std::nullopt;
      point = true;
      continue;
    }
    if (q.mantissa > kLimit) return std::nullopt;
    q.mantissa = q.mantissa * 10 + (text[i] - '0');
    ++digits;
    if (point) --q.scale;
  }
  if (digits == 0) return std::nullopt;
  std::string_view suffix = text.substr(i);
  static constexpr std::array<std::pair<std::string_view, int>, 6> kBinary = {
      {{"Ki", 1}, {"Mi", 2}, {"Gi", 3}, {"Ti", 4}, {"Pi", 5}, {"Ei", 6}}};
  static constexpr std::array<std::pair<std::string_view, int>, 10> kDecimal = {{{"n", -9},
                                                                                 {"u", -6},
                                                                                 {"m", -3},
                                                                                 {"", 0},
                                                                                 {"k", 3},
                                                                                 {"M", 6},
                                                                                 {"G", 9},
                                                                                 {"T", 12},
                                                                                 {"P", 15},
                                                                                 {"E", 18}}};
  for (const auto& [name, power] : kBinary) {
    if (suffix == name) {
      q.binary_power = power;
      q.format = Format::kBinarySI;
      return q;
    }
  }
  for (const auto& [name, power] : kDecimal) {
    if (suffix == name) {
      q.scale += power;
      return q;
    }
  }
  if (!suffix.empty() && (suffix[0] == 'e' || suffix[0] == 'E')) {
    size_t j = 1;
    bool negative_exponent = false;
    if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) {
      negative_exponent = suffix[j] == '-';
      ++j;
    }
    if (j >= suffix.size()) return std::nullopt;
    int exponent = 0;
    for (; j < suffix.size(); ++j) {
      if (!std::isdigit(static_cast<unsigned char>(suffix[j])) || exponent > 1000)
        return std::nullopt;
      exponent = exponent * 10 + (suffix[j] - '0');
    }
    q.scale += negative_exponent ? -exponent : exponent;
    q.format = Format::kDecimalExponent;
    return q;
  }
  return std::nullopt;
}

std::string ToString(Int value) {
  if (value == 0) return "0";
  std::string out;
  while (value > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  return out;
}

std::string DecimalSuffix(int exponent, Format format) {
  if (format == Format::kDecimalSI) {
    switch (exponent) {
      case -9:
        return "n";
      case -6:
        return "u";
      case -3:
        return "m";
      case 0:
        return "";
      case 3:
        return "k";
      case 6:
        return "M";
      case 9:
        return "G";
      case 12:
        return "T";
      case 15:
        return "P";
      case 18:
        return "E";
      default:
        break;
    }
  }
  return exponent == 0 ? "" : "e" + std::to_string(exponent);
}

}  // namespace

bool IsQuantity(std::string_view text) { return Parse(text).has_value(); }

std::optional<std::string> CanonicalQuantity(std::string_view text) {
  std::optional<Parsed> parsed = Parse(text);
  if (!parsed) return std::nullopt;
  Parsed q = *parsed;
  if (q.mantissa == 0) return std::string("0");
  // Express binary quantities in plain units first.
  Int value = q.mantissa;
  int scale = q.scale;
  Format format = q.format;
  if (format == Format::kBinarySI) {
    for (int i = 0; i < q.binary_power; ++i) {
      if (value > kLimit) return std::nullopt;
      value *= 1024;
    }
    // A binary quantity prints in binary only when it is a whole number of at least 1024.
    Int whole = value;
    int s = scale;
    bool integral = true;
    while (s < 0) {
      if (whole % 10 != 0) {
        integral = false;
        break;
      }
      whole /= 10;
      ++s;
    }
    while (integral && s > 0) {
      if (whole > kLimit) return std::nullopt;
      whole *= 10;
      --s;
    }
    if (integral && whole >= 1024) {
      int power = 0;
      while (power < 6 && whole % 1024 == 0) {
        whole /= 1024;
        ++power;
      }
      static constexpr std::array<const char*, 7> kSuffix = {"",   "Ki", "Mi", "Gi",
                                                             "Ti", "Pi", "Ei"};
      return std::string(q.negative ? "-" : "") + ToString(whole) + kSuffix[power];
    }
    format = Format::kDecimalSI;
  }
  // Decimal: strip factors of ten, then bring the exponent down to a multiple of three.
  while (value % 10 == 0) {
    value /= 10;
    ++scale;
  }
  int remainder = ((scale % 3) + 3) % 3;
  for (int i = 0; i < remainder; ++i) {
    value *= 10;
    --scale;
  }
  if (format == Format::kDecimalSI && (scale < -9 || scale > 18)) format = Format::kDecimalExponent;
  return std::string(q.negative ? "-" : "") + ToString(value) + DecimalSuffix(scale, format);
}

}  // namespace converge::kube
