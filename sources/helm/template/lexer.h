#pragma once
// sources/helm/template/lexer.h (internal): Go 1.25 text/template's lexer, producing the whole
// token stream at once; a lexing error becomes the last token, where Go's parser meets it.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace converge::sources::helm::tmpl {

enum class TokenType : uint8_t {
  kError,
  kBool,
  kChar,
  kCharConstant,
  kComment,
  kComplex,
  kAssign,
  kDeclare,
  kEof,
  kField,
  kIdentifier,
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,
  kKeyword,  // the keywords follow; everything after this is a keyword
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Token {
  TokenType type;
  size_t pos;
  std::string_view value;  // for kError, a view into the lexer's message storage
};

class Lexer {
 public:
  explicit Lexer(std::string_view input);
  const std::vector<Token>& tokens() const { return tokens_; }
  // The line of a byte offset, as Go numbers a token's line. Counted on demand: only messages
  // need it.
  int LineAt(size_t pos) const;

 private:
  void Run();
  void Emit(TokenType type);
  void Error(std::string message);
  bool AtRightDelim(bool& trim) const;
  bool AtTerminator() const;
  bool LexText();
  bool LexLeftDelim();
  bool LexComment();
  bool LexRightDelim();
  bool LexInsideAction();
  bool LexSpace();
  bool LexIdentifier();
  bool LexFieldOrVariable(TokenType type);
  bool LexQuoted(char quote, std::string_view unterminated);
  bool LexNumber();
  bool ScanNumber();
  bool Accept(std::string_view valid);
  void AcceptRun(std::string_view valid);

  std::string_view input_;
  size_t start_ = 0;
  size_t pos_ = 0;
  int paren_depth_ = 0;
  std::vector<Token> tokens_;
  std::string error_;
};

}  // namespace converge::sources::helm::tmpl
