// Go's path/filepath.Match, which .helmignore rules and --show-only use.

#include <algorithm>

#include "base/utf8.h"
#include "sources/helm/internal.h"

namespace converge::sources::helm {
namespace {

// Matches one character class starting after '[' at pattern[i]; advances i past ']'.
// nullopt when the class is malformed.
// Char is char for ASCII text (each byte a character) and char32_t otherwise.
template <typename Char>
std::optional<bool> MatchClass(std::basic_string_view<Char> pattern, size_t& i, Char c) {
  bool negated = i < pattern.size() && pattern[i] == '^';
  if (negated) ++i;
  bool matched = false;
  bool first = true;
  while (true) {
    if (i >= pattern.size()) return std::nullopt;
    if (pattern[i] == ']' && !first) {
      ++i;
      break;
    }
    first = false;
    auto read = [&](Char& out) {
      if (i >= pattern.size()) return false;
      if (pattern[i] == '\\') ++i;
      if (i >= pattern.size()) return false;
      out = pattern[i++];
      return true;
    };
    Char lo = 0;
    if (!read(lo)) return std::nullopt;
    Char hi = lo;
    if (i < pattern.size() && pattern[i] == '-') {
      ++i;
      if (!read(hi)) return std::nullopt;
    }
    if (lo <= c && c <= hi) matched = true;
  }
  return matched != negated;
}

template <typename Char>
bool MatchFrom(std::basic_string_view<Char> pattern, std::basic_string_view<Char> name) {
  size_t p = 0;
  size_t n = 0;
  while (p < pattern.size()) {
    Char token = pattern[p];
    if (token == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      for (size_t k = n;; ++k) {
        if (MatchFrom(pattern.substr(p), name.substr(k))) return true;
        if (k >= name.size() || name[k] == '/') return false;
      }
    }
    if (n >= name.size()) return false;
    if (name[n] == '/' && (token == '?' || token == '[')) return false;
    if (token == '?') {
      ++p;
    } else if (token == '[') {
      ++p;
      std::optional<bool> in_class = MatchClass(pattern, p, name[n]);
      if (!in_class.value_or(false)) return false;
    } else {
      if (token == '\\') {
        ++p;
        if (p >= pattern.size()) return false;
        token = pattern[p];
      }
      if (token != name[n]) return false;
      ++p;
    }
    ++n;
  }
  return n == name.size();
}

}  // namespace

bool PathMatch(std::string_view pattern, std::string_view name) {
  auto ascii = [](std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  };
  if (ascii(pattern) && ascii(name)) return MatchFrom(pattern, name);
  return MatchFrom<char32_t>(DecodeUtf8(pattern), DecodeUtf8(name));
}

std::string_view TrimSpace(std::string_view text) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace converge::sources::helm
