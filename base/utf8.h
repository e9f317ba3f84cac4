#pragma once
// base/utf8.h: UTF-8 decoding with Go's rules: an invalid byte is one U+FFFD of width 1.

#include <cstddef>
#include <string>
#include <string_view>

namespace converge {

struct Rune {
  char32_t value = 0;
  size_t size = 0;  // bytes consumed; 1 for an invalid byte (value U+FFFD)
};

// REQUIRES: pos < text.size()
Rune DecodeRune(std::string_view text, size_t pos);

std::u32string DecodeUtf8(std::string_view text);

// Replaces invalid bytes by U+FFFD, as Go's JSON encoder does.
std::string ValidUtf8(std::string_view text);

}  // namespace converge
