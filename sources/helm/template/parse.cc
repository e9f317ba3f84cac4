#include "sources/helm/template/parse.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <utility>

#include "sources/helm/template/fmt.h"
#include "sources/helm/template/lexer.h"

namespace converge::sources::helm::tmpl {
namespace {

// Parse errors unwind to Parse() as this private type, the way Go's parser panics and recovers;
// nothing else throws it and it never leaves this file.
struct ParseError {
  std::string message;
};

// Go's item.String(), used in "unexpected X in Y".
std::string TokenString(const Token& token) {
  if (token.type == TokenType::kEof) return "EOF";
  if (token.type == TokenType::kError) return std::string(token.value);
  if (token.type > TokenType::kKeyword) return "<" + std::string(token.value) + ">";
  if (token.value.size() > 10) return GoQuotePrefix(token.value, 10) + "...";
  return GoQuote(token.value);
}

void SplitDots(std::string_view text, std::pmr::vector<std::string_view>& parts) {
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    parts.emplace_back(text.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
}

class Parser {
 public:
  Parser(std::string_view name, std::string_view text,
         const FuncDef* (*find_function)(std::string_view),
         std::vector<std::unique_ptr<Tree>>& trees)
      : name_(name),
        source_(std::make_shared<Source>(std::string(text))),
        lexer_(source_->text),
        find_function_(find_function),
        trees_(trees) {}

  void ParseFile() {
    auto tree = NewTree(name_);
    Node* root = MakeNode(NodeType::kList, Peek().pos);
    tree->root = root;
    vars_ = {"$"};
    while (Peek().type != TokenType::kEof) {
      if (Peek().type == TokenType::kLeftDelim) {
        size_t mark = index_;
        Next();
        if (NextNonSpace().type == TokenType::kDefine) {
          ParseDefinition();
          continue;
        }
        index_ = mark;
      }
      Node* node = TextOrAction();
      if (node->type == NodeType::kEnd || node->type == NodeType::kElse) {
        Errorf("unexpected " + NodeWord(*node));
      }
      root->children.push_back(node);
    }
    Add(std::move(tree), true);
  }

 private:
  std::unique_ptr<Tree> NewTree(std::string name) {
    auto tree = std::make_unique<Tree>();
    tree->name = std::move(name);
    tree->parse_name = name_;
    tree->source = source_;
    return tree;
  }

  Node* MakeNode(NodeType type, size_t pos) {
    Node* node = source_->NewNode();
    node->type = type;
    node->pos = pos;
    return node;
  }

  // The unquoted value of a string token, viewing the source's text when it is the literal
  // without its quotes.
  std::string_view Unquoted(const Token& token) {
    std::optional<std::string> value = GoUnquote(token.value);
    if (!value) Errorf("invalid syntax");
    std::string_view inner = token.value.substr(1, token.value.size() - 2);
    if (*value == inner) return inner;
    return source_->strings.emplace_back(std::move(*value));
  }

  [[noreturn]] void Errorf(const std::string& message) {
    throw ParseError{"template: " + name_ + ":" + std::to_string(lexer_.LineAt(Current().pos)) +
                     ": " + message};
  }

  const Token& Current() const { return lexer_.tokens()[index_ == 0 ? 0 : index_ - 1]; }
  const Token& Next() {
    const Token& token = lexer_.tokens()[index_];
    if (index_ + 1 < lexer_.tokens().size() || token.type != TokenType::kEof) ++index_;
    if (index_ > lexer_.tokens().size()) index_ = lexer_.tokens().size();
    return token;
  }
  const Token& Peek() const {
    return lexer_.tokens()[std::min(index_, lexer_.tokens().size() - 1)];
  }
  const Token& NextNonSpace() {
    while (Peek().type == TokenType::kSpace) Next();
    return Next();
  }
  const Token& PeekNonSpace() {
    while (Peek().type == TokenType::kSpace) Next();
    return Peek();
  }
  void Backup() { --index_; }

  [[noreturn]] void Unexpected(const Token& token, std::string_view context) {
    if (token.type == TokenType::kError) {
      std::string extra;
      int action_line = action_pos_ ? lexer_.LineAt(*action_pos_) : 0;
      if (action_line != 0 && action_line != lexer_.LineAt(token.pos)) {
        extra = " in action started at " + name_ + ":" + std::to_string(action_line);
        if (token.value.ends_with(" action"))
          extra = extra.substr(std::string(" in action").size());
      }
      Errorf(std::string(token.value) + extra);
    }
    Errorf("unexpected " + TokenString(token) + " in " + std::string(context));
  }

  const Token& Expect(TokenType type, std::string_view context) {
    const Token& token = NextNonSpace();
    if (token.type != type) Unexpected(token, context);
    return token;
  }

  static std::string NodeWord(const Node& node) {
    return node.type == NodeType::kEnd ? "{{end}}" : "{{else}}";
  }

  void Add(std::unique_ptr<Tree> tree, bool is_file) {
    for (auto& existing : trees_) {
      if (existing->name != tree->name) continue;
      if (IsEmptyTree(*existing->root)) {
        existing = std::move(tree);
        return;
      }
      if (!IsEmptyTree(*tree->root)) {
        Errorf("template: multiple definition of template " + GoQuote(tree->name));
      }
      return;
    }
    if (is_file) {
      trees_.insert(trees_.begin(), std::move(tree));
    } else {
      trees_.push_back(std::move(tree));
    }
  }

  void ParseDefinition() {
    const Token& name_token = NextNonSpace();
    if (name_token.type != TokenType::kString && name_token.type != TokenType::kRawString) {
      Unexpected(name_token, "define clause");
    }
    auto tree = NewTree(std::string(Unquoted(name_token)));
    Expect(TokenType::kRightDelim, "define clause");
    std::vector<std::string_view> saved = std::exchange(vars_, {"$"});
    auto [list, end] = ItemList();
    if (end->type != NodeType::kEnd) Errorf("unexpected " + NodeWord(*end) + " in define clause");
    tree->root = list;
    vars_ = std::move(saved);
    Add(std::move(tree), false);
  }

  std::pair<Node*, Node*> ItemList() {
    Node* list = MakeNode(NodeType::kList, PeekNonSpace().pos);
    while (PeekNonSpace().type != TokenType::kEof) {
      Node* node = TextOrAction();
      if (node->type == NodeType::kEnd || node->type == NodeType::kElse) {
        return {list, node};
      }
      list->children.push_back(node);
    }
    Errorf("unexpected EOF");
  }

  Node* TextOrAction() {
    const Token& token = NextNonSpace();
    switch (token.type) {
      case TokenType::kText: {
        Node* node = MakeNode(NodeType::kText, token.pos);
        node->text = token.value;
        return node;
      }
      case TokenType::kLeftDelim: {
        std::optional<size_t> saved = std::exchange(action_pos_, token.pos);
        Node* node = Action();
        action_pos_ = saved;
        return node;
      }
      default:
        Unexpected(token, "input");
    }
  }

  Node* Action() {
    const Token& token = NextNonSpace();
    switch (token.type) {
      case TokenType::kBlock:
        return BlockControl();
      case TokenType::kBreak:
      case TokenType::kContinue:
        return LoopControl(token);
      case TokenType::kElse:
        return ElseControl();
      case TokenType::kEnd: {
        const Token& end = Expect(TokenType::kRightDelim, "end");
        return MakeNode(NodeType::kEnd, end.pos);
      }
      case TokenType::kIf:
        return Control(NodeType::kIf, "if");
      case TokenType::kRange:
        return Control(NodeType::kRange, "range");
      case TokenType::kTemplate:
        return TemplateControl();
      case TokenType::kWith:
        return Control(NodeType::kWith, "with");
      default:
        break;
    }
    Backup();
    const Token& next = Peek();
    Node* action = MakeNode(NodeType::kAction, next.pos);
    action->pipe = Pipeline("command", TokenType::kRightDelim);
    return action;
  }

  Node* LoopControl(const Token& keyword) {
    bool is_break = keyword.type == TokenType::kBreak;
    std::string word = is_break ? "{{break}}" : "{{continue}}";
    const Token& token = NextNonSpace();
    if (token.type != TokenType::kRightDelim) Unexpected(token, word);
    if (range_depth_ == 0) Errorf(word + " outside {{range}}");
    return MakeNode(is_break ? NodeType::kBreak : NodeType::kContinue, keyword.pos);
  }

  Node* ElseControl() {
    const Token& peek = PeekNonSpace();
    if (peek.type == TokenType::kIf || peek.type == TokenType::kWith) {
      return MakeNode(NodeType::kElse, peek.pos);
    }
    const Token& token = Expect(TokenType::kRightDelim, "else");
    return MakeNode(NodeType::kElse, token.pos);
  }

  Node* Control(NodeType type, std::string_view context) {
    size_t var_count = vars_.size();
    Node* node = MakeNode(type, 0);
    node->pipe = Pipeline(context, TokenType::kRightDelim);
    node->pos = node->pipe->pos;
    if (type == NodeType::kRange) ++range_depth_;
    auto [list, next] = ItemList();
    if (type == NodeType::kRange) --range_depth_;
    node->list = list;
    if (next->type == NodeType::kElse) {
      if (type == NodeType::kIf && Peek().type == TokenType::kIf) {
        Next();
        node->else_list = MakeNode(NodeType::kList, next->pos);
        node->else_list->children.push_back(Control(NodeType::kIf, "if"));
      } else if (type == NodeType::kWith && Peek().type == TokenType::kWith) {
        Next();
        node->else_list = MakeNode(NodeType::kList, next->pos);
        node->else_list->children.push_back(Control(NodeType::kWith, "with"));
      } else {
        auto [else_list, end] = ItemList();
        if (end->type != NodeType::kEnd) Errorf("expected end; found " + NodeWord(*end));
        node->else_list = else_list;
      }
    }
    vars_.resize(var_count);
    return node;
  }

  std::string_view TemplateName(const Token& token, std::string_view context) {
    if (token.type != TokenType::kString && token.type != TokenType::kRawString) {
      Unexpected(token, context);
    }
    return Unquoted(token);
  }

  Node* TemplateControl() {
    const Token& token = NextNonSpace();
    Node* node = MakeNode(NodeType::kTemplate, token.pos);
    node->text = TemplateName(token, "template clause");
    if (NextNonSpace().type != TokenType::kRightDelim) {
      Backup();
      node->pipe = Pipeline("template clause", TokenType::kRightDelim);
    }
    return node;
  }

  Node* BlockControl() {
    const Token& token = NextNonSpace();
    Node* node = MakeNode(NodeType::kTemplate, token.pos);
    node->text = TemplateName(token, "block clause");
    if (NextNonSpace().type != TokenType::kRightDelim) {
      Backup();
      node->pipe = Pipeline("block clause", TokenType::kRightDelim);
    }
    auto tree = NewTree(std::string(node->text));
    std::vector<std::string_view> saved = std::exchange(vars_, {"$"});
    int saved_depth = std::exchange(range_depth_, 0);
    auto [list, end] = ItemList();
    if (end->type != NodeType::kEnd) Errorf("unexpected " + NodeWord(*end) + " in block clause");
    tree->root = list;
    vars_ = std::move(saved);
    range_depth_ = saved_depth;
    Add(std::move(tree), false);
    return node;
  }

  Node* Pipeline(std::string_view context, TokenType end) {
    const Token& first = PeekNonSpace();
    Node* pipe = MakeNode(NodeType::kPipe, first.pos);
    while (PeekNonSpace().type == TokenType::kVariable) {
      size_t mark = index_;
      const Token& variable = Next();
      const Token& after = Peek();
      const Token& next = PeekNonSpace();
      if (next.type == TokenType::kAssign || next.type == TokenType::kDeclare) {
        pipe->is_assign = next.type == TokenType::kAssign;
        NextNonSpace();
        pipe->decls.push_back(Variable(variable));
        vars_.emplace_back(variable.value);
        break;
      }
      if (next.type == TokenType::kChar && next.value == ",") {
        NextNonSpace();
        pipe->decls.push_back(Variable(variable));
        vars_.emplace_back(variable.value);
        if (context == "range" && pipe->decls.size() < 2) {
          TokenType type = PeekNonSpace().type;
          if (type == TokenType::kVariable || type == TokenType::kRightDelim ||
              type == TokenType::kRightParen) {
            continue;
          }
          Errorf("range can only initialize variables");
        }
        Errorf("too many declarations in " + std::string(context));
      }
      (void)after;
      index_ = mark;
      break;
    }
    while (true) {
      const Token& token = NextNonSpace();
      if (token.type == end) {
        CheckPipeline(*pipe, context);
        return pipe;
      }
      switch (token.type) {
        case TokenType::kBool:
        case TokenType::kCharConstant:
        case TokenType::kComplex:
        case TokenType::kDot:
        case TokenType::kField:
        case TokenType::kIdentifier:
        case TokenType::kNumber:
        case TokenType::kNil:
        case TokenType::kRawString:
        case TokenType::kString:
        case TokenType::kVariable:
        case TokenType::kLeftParen:
          Backup();
          pipe->children.push_back(Command());
          break;
        default:
          Unexpected(token, context);
      }
    }
  }

  void CheckPipeline(const Node& pipe, std::string_view context) {
    if (pipe.children.empty()) Errorf("missing value for " + std::string(context));
    for (size_t i = 1; i < pipe.children.size(); ++i) {
      switch (pipe.children[i]->children[0]->type) {
        case NodeType::kBool:
        case NodeType::kDot:
        case NodeType::kNil:
        case NodeType::kNumber:
        case NodeType::kString:
          Errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default:
          break;
      }
    }
  }

  Node* Command() {
    Node* command = MakeNode(NodeType::kCommand, PeekNonSpace().pos);
    while (true) {
      PeekNonSpace();
      Node* operand = Operand();
      if (operand) command->children.push_back(operand);
      const Token& token = Next();
      if (token.type == TokenType::kSpace) continue;
      if (token.type == TokenType::kRightDelim || token.type == TokenType::kRightParen) {
        Backup();
      } else if (token.type != TokenType::kPipe) {
        Unexpected(token, "operand");
      }
      break;
    }
    if (command->children.empty()) Errorf("empty command");
    return command;
  }

  Node* Operand() {
    Node* node = Term();
    if (!node || Peek().type != TokenType::kField) return node;
    size_t chain_pos = Peek().pos;
    std::vector<std::string_view> fields;
    while (Peek().type == TokenType::kField) fields.push_back(Next().value.substr(1));
    switch (node->type) {
      case NodeType::kField:
      case NodeType::kVariable:
        node->idents.insert(node->idents.end(), fields.begin(), fields.end());
        node->pos = chain_pos;
        return node;
      case NodeType::kBool:
      case NodeType::kString:
      case NodeType::kNumber:
      case NodeType::kNil:
      case NodeType::kDot:
        Errorf("unexpected . after term " + GoQuote(node->String()));
      default:
        break;
    }
    Node* chain = MakeNode(NodeType::kChain, chain_pos);
    chain->idents.assign(fields.begin(), fields.end());
    chain->children.push_back(node);
    return chain;
  }

  Node* Variable(const Token& token) {
    Node* node = MakeNode(NodeType::kVariable, token.pos);
    SplitDots(token.value, node->idents);
    return node;
  }

  Node* Term() {
    const Token& token = NextNonSpace();
    switch (token.type) {
      case TokenType::kIdentifier: {
        const FuncDef* function = find_function_(token.value);
        if (function == nullptr) {
          Errorf("function " + GoQuote(token.value) + " not defined");
        }
        Node* node = MakeNode(NodeType::kIdentifier, token.pos);
        node->text = token.value;
        node->function = function;
        return node;
      }
      case TokenType::kDot:
        return MakeNode(NodeType::kDot, token.pos);
      case TokenType::kNil:
        return MakeNode(NodeType::kNil, token.pos);
      case TokenType::kVariable: {
        Node* node = Variable(token);
        bool known = false;
        for (std::string_view name : vars_) known = known || name == node->idents[0];
        if (!known) Errorf("undefined variable " + GoQuote(node->idents[0]));
        return node;
      }
      case TokenType::kField: {
        Node* node = MakeNode(NodeType::kField, token.pos);
        SplitDots(token.value.substr(1), node->idents);
        return node;
      }
      case TokenType::kBool: {
        Node* node = MakeNode(NodeType::kBool, token.pos);
        node->bool_value = token.value == "true";
        return node;
      }
      case TokenType::kCharConstant:
      case TokenType::kComplex:
      case TokenType::kNumber:
        return Number(token);
      case TokenType::kLeftParen:
        return Pipeline("parenthesized pipeline", TokenType::kRightParen);
      case TokenType::kString:
      case TokenType::kRawString: {
        Node* node = MakeNode(NodeType::kString, token.pos);
        node->quoted = token.value;
        node->text = Unquoted(token);
        node->constant = &source_->constants.emplace_back(Value::String(std::string(node->text)));
        return node;
      }
      default:
        Backup();
        return nullptr;
    }
  }

  Node* Number(const Token& token) {
    Node* node = MakeNode(NodeType::kNumber, token.pos);
    std::string_view text = token.value;
    node->text = text;
    if (token.type == TokenType::kCharConstant) {
      std::optional<std::string> value = GoUnquote(text);
      std::optional<char32_t> rune = value ? SingleRune(*value, text) : std::nullopt;
      if (!rune) Errorf("malformed character constant: " + std::string(text));
      node->is_int = node->is_uint = node->is_float = true;
      node->int_value = *rune;
      node->uint_value = *rune;
      node->float_value = *rune;
      return node;
    }
    if (token.type == TokenType::kComplex || text.ends_with("i")) {
      Errorf("complex constants are not supported: " + std::string(text));
    }
    std::optional<uint64_t> u = ParseGoUint(text);
    std::optional<int64_t> i = ParseGoInt(text);
    if (u) {
      node->is_uint = true;
      node->uint_value = *u;
    }
    if (i) {
      node->is_int = true;
      node->int_value = *i;
      if (*i == 0) {
        node->is_uint = true;
        node->uint_value = 0;
      }
    }
    if (node->is_int) {
      node->is_float = true;
      node->float_value = static_cast<double>(node->int_value);
    } else if (node->is_uint) {
      node->is_float = true;
      node->float_value = static_cast<double>(node->uint_value);
    } else if (std::optional<double> f = ParseGoFloat(text)) {
      if (text.find_first_of(".eEpP") == std::string_view::npos) {
        Errorf("integer overflow: " + GoQuote(text));
      }
      node->is_float = true;
      node->float_value = *f;
      if (*f >= -9223372036854775808.0 && *f < 9223372036854775808.0 &&
          static_cast<double>(static_cast<int64_t>(*f)) == *f) {
        node->is_int = true;
        node->int_value = static_cast<int64_t>(*f);
      }
      if (*f >= 0 && *f < 18446744073709551616.0 &&
          static_cast<double>(static_cast<uint64_t>(*f)) == *f) {
        node->is_uint = true;
        node->uint_value = static_cast<uint64_t>(*f);
      }
    }
    if (!node->is_int && !node->is_uint && !node->is_float) {
      Errorf("illegal number syntax: " + GoQuote(text));
    }
    return node;
  }

  static std::optional<char32_t> SingleRune(const std::string& value, std::string_view) {
    std::u32string runes = DecodeUtf8Runes(value);
    if (runes.size() != 1) return std::nullopt;
    return runes[0];
  }

  std::string name_;
  std::shared_ptr<Source> source_;
  Lexer lexer_;
  const FuncDef* (*find_function_)(std::string_view);
  std::vector<std::unique_ptr<Tree>>& trees_;
  size_t index_ = 0;
  // Where the action being parsed started, for messages.
  std::optional<size_t> action_pos_;
  int range_depth_ = 0;
  std::vector<std::string_view> vars_;
};

}  // namespace

Node* Source::NewNode() {
  return new (memory_.allocate(sizeof(Node), alignof(Node))) Node(&memory_);
}

bool IsEmptyTree(const Node& node) {
  switch (node.type) {
    case NodeType::kList:
      for (const Node* child : node.children) {
        if (!IsEmptyTree(*child)) return false;
      }
      return true;
    case NodeType::kText:
      return node.text.find_first_not_of(" \t\r\n") == std::string_view::npos;
    case NodeType::kComment:
      return true;
    default:
      return false;
  }
}

Result<std::vector<std::unique_ptr<Tree>>> Parse(
    std::string_view name, std::string_view text,
    const FuncDef* (*find_function)(std::string_view)) {
  std::vector<std::unique_ptr<Tree>> trees;
  try {
    Parser parser(name, text, find_function, trees);
    parser.ParseFile();
  } catch (const ParseError& error) {
    return Status::Invalid(error.message);
  }
  return trees;
}

}  // namespace converge::sources::helm::tmpl

namespace converge::sources::helm::tmpl {
namespace {

std::string JoinIdents(std::span<const std::string_view> idents, size_t from) {
  std::string out;
  for (size_t i = from; i < idents.size(); ++i) {
    if (i > from) out += '.';
    out += idents[i];
  }
  return out;
}

std::string ListString(const Node* list) {
  std::string out;
  if (list == nullptr) return out;
  for (const Node* child : list->children) out += child->String();
  return out;
}

}  // namespace

std::string Node::String() const {
  switch (type) {
    case NodeType::kText:
      return std::string(text);
    case NodeType::kAction:
      return "{{" + pipe->String() + "}}";
    case NodeType::kBool:
      return bool_value ? "true" : "false";
    case NodeType::kBreak:
      return "{{break}}";
    case NodeType::kContinue:
      return "{{continue}}";
    case NodeType::kChain: {
      const Node& operand = *children[0];
      std::string out =
          operand.type == NodeType::kPipe ? "(" + operand.String() + ")" : operand.String();
      for (std::string_view field : idents) {
        out += '.';
        out += field;
      }
      return out;
    }
    case NodeType::kCommand: {
      std::string out;
      for (size_t i = 0; i < children.size(); ++i) {
        if (i > 0) out += ' ';
        if (children[i]->type == NodeType::kPipe) {
          out += "(" + children[i]->String() + ")";
        } else {
          out += children[i]->String();
        }
      }
      return out;
    }
    case NodeType::kDot:
      return ".";
    case NodeType::kField:
      return "." + JoinIdents(idents, 0);
    case NodeType::kIdentifier:
      return std::string(text);
    case NodeType::kNil:
      return "nil";
    case NodeType::kNumber:
      return std::string(text);
    case NodeType::kString:
      return std::string(quoted);
    case NodeType::kVariable:
      return JoinIdents(idents, 0);
    case NodeType::kPipe: {
      std::string out;
      for (size_t i = 0; i < decls.size(); ++i) {
        if (i > 0) out += ", ";
        out += decls[i]->String();
      }
      if (!decls.empty()) out += is_assign ? " = " : " := ";
      for (size_t i = 0; i < children.size(); ++i) {
        if (i > 0) out += " | ";
        out += children[i]->String();
      }
      return out;
    }
    case NodeType::kTemplate:
      return "{{template " + GoQuote(text) + (pipe ? " " + pipe->String() : "") + "}}";
    case NodeType::kIf:
    case NodeType::kRange:
    case NodeType::kWith: {
      std::string word = type == NodeType::kIf ? "if" : type == NodeType::kRange ? "range" : "with";
      std::string out = "{{" + word + " " + pipe->String() + "}}" + ListString(list);
      if (else_list) out += "{{else}}" + ListString(else_list);
      return out + "{{end}}";
    }
    case NodeType::kList:
      return ListString(this);
    case NodeType::kComment:
    case NodeType::kElse:
    case NodeType::kEnd:
      break;
  }
  return "";
}

}  // namespace converge::sources::helm::tmpl
