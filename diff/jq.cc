// JqProgram: a recursive-descent parser and evaluator for the jq subset of ignoreDifferences.
// Grammar, loosest first:
//   pipe    := or ('|' or)*
//   or      := and ('or' and)*
//   and     := compare ('and' compare)*
//   compare := postfix (('==' | '!=') postfix)?
//   postfix := primary ('.' name | '.' string | '[' ']' | '[' number ']' | '[' string ']' | '?')*
//   primary := '.' | '.' name | '.' string | '.[...]' | string | number | true | false | null
//            | select '(' pipe ')' | not | startswith|endswith|contains|test '(' pipe ')'
//            | '(' pipe ')'

#include <algorithm>
#include <cctype>
#include <optional>

#include "diff/rules.h"

namespace converge::diff {

using nlohmann::json;

struct JqProgram::Node {
  enum class Kind {
    kIdentity,
    kField,
    kIndex,
    kIterate,
    kPipe,
    kSelect,
    kEqual,
    kNotEqual,
    kAnd,
    kOr,
    kNot,
    kLiteral,
    kStartsWith,
    kEndsWith,
    kContains,
    kTest,
  };
  Kind kind = Kind::kIdentity;
  std::string name;
  size_t index = 0;
  json literal;
  std::optional<SimpleRegex> regex;
  std::unique_ptr<Node> left;
  std::unique_ptr<Node> right;
};

namespace {

using Node = JqProgram::Node;
using Kind = Node::Kind;
using NodePtr = std::unique_ptr<Node>;

NodePtr Make(Kind kind, NodePtr left = nullptr, NodePtr right = nullptr) {
  auto node = std::make_unique<Node>();
  node->kind = kind;
  node->left = std::move(left);
  node->right = std::move(right);
  return node;
}

NodePtr Pipe(NodePtr left, NodePtr right) {
  if (left == nullptr) return right;
  return Make(Kind::kPipe, std::move(left), std::move(right));
}

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<NodePtr> Parse() {
    Result<NodePtr> node = ParsePipe();
    if (!node.ok()) return node;
    Skip();
    if (at_ != text_.size()) return Error("unexpected \"" + std::string(text_.substr(at_)) + "\"");
    return node;
  }

 private:
  Status Error(const std::string& message) const {
    return Status::Invalid("jq \"" + std::string(text_) + "\": " + std::to_string(at_ + 1) + ": " +
                           message);
  }
  void Skip() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool Eat(std::string_view token) {
    Skip();
    if (text_.substr(at_, token.size()) != token) return false;
    // Keywords end at a non-name character: "order" is not "or".
    if (IsNameStart(token[0]) && at_ + token.size() < text_.size() &&
        IsNameChar(text_[at_ + token.size()])) {
      return false;
    }
    at_ += token.size();
    return true;
  }

  Result<NodePtr> ParsePipe() {
    Result<NodePtr> left = ParseOr();
    if (!left.ok()) return left;
    NodePtr node = std::move(*left);
    while (Eat("|")) {
      Result<NodePtr> right = ParseOr();
      if (!right.ok()) return right;
      node = Make(Kind::kPipe, std::move(node), std::move(*right));
    }
    return node;
  }

  Result<NodePtr> ParseOr() { return ParseBinary("or", Kind::kOr, &Parser::ParseAnd); }
  Result<NodePtr> ParseAnd() { return ParseBinary("and", Kind::kAnd, &Parser::ParseCompare); }

  Result<NodePtr> ParseBinary(std::string_view token, Kind kind,
                              Result<NodePtr> (Parser::*next)()) {
    Result<NodePtr> left = (this->*next)();
    if (!left.ok()) return left;
    NodePtr node = std::move(*left);
    while (Eat(token)) {
      Result<NodePtr> right = (this->*next)();
      if (!right.ok()) return right;
      node = Make(kind, std::move(node), std::move(*right));
    }
    return node;
  }

