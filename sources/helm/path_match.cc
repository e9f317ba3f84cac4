// Go's path/filepath.Match, which .helmignore rules and --show-only use.

#include "base/utf8.h"
#include "sources/helm/internal.h"

namespace converge::sources::helm {
namespace {

// Matches one character class starting after '[' at pattern[i]; advances i past ']'.
// nullopt when the class is malformed.
std::optional<bool> MatchClass(std::u32string_view pattern, size_t& i, char32_t c) {
  bool negated = i < pattern.size() && pattern[i] == U'^';
  if (negated) ++i;
  bool matched = false;
  bool first = true;
  while (true) {
    if (i >= pattern.size()) return std::nullopt;
    if (pattern[i] == U']' && !first) {
      ++i;
      break;
    }
    first = false;
    auto read = [&](char32_t& out) {
      if (i >= pattern.size()) return false;
      if (pattern[i] == U'\\') ++i;
      if (i >= pattern.size()) return false;
      out = pattern[i++];
      return true;
    };
    char32_t lo = 0;
    if (!read(lo)) return std::nullopt;
    char32_t hi = lo;
    if (i < pattern.size() && pattern[i] == U'-') {
      ++i;
      if (!read(hi)) return std::nullopt;
    }
    if (lo <= c && c <= hi) matched = true;
  }
  return matched != negated;
}

bool MatchFrom(std::u32string_view pattern, std::u32string_view name) {
  size_t p = 0;
  size_t n = 0;
  while (p < pattern.size()) {
    char32_t token = pattern[p];
    if (token == U'*') {
      while (p < pattern.size() && pattern[p] == U'*') ++p;
      for (size_t k = n;; ++k) {
        if (MatchFrom(pattern.substr(p), name.substr(k))) return true;
        if (k >= name.size() || name[k] == U'/') return false;
      }
    }
    if (n >= name.size()) return false;
    if (name[n] == U'/' && (token == U'?' || token == U'[')) return false;
    if (token == U'?') {
      ++p;
    } else if (token == U'[') {
      ++p;
      std::optional<bool> in_class = MatchClass(pattern, p, name[n]);
      if (!in_class.value_or(false)) return false;
    } else {
      if (token == U'\\') {
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
  return MatchFrom(DecodeUtf8(pattern), DecodeUtf8(name));
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
