#include "base/glob.h"

#include <utility>

#include "base/utf8.h"

namespace converge {
namespace {

using Token = Glob::Token;
using Sequence = std::vector<Token>;

// Expanding braces multiplies patterns; past this many the pattern is refused rather than
// letting a hostile include list eat memory.
constexpr size_t kMaxAlternatives = 4096;

class Parser {
 public:
  Parser(std::u32string_view pattern, std::string_view original)
      : pattern_(pattern), original_(original) {}

  Result<std::vector<Sequence>> ParseAll() {
    Result<std::vector<Sequence>> result = ParseSequence(/*in_braces=*/false);
    if (result.ok() && pos_ < pattern_.size()) {
      return Error("unexpected '" + std::string(1, static_cast<char>(pattern_[pos_])) + "'");
    }
    return result;
  }

 private:
  Status Error(const std::string& what) const {
    return Status::Invalid("glob \"" + std::string(original_) + "\": " + what);
  }

  // Parses until end of pattern, or until ',' or '}' when inside braces. Returns every
  // alternative-free expansion of what it read.
  Result<std::vector<Sequence>> ParseSequence(bool in_braces) {
    std::vector<Sequence> expansions(1);
    while (pos_ < pattern_.size()) {
      char32_t c = pattern_[pos_];
      if (in_braces && (c == U',' || c == U'}')) {
        break;
      }
      if (c == U'{') {
        ++pos_;
        Result<std::vector<Sequence>> alternatives = ParseBraces();
        if (!alternatives.ok()) {
          return alternatives.status();
        }
        Result<std::vector<Sequence>> product = Product(expansions, *alternatives);
        if (!product.ok()) {
          return product.status();
        }
        expansions = std::move(*product);
        continue;
      }
      Result<Token> token = ParseToken();
      if (!token.ok()) {
        return token.status();
      }
      for (Sequence& sequence : expansions) {
        sequence.push_back(*token);
      }
    }
    return expansions;
  }

  Result<std::vector<Sequence>> ParseBraces() {
    std::vector<Sequence> all;
    while (true) {
      Result<std::vector<Sequence>> alternative = ParseSequence(/*in_braces=*/true);
      if (!alternative.ok()) {
        return alternative.status();
      }
      for (Sequence& sequence : *alternative) {
        all.push_back(std::move(sequence));
      }
      if (all.size() > kMaxAlternatives) {
        return Error("too many alternatives");
      }
      if (pos_ >= pattern_.size()) {
        return Error("unclosed '{'");
      }
      if (pattern_[pos_++] == U'}') {
        return all;
      }
    }
  }

  Result<std::vector<Sequence>> Product(const std::vector<Sequence>& prefixes,
                                        const std::vector<Sequence>& suffixes) const {
    if (prefixes.size() * suffixes.size() > kMaxAlternatives) {
      return Error("too many alternatives");
    }
    std::vector<Sequence> out;
    out.reserve(prefixes.size() * suffixes.size());
    for (const Sequence& prefix : prefixes) {
      for (const Sequence& suffix : suffixes) {
        Sequence joined = prefix;
        joined.insert(joined.end(), suffix.begin(), suffix.end());
        out.push_back(std::move(joined));
      }
    }
    return out;
  }

  Result<Token> ParseToken() {
    char32_t c = pattern_[pos_++];
    Token token;
    switch (c) {
      case U'*':
        token.kind = Token::Kind::kStar;
        if (pos_ < pattern_.size() && pattern_[pos_] == U'*') {
          ++pos_;
          token.kind = Token::Kind::kSuperStar;
        }
        return token;
      case U'?':
        token.kind = Token::Kind::kAnyOne;
        return token;
      case U'[':
        return ParseClass();
      case U'\\':
        if (pos_ >= pattern_.size()) {
          return Error("dangling '\\'");
        }
        token.rune = pattern_[pos_++];
        return token;
      default:
        token.rune = c;
        return token;
    }
  }

  Result<Token> ParseClass() {
    Token token;
    token.kind = Token::Kind::kClass;
    if (pos_ < pattern_.size() && pattern_[pos_] == U'!') {
      token.negated = true;
      ++pos_;
    }
    while (pos_ < pattern_.size() && pattern_[pos_] != U']') {
      char32_t low = pattern_[pos_++];
      if (low == U'\\' && pos_ < pattern_.size()) {
        low = pattern_[pos_++];
      }
      char32_t high = low;
      if (pos_ + 1 < pattern_.size() && pattern_[pos_] == U'-' && pattern_[pos_ + 1] != U']') {
        high = pattern_[pos_ + 1];
        pos_ += 2;
        if (high < low) {
          return Error("invalid range in character class");
        }
      }
      token.ranges.emplace_back(low, high);
    }
    if (pos_ >= pattern_.size()) {
      return Error("unclosed '['");
    }
    ++pos_;
    if (token.ranges.empty()) {
      return Error("empty character class");
    }
    return token;
  }

  std::u32string_view pattern_;
  std::string_view original_;
  size_t pos_ = 0;
};

bool IsSeparator(char32_t c, std::u32string_view separators) {
  return separators.find(c) != std::u32string_view::npos;
}

bool MatchesOne(const Token& token, char32_t c, std::u32string_view separators) {
  switch (token.kind) {
    case Token::Kind::kLiteral:
      return token.rune == c;
    case Token::Kind::kAnyOne:
      return !IsSeparator(c, separators);
    case Token::Kind::kClass: {
      bool in = false;
      for (const auto& [low, high] : token.ranges) {
        in = in || (c >= low && c <= high);
      }
      return in != token.negated;
    }
    case Token::Kind::kStar:
    case Token::Kind::kSuperStar:
      return false;
  }
  return false;
}

// Classic dynamic programming over (token, text position); paths are short, so O(n*m) is fine
// and cannot blow up the way backtracking does.
bool MatchSequence(const Sequence& tokens, std::u32string_view text,
                   std::u32string_view separators) {
  std::vector<char> reachable(text.size() + 1, 0);
  reachable[0] = 1;
  for (const Token& token : tokens) {
    std::vector<char> next(text.size() + 1, 0);
    if (token.kind == Token::Kind::kStar || token.kind == Token::Kind::kSuperStar) {
      bool crosses = token.kind == Token::Kind::kSuperStar;
      bool carry = false;
      for (size_t i = 0; i <= text.size(); ++i) {
        carry = carry || reachable[i];
        next[i] = carry;
        if (i < text.size() && !crosses && IsSeparator(text[i], separators)) {
          carry = false;
        }
      }
    } else {
      for (size_t i = 0; i < text.size(); ++i) {
        if (reachable[i] && MatchesOne(token, text[i], separators)) {
          next[i + 1] = 1;
        }
      }
    }
    reachable = std::move(next);
  }
  return reachable[text.size()] != 0;
}

}  // namespace

Result<Glob> Glob::Compile(std::string_view pattern, std::u32string_view separators) {
  std::u32string runes = DecodeUtf8(pattern);
  Result<std::vector<Sequence>> alternatives = Parser(runes, pattern).ParseAll();
  if (!alternatives.ok()) {
    return alternatives.status();
  }
  Glob glob;
  glob.pattern_ = std::string(pattern);
  glob.separators_ = std::u32string(separators);
  glob.alternatives_ = std::move(*alternatives);
  return glob;
}

bool Glob::Match(std::string_view text) const {
  std::u32string runes = DecodeUtf8(text);
  for (const Sequence& sequence : alternatives_) {
    if (MatchSequence(sequence, runes, separators_)) {
      return true;
    }
  }
  return false;
}

}  // namespace converge
