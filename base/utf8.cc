#include "base/utf8.h"

namespace converge {

Rune DecodeRune(std::string_view text, size_t pos) {
  auto byte = static_cast<unsigned char>(text[pos]);
  if (byte < 0x80) {
    return {byte, 1};
  }
  size_t length = (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  constexpr Rune kInvalid{U'\uFFFD', 1};
  if (length == 0 || pos + length > text.size()) {
    return kInvalid;
  }
  char32_t rune = byte & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    auto next = static_cast<unsigned char>(text[pos + k]);
    if ((next & 0xC0) != 0x80) {
      return kInvalid;
    }
    rune = (rune << 6) | (next & 0x3F);
  }
  if (rune < kMinimum[length] || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) {
    return kInvalid;
  }
  return {rune, length};
}

std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    Rune rune = DecodeRune(text, i);
    out.push_back(rune.value);
    i += rune.size;
  }
  return out;
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    Rune rune = DecodeRune(text, i);
    if (rune.value == U'\uFFFD' && rune.size == 1 && static_cast<unsigned char>(text[i]) >= 0x80) {
      out.append("\xEF\xBF\xBD");
    } else {
      out.append(text.substr(i, rune.size));
    }
    i += rune.size;
  }
  return out;
}

}  // namespace converge