  Result<NodePtr> ParseCompare() {
    Result<NodePtr> left = ParsePostfix();
    if (!left.ok()) return left;
    Kind kind;
    if (Eat("==")) {
      kind = Kind::kEqual;
    } else if (Eat("!=")) {
      kind = Kind::kNotEqual;
    } else {
      return left;
    }
    Result<NodePtr> right = ParsePostfix();
    if (!right.ok()) return right;
    return Make(kind, std::move(*left), std::move(*right));
  }

  Result<std::string> ParseString() {
    ++at_;  // the opening quote
    std::string out;
    while (at_ < text_.size() && text_[at_] != '"') {
      char c = text_[at_++];
      if (c == '\\' && at_ < text_.size()) {
        char e = text_[at_++];
        out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
      } else {
        out.push_back(c);
      }
    }
    if (at_ >= text_.size()) return Error("unterminated string");
    ++at_;
    return out;
  }

  std::string ParseName() {
    size_t start = at_;
    while (at_ < text_.size() && IsNameChar(text_[at_])) ++at_;
    return std::string(text_.substr(start, at_ - start));
  }

  // After '[': "]", a number or a string, then "]".
  Result<NodePtr> ParseBracket() {
    Skip();
    if (Eat("]")) return Make(Kind::kIterate);
    NodePtr node;
    if (at_ < text_.size() && text_[at_] == '"') {
      Result<std::string> key = ParseString();
      if (!key.ok()) return key.status();
      node = Make(Kind::kField);
      node->name = std::move(*key);
    } else if (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_]))) {
      node = Make(Kind::kIndex);
      while (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_]))) {
        node->index = node->index * 10 + static_cast<size_t>(text_[at_++] - '0');
      }
    } else {
      return Error("expected ], a number or a string");
    }
    if (!Eat("]")) return Error("expected \"]\"");
    return node;
  }

  // After '.': a name, a string, a bracket, or nothing (identity).
  Result<NodePtr> ParseDotSuffix() {
    if (at_ < text_.size() && IsNameStart(text_[at_])) {
      NodePtr node = Make(Kind::kField);
      node->name = ParseName();
      return node;
    }
    if (at_ < text_.size() && text_[at_] == '"') {
      Result<std::string> key = ParseString();
      if (!key.ok()) return key.status();
      NodePtr node = Make(Kind::kField);
      node->name = std::move(*key);
      return node;
    }
    if (at_ < text_.size() && text_[at_] == '[') {
      ++at_;
      return ParseBracket();
    }
    return NodePtr(nullptr);
  }

  Result<NodePtr> ParsePostfix() {
    Result<NodePtr> primary = ParsePrimary();
    if (!primary.ok()) return primary;
    NodePtr node = std::move(*primary);
    while (true) {
      Skip();
      if (at_ >= text_.size()) break;
      if (text_[at_] == '?') {
        ++at_;  // errors are skipped anyway
      } else if (text_[at_] == '[') {
        ++at_;
        Result<NodePtr> step = ParseBracket();
        if (!step.ok()) return step;
        node = Pipe(std::move(node), std::move(*step));
      } else if (text_[at_] == '.' && at_ + 1 < text_.size() &&
                 (IsNameStart(text_[at_ + 1]) || text_[at_ + 1] == '"' || text_[at_ + 1] == '[')) {
        ++at_;
        Result<NodePtr> step = ParseDotSuffix();
        if (!step.ok()) return step;
        node = Pipe(std::move(node), std::move(*step));
      } else {
        break;
      }
    }
    return node;
  }

  Result<NodePtr> ParseCall(Kind kind) {
    if (!Eat("(")) return Error("expected \"(\"");
    Skip();
    size_t argument_at = at_;
    Result<NodePtr> argument = ParsePipe();
    if (!argument.ok()) return argument;
    if (!Eat(")")) return Error("expected \")\"");
    NodePtr node = Make(kind, std::move(*argument));
    if (kind == Kind::kTest) {
      if (node->left->kind != Kind::kLiteral || !node->left->literal.is_string()) {
        return Error("test() takes a string literal");
      }
      Result<SimpleRegex> regex =
          SimpleRegex::Compile(node->left->literal.get_ref<const std::string&>());
      if (!regex.ok()) {
        at_ = argument_at;
        return Error(regex.status().message());
      }
      node->regex = std::move(*regex);
    }
    return node;
  }

  Result<NodePtr> ParsePrimary() {
    Skip();
    if (at_ >= text_.size()) return Error("unexpected end");
    char c = text_[at_];
    if (c == '.') {
      ++at_;
      Result<NodePtr> step = ParseDotSuffix();
      if (!step.ok()) return step;
      return *step != nullptr ? std::move(*step) : Make(Kind::kIdentity);
    }
    if (c == '"') {
      Result<std::string> text = ParseString();
      if (!text.ok()) return text.status();
      NodePtr node = Make(Kind::kLiteral);
      node->literal = std::move(*text);
      return node;
    }
    if (c == '(') {
      ++at_;
      Result<NodePtr> inner = ParsePipe();
      if (!inner.ok()) return inner;
      if (!Eat(")")) return Error("expected \")\"");
      return inner;
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      size_t start = at_++;
      while (at_ < text_.size() &&
             (std::isdigit(static_cast<unsigned char>(text_[at_])) || text_[at_] == '.')) {
        ++at_;
      }
      NodePtr node = Make(Kind::kLiteral);
      node->literal = json::parse(text_.substr(start, at_ - start), nullptr, false);
      if (node->literal.is_discarded()) return Error("bad number");
      return node;
    }
    if (!IsNameStart(c)) return Error("unexpected \"" + std::string(1, c) + "\"");
    size_t start = at_;
    std::string name = ParseName();
    if (name == "true" || name == "false" || name == "null") {
      NodePtr node = Make(Kind::kLiteral);
      node->literal = name == "null" ? json() : json(name == "true");
      return node;
    }
    if (name == "not") return Make(Kind::kNot);
    if (name == "select") return ParseCall(Kind::kSelect);
    if (name == "startswith") return ParseCall(Kind::kStartsWith);
    if (name == "endswith") return ParseCall(Kind::kEndsWith);
    if (name == "contains") return ParseCall(Kind::kContains);
    if (name == "test") return ParseCall(Kind::kTest);
    at_ = start;
    return Error("unsupported function \"" + name + "\"");
  }

  std::string_view text_;
  size_t at_ = 0;
};

