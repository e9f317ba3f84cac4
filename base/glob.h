#pragma once
// base/glob.h: shell-style globs with the semantics of github.com/gobwas/glob, which Argo CD
// (directory include/exclude) and Helm (.Files.Glob) use.
//
//   *       any run of characters except separators
//   **      any run of characters, separators included
//   ?       one character except a separator
//   [abc] [a-z] [!abc] [!a-z]   one character in (or not in) the class
//   {a,b}   either alternative; alternatives may hold any pattern, nested braces too
//   \x      the character x itself
//
// Matching works on Unicode code points. With no separators (Argo CD's choice) `*` also crosses
// '/'. A compiled Glob is immutable and safe to share between threads.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace converge {

class Glob {
 public:
  // Fails with kInvalid on an unclosed class or brace, or a dangling escape.
  static Result<Glob> Compile(std::string_view pattern, std::u32string_view separators = U"");

  bool Match(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }

  // One token of an alternative-free pattern; public only so the implementation file can build
  // them.
  struct Token {
    enum class Kind { kLiteral, kStar, kSuperStar, kAnyOne, kClass };
    Kind kind = Kind::kLiteral;
    char32_t rune = 0;                                  // kLiteral
    bool negated = false;                               // kClass
    std::vector<std::pair<char32_t, char32_t>> ranges;  // kClass, inclusive
  };

 private:
  std::string pattern_;
  std::u32string separators_;
  // Braces are expanded when compiling: the glob matches if any of these sequences does.
  std::vector<std::vector<Token>> alternatives_;
};

}  // namespace converge
