#pragma once
// sources/helm/template/parse.h (internal): the syntax tree of Go's text/template and the parser
// that builds it, following Go 1.25's text/template/parse token for token so that what parses,
// and the messages of what does not, are Go's.

#include <cstdint>
#include <deque>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "sources/helm/template/value.h"

namespace converge::sources::helm::tmpl {

struct FuncDef;

enum class NodeType : uint8_t {
  kText,
  kAction,
  kBool,
  kBreak,
  kChain,
  kCommand,
  kContinue,
  kDot,
  kField,
  kIdentifier,
  kIf,
  kList,
  kNil,
  kNumber,
  kPipe,
  kRange,
  kString,
  kTemplate,
  kVariable,
  kWith,
  kComment,
  kElse,  // only while parsing
  kEnd,   // only while parsing
};

// Nodes are owned by the Source of the text they were parsed from; the views they hold point
// into that text or into the Source's own strings, and their vectors use the Source's memory,
// which is freed at once without destroying the nodes.
struct Node {
  explicit Node(std::pmr::memory_resource* memory)
      : idents(memory), children(memory), decls(memory) {}

  NodeType type;
  size_t pos = 0;  // byte offset in the parsed text

  // kText: the text; kString: the unquoted value; kNumber: the literal; kIdentifier: the name;
  // kTemplate: the template name; kString also keeps `quoted`.
  std::string_view text;
  std::string_view quoted;
  // kField, kVariable, kChain: the names after the first ("$x.a.b" -> {"$x","a","b"}).
  std::pmr::vector<std::string_view> idents;
  bool bool_value = false;

  // kNumber: which Go constant forms the literal has.
  bool is_int = false;
  bool is_uint = false;
  bool is_float = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double float_value = 0;

  // kString: the value, made once so that evaluating the literal allocates nothing (held by the
  // Source).
  const Value* constant = nullptr;
  // kIdentifier: the function, found when parsing.
  const FuncDef* function = nullptr;

  // kList: the items; kCommand: the arguments; kPipe: the commands; kChain: {operand}.
  std::pmr::vector<Node*> children;
  // kPipe: declared or assigned variables.
  std::pmr::vector<Node*> decls;
  bool is_assign = false;
  // kAction, kIf, kRange, kWith, kTemplate: the pipeline (null for a template call without one).
  Node* pipe = nullptr;
  Node* list = nullptr;
  Node* else_list = nullptr;

  // Go's Node.String(), which execution errors quote.
  std::string String() const;
};

// One parsed text and everything its trees point into: parsing allocates nodes in one place and
// a set of templates frees them at once.
struct Source {
  explicit Source(std::string source_text) : text(std::move(source_text)) {}
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // A new node that lives as long as the source.
  Node* NewNode();

  std::string text;
  // Unquoted strings that differ from their literal in `text`.
  std::deque<std::string> strings;
  // The values of string literals.
  std::deque<Value> constants;

 private:
  // Where nodes and their vectors live. Nodes are never destroyed: what they own is this memory,
  // released whole with the source.
  std::pmr::monotonic_buffer_resource memory_;
};

// One parsed template: a file, or a {{define}}/{{block}} inside one.
struct Tree {
  std::string name;
  std::string parse_name;  // the file it came from, for messages
  std::shared_ptr<const Source> source;
  const Node* root = nullptr;
};

// Go's parse.IsEmptyTree: only whitespace text and comments.
bool IsEmptyTree(const Node& node);

// Parses `text` as the template `name`. The result holds the file's own tree (first) and every
// template it defines. Errors read "template: NAME:LINE: message".
// `find_function` finds the function an identifier names, or returns null.
Result<std::vector<std::unique_ptr<Tree>>> Parse(std::string_view name, std::string_view text,
                                                 const FuncDef* (*find_function)(std::string_view));

}  // namespace converge::sources::helm::tmpl
