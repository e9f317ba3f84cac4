#include "sources/helm/template/lexer.h"

#include <algorithm>
#include <string>

#include "base/utf8.h"
#include "sources/helm/template/fmt.h"

namespace converge::sources::helm::tmpl {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr size_t kTrimMarkerLen = 2;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Go accepts any Unicode letter or digit; bytes of multi-byte UTF-8 sequences count as letters
// here, which agrees for every identifier that is valid Go.
bool IsAlphaNumeric(char c) {
  auto u = static_cast<unsigned char>(c);
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         u >= 0x80;
}

bool HasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && IsSpace(s[1]); }

bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpace(s[0]) && s[1] == '-';
}

TokenType Keyword(std::string_view word) {
  static constexpr std::pair<std::string_view, TokenType> kKeywords[] = {
      {".", TokenType::kDot},
      {"block", TokenType::kBlock},
      {"break", TokenType::kBreak},
      {"continue", TokenType::kContinue},
      {"define", TokenType::kDefine},
      {"else", TokenType::kElse},
      {"end", TokenType::kEnd},
      {"if", TokenType::kIf},
      {"range", TokenType::kRange},
      {"nil", TokenType::kNil},
      {"template", TokenType::kTemplate},
      {"with", TokenType::kWith},
  };
  for (const auto& [name, type] : kKeywords) {
    if (name == word) return type;
  }
  return TokenType::kError;
}

// Go's %#U of a rune: U+0021 '!'.
std::string RuneDescription(std::string_view input, size_t pos) {
  char32_t r = pos < input.size() ? DecodeRune(input, pos).value : 0;
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "U+%04X", static_cast<unsigned>(r));
  std::string text = buffer;
  if (pos < input.size() && r >= 0x20 && r != 0x7f) {
    text += " '";
    text += input.substr(pos, DecodeRune(input, pos).size);
    text += "'";
  }
  return text;
}

}  // namespace

Lexer::Lexer(std::string_view input) : input_(input) {
  tokens_.reserve(input.size() / 16 + 16);
  Run();
}

int Lexer::LineAt(size_t pos) const {
  pos = std::min(pos, input_.size());
  return 1 + static_cast<int>(std::count(input_.begin(), input_.begin() + pos, '\n'));
}

void Lexer::Emit(TokenType type) {
  tokens_.push_back({type, start_, input_.substr(start_, pos_ - start_)});
  start_ = pos_;
}

void Lexer::Error(std::string message) {
  error_ = std::move(message);
  tokens_.push_back({TokenType::kError, start_, error_});
}

// Each step returns false when lexing has ended, at the end of input or on an error.
void Lexer::Run() {
  if (!LexText() || !LexLeftDelim()) return;
  while (LexInsideAction()) {
  }
}

// Lexes text up to the next left delimiter, trimming it when the delimiter asks so.
bool Lexer::LexText() {
  size_t x = input_.find(kLeftDelim, pos_);
  if (x == std::string_view::npos) {
    pos_ = input_.size();
    if (pos_ > start_) Emit(TokenType::kText);
    Emit(TokenType::kEof);
    return false;
  }
  pos_ = x;
  if (x > start_) {
    size_t trim = 0;
    if (HasLeftTrimMarker(input_.substr(pos_ + kLeftDelim.size()))) {
      std::string_view text = input_.substr(start_, pos_ - start_);
      while (trim < text.size() && IsSpace(text[text.size() - 1 - trim])) ++trim;
    }
    if (pos_ - trim > start_) {
      tokens_.push_back({TokenType::kText, start_, input_.substr(start_, pos_ - trim - start_)});
    }
    start_ = pos_;
  }
  return true;
}

bool Lexer::LexLeftDelim() {
  pos_ += kLeftDelim.size();
  bool trim = HasLeftTrimMarker(input_.substr(pos_));
  size_t after_marker = trim ? kTrimMarkerLen : 0;
  if (input_.substr(pos_ + after_marker).starts_with("/*")) {
    pos_ += after_marker;
    start_ = pos_;
    return LexComment();
  }
  Emit(TokenType::kLeftDelim);
  pos_ += after_marker;
  start_ = pos_;
  paren_depth_ = 0;
  return true;
}