bool IsPathExpression(const Node& node) {
  switch (node.kind) {
    case Kind::kIdentity:
    case Kind::kField:
    case Kind::kIndex:
    case Kind::kIterate:
    case Kind::kSelect:
      return true;
    case Kind::kPipe:
      return IsPathExpression(*node.left) && IsPathExpression(*node.right);
    default:
      return false;
  }
}

bool Truthy(const json& value) { return !value.is_null() && !(value.is_boolean() && !value); }

// The values of `node` applied to `input` (a stream, as in jq).
void Values(const Node& node, const json& input, std::vector<json>& out);

json First(const Node& node, const json& input) {
  std::vector<json> values;
  Values(node, input, values);
  return values.empty() ? json() : std::move(values.front());
}

bool AnyTruthy(const Node& node, const json& input) {
  std::vector<json> values;
  Values(node, input, values);
  return std::any_of(values.begin(), values.end(), Truthy);
}

bool StringTest(const Node& node, const json& input) {
  if (!input.is_string()) return false;
  const std::string& text = input.get_ref<const std::string&>();
  if (node.kind == Kind::kTest) return node.regex->Search(text);
  json argument = First(*node.left, input);
  if (!argument.is_string()) return false;
  const std::string& needle = argument.get_ref<const std::string&>();
  if (node.kind == Kind::kStartsWith) return text.starts_with(needle);
  if (node.kind == Kind::kEndsWith) return text.ends_with(needle);
  return text.find(needle) != std::string::npos;
}

