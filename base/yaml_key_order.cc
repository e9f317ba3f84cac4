#include "base/yaml_key_order.h"

#include <cstdint>

namespace converge {
namespace {

bool IsLetter(char32_t c) {
  // unicode.IsLetter, close enough for map keys: ASCII letters and every non-ASCII letter-ish
  // code point (digits, spaces and punctuation beyond ASCII are rare in keys).
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return c != 0xA0 && !(c >= 0x2000 && c <= 0x206F) && !(c >= 0x3000 && c <= 0x303F) &&
         !(c >= 0xFF00 && c <= 0xFF20);
}

bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }

}  // namespace

bool YamlKeyLess(const std::u32string& a, const std::u32string& b, YamlKeyStyle style) {
  bool after_digit = false;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) {
      after_digit = IsDigit(a[i]);
      continue;
    }
    bool a_letter = IsLetter(a[i]);
    bool b_letter = IsLetter(b[i]);
    if (a_letter && b_letter) return a[i] < b[i];
    if (a_letter || b_letter) {
      return style == YamlKeyStyle::kV3 && after_digit ? a_letter : b_letter;
    }
    int64_t a_number = 0;
    int64_t b_number = 0;
    if (a[i] == '0' || b[i] == '0') {
      for (size_t j = i; j-- > 0 && IsDigit(a[j]);) {
        if (a[j] != '0') {
          a_number = 1;
          b_number = 1;
          break;
        }
      }
    }
    size_t a_end = i;
    size_t b_end = i;
    for (; a_end < a.size() && IsDigit(a[a_end]); ++a_end) {
      a_number = a_number * 10 + (a[a_end] - '0');
    }
    for (; b_end < b.size() && IsDigit(b[b_end]); ++b_end) {
      b_number = b_number * 10 + (b[b_end] - '0');
    }
    if (a_number != b_number) return a_number < b_number;
    if (a_end != b_end) return a_end < b_end;
    return a[i] < b[i];
  }
  return a.size() < b.size();
}

}  // namespace converge