bool Lexer::LexComment() {
  pos_ += 2;
  size_t x = input_.find("*/", pos_);
  if (x == std::string_view::npos) {
    Error("unclosed comment");
    return false;
  }
  pos_ = x + 2;
  bool trim = false;
  if (!AtRightDelim(trim)) {
    Error("comment ends before closing delimiter");
    return false;
  }
  if (trim) pos_ += kTrimMarkerLen;
  pos_ += kRightDelim.size();
  if (trim) {
    while (pos_ < input_.size() && IsSpace(input_[pos_])) ++pos_;
  }
  start_ = pos_;
  // Back to text: the caller's loop expects LexText next, then a left delimiter.
  if (!LexText()) return false;
  return LexLeftDelim();
}

bool Lexer::AtRightDelim(bool& trim) const {
  std::string_view rest = input_.substr(pos_);
  if (HasRightTrimMarker(rest) && rest.substr(kTrimMarkerLen).starts_with(kRightDelim)) {
    trim = true;
    return true;
  }
  trim = false;
  return rest.starts_with(kRightDelim);
}

bool Lexer::AtTerminator() const {
  if (pos_ >= input_.size()) return true;
  char c = input_[pos_];
  if (IsSpace(c)) return true;
  switch (c) {
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(':
      return true;
    default:
      break;
  }
  return input_.substr(pos_).starts_with(kRightDelim);
}

bool Lexer::LexRightDelim() {
  bool trim = false;
  AtRightDelim(trim);
  if (trim) {
    pos_ += kTrimMarkerLen;
    start_ = pos_;
  }
  pos_ += kRightDelim.size();
  Emit(TokenType::kRightDelim);
  if (trim) {
    while (pos_ < input_.size() && IsSpace(input_[pos_])) ++pos_;
    start_ = pos_;
  }
  if (!LexText()) return false;
  return LexLeftDelim();
}

// Lexes the inside of one action up to and including its right delimiter and the text after
// it. Returns false at the end of input or on error.
bool Lexer::LexInsideAction() {
  while (true) {
    bool trim = false;
    if (AtRightDelim(trim)) {
      if (paren_depth_ == 0) return LexRightDelim();
      Error("unclosed left paren");
      return false;
    }
    if (pos_ >= input_.size()) {
      Error("unclosed action");
      return false;
    }
    char c = input_[pos_];
    if (IsSpace(c)) {
      if (!LexSpace()) return LexRightDelim();
      continue;
    }
    ++pos_;
    switch (c) {
      case '=':
        Emit(TokenType::kAssign);
        continue;
      case ':':
        if (pos_ >= input_.size() || input_[pos_] != '=') {
          if (pos_ < input_.size()) ++pos_;
          Error("expected :=");
          return false;
        }
        ++pos_;
        Emit(TokenType::kDeclare);
        continue;
      case '|':
        Emit(TokenType::kPipe);
        continue;
      case '"':
        if (!LexQuoted('"', "unterminated quoted string")) return false;
        continue;
      case '`':
        if (!LexQuoted('`', "unterminated raw quoted string")) return false;
        continue;
      case '\'':
        if (!LexQuoted('\'', "unterminated character constant")) return false;
        continue;
      case '$':
        if (AtTerminator()) {
          Emit(TokenType::kVariable);
          continue;
        }
        if (!LexFieldOrVariable(TokenType::kVariable)) return false;
        continue;
      case '(':
        Emit(TokenType::kLeftParen);
        ++paren_depth_;
        continue;
      case ')':
        // Go's lexer replaces the paren it just emitted with the error.
        if (--paren_depth_ < 0) {
          Error("unexpected right paren");
          return false;
        }
        Emit(TokenType::kRightParen);
        continue;
      default:
        break;
    }
    if (c == '.' && pos_ < input_.size() && (input_[pos_] < '0' || input_[pos_] > '9')) {
      if (!LexFieldOrVariable(TokenType::kField)) return false;
      continue;
    }
    if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
      --pos_;
      if (!LexNumber()) return false;
      continue;
    }
    if (IsAlphaNumeric(c)) {
      --pos_;
      if (!LexIdentifier()) return false;
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x80 && c >= 0x20 && c < 0x7f) {
      Emit(TokenType::kChar);
      continue;
    }
    --pos_;
    std::string description = RuneDescription(input_, pos_);
    pos_ += DecodeRune(input_, pos_).size;
    Error("unrecognized character in action: " + description);
    return false;
  }
}