void Values(const Node& node, const json& input, std::vector<json>& out) {
  switch (node.kind) {
    case Kind::kIdentity:
      out.push_back(input);
      return;
    case Kind::kField:
      if (input.is_object()) {
        auto it = input.find(node.name);
        out.push_back(it != input.end() ? *it : json());
      } else {
        out.push_back(json());
      }
      return;
    case Kind::kIndex:
      out.push_back(input.is_array() && node.index < input.size() ? input[node.index] : json());
      return;
    case Kind::kIterate:
      if (input.is_array() || input.is_object()) {
        for (const json& item : input) out.push_back(item);
      }
      return;
    case Kind::kPipe: {
      std::vector<json> left;
      Values(*node.left, input, left);
      for (const json& value : left) Values(*node.right, value, out);
      return;
    }
    case Kind::kSelect:
      if (AnyTruthy(*node.left, input)) out.push_back(input);
      return;
    case Kind::kEqual:
    case Kind::kNotEqual: {
      bool equal = First(*node.left, input) == First(*node.right, input);
      out.push_back(node.kind == Kind::kEqual ? equal : !equal);
      return;
    }
    case Kind::kAnd:
      out.push_back(AnyTruthy(*node.left, input) && AnyTruthy(*node.right, input));
      return;
    case Kind::kOr:
      out.push_back(AnyTruthy(*node.left, input) || AnyTruthy(*node.right, input));
      return;
    case Kind::kNot:
      out.push_back(!Truthy(input));
      return;
    case Kind::kLiteral:
      out.push_back(node.literal);
      return;
    case Kind::kStartsWith:
    case Kind::kEndsWith:
    case Kind::kContains:
    case Kind::kTest:
      out.push_back(StringTest(node, input));
      return;
  }
}

struct Located {
  Path path;
  const json* value;  // null where the path leads nowhere
};

void Locate(const Node& node, const Located& input, std::vector<Located>& out) {
  const json* value = input.value;
  switch (node.kind) {
    case Kind::kIdentity:
      out.push_back(input);
      return;
    case Kind::kField: {
      if (value == nullptr || !value->is_object()) return;
      auto it = value->find(node.name);
      if (it == value->end()) return;
      Located next{input.path, &*it};
      next.path.push_back({.key = node.name});
      out.push_back(std::move(next));
      return;
    }
    case Kind::kIndex: {
      if (value == nullptr || !value->is_array() || node.index >= value->size()) return;
      Located next{input.path, &(*value)[node.index]};
      next.path.push_back({.index = node.index, .is_index = true});
      out.push_back(std::move(next));
      return;
    }
    case Kind::kIterate:
      if (value == nullptr) return;
      if (value->is_array()) {
        for (size_t i = 0; i < value->size(); ++i) {
          Located next{input.path, &(*value)[i]};
          next.path.push_back({.index = i, .is_index = true});
          out.push_back(std::move(next));
        }
      } else if (value->is_object()) {
        for (const auto& [key, item] : value->items()) {
          Located next{input.path, &item};
          next.path.push_back({.key = key});
          out.push_back(std::move(next));
        }
      }
      return;
    case Kind::kPipe: {
      std::vector<Located> left;
      Locate(*node.left, input, left);
      for (const Located& step : left) Locate(*node.right, step, out);
      return;
    }
    case Kind::kSelect:
      if (value != nullptr && AnyTruthy(*node.left, *value)) out.push_back(input);
      return;
    default:
      return;  // refused by Parse
  }
}

}  // namespace

Result<JqProgram> JqProgram::Parse(std::string_view expression) {
  Result<NodePtr> root = Parser(expression).Parse();
  if (!root.ok()) return root.status();
  if (!IsPathExpression(**root)) {
    return Status::Invalid("jq \"" + std::string(expression) + "\": not a path expression");
  }
  JqProgram program;
  program.root_ = std::shared_ptr<const Node>(std::move(*root));
  return program;
}

std::vector<Path> JqProgram::Paths(const json& value) const {
  std::vector<Located> found;
  Locate(*root_, Located{{}, &value}, found);
  std::vector<Path> paths;
  paths.reserve(found.size());
  for (Located& located : found) paths.push_back(std::move(located.path));
  return paths;
}

}  // namespace converge::diff