// Returns false when the spaces belong to a " -}}" that should be lexed as the delimiter.
bool Lexer::LexSpace() {
  size_t spaces = 0;
  while (pos_ < input_.size() && IsSpace(input_[pos_])) {
    ++pos_;
    ++spaces;
  }
  std::string_view before = input_.substr(pos_ - 1);
  if (HasRightTrimMarker(before) && before.substr(kTrimMarkerLen).starts_with(kRightDelim)) {
    --pos_;
    if (spaces == 1) return false;
  }
  Emit(TokenType::kSpace);
  return true;
}

bool Lexer::LexIdentifier() {
  while (pos_ < input_.size() && IsAlphaNumeric(input_[pos_])) ++pos_;
  std::string_view word = input_.substr(start_, pos_ - start_);
  if (!AtTerminator()) {
    std::string description = RuneDescription(input_, pos_);
    if (pos_ < input_.size()) pos_ += DecodeRune(input_, pos_).size;
    Error("bad character " + description);
    return false;
  }
  TokenType keyword = Keyword(word);
  if (keyword != TokenType::kError) {
    Emit(keyword);
  } else if (word == "true" || word == "false") {
    Emit(TokenType::kBool);
  } else {
    Emit(TokenType::kIdentifier);
  }
  return true;
}

bool Lexer::LexFieldOrVariable(TokenType type) {
  if (AtTerminator()) {
    Emit(type == TokenType::kVariable ? TokenType::kVariable : TokenType::kDot);
    return true;
  }
  while (pos_ < input_.size() && IsAlphaNumeric(input_[pos_])) ++pos_;
  if (!AtTerminator()) {
    std::string description = RuneDescription(input_, pos_);
    if (pos_ < input_.size()) pos_ += DecodeRune(input_, pos_).size;
    Error("bad character " + description);
    return false;
  }
  Emit(type);
  return true;
}

bool Lexer::LexQuoted(char quote, std::string_view unterminated) {
  while (true) {
    if (pos_ >= input_.size()) {
      Error(std::string(unterminated));
      return false;
    }
    char c = input_[pos_++];
    if (quote != '`' && c == '\\') {
      if (pos_ < input_.size() && input_[pos_] != '\n') {
        ++pos_;
        continue;
      }
      if (pos_ < input_.size()) ++pos_;
      Error(std::string(unterminated));
      return false;
    }
    if (quote != '`' && c == '\n') {
      Error(std::string(unterminated));
      return false;
    }
    if (c == quote) break;
  }
  Emit(quote == '"'   ? TokenType::kString
       : quote == '`' ? TokenType::kRawString
                      : TokenType::kCharConstant);
  return true;
}

bool Lexer::Accept(std::string_view valid) {
  if (pos_ < input_.size() && valid.find(input_[pos_]) != std::string_view::npos) {
    ++pos_;
    return true;
  }
  return false;
}

void Lexer::AcceptRun(std::string_view valid) {
  while (Accept(valid)) {
  }
}

bool Lexer::ScanNumber() {
  Accept("+-");
  std::string_view digits = "0123456789_";
  if (Accept("0")) {
    if (Accept("xX")) {
      digits = "0123456789abcdefABCDEF_";
    } else if (Accept("oO")) {
      digits = "01234567_";
    } else if (Accept("bB")) {
      digits = "01_";
    }
  }
  AcceptRun(digits);
  if (Accept(".")) AcceptRun(digits);
  if (digits.size() == 11 && Accept("eE")) {
    Accept("+-");
    AcceptRun("0123456789_");
  }
  if (digits.size() == 23 && Accept("pP")) {
    Accept("+-");
    AcceptRun("0123456789_");
  }
  Accept("i");
  if (pos_ < input_.size() && IsAlphaNumeric(input_[pos_])) {
    pos_ += DecodeRune(input_, pos_).size;
    return false;
  }
  return true;
}

bool Lexer::LexNumber() {
  if (!ScanNumber()) {
    Error("bad number syntax: " + GoQuote(input_.substr(start_, pos_ - start_)));
    return false;
  }
  if (pos_ < input_.size() && (input_[pos_] == '+' || input_[pos_] == '-')) {
    if (!ScanNumber() || input_[pos_ - 1] != 'i') {
      Error("bad number syntax: " + GoQuote(input_.substr(start_, pos_ - start_)));
      return false;
    }
    Emit(TokenType::kComplex);
  } else {
    Emit(TokenType::kNumber);
  }
  return true;
}

}  // namespace converge::sources::helm::tmpl
