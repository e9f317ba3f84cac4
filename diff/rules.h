#pragma once
// diff/rules.h: compiled ignoreDifferences rules and the jq subset they use. Internal to diff/.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "diff/diff.h"
#include "diff/internal.h"

namespace converge::diff {

// A parsed jq expression of the subset documented on IgnoreRule::jq_path_expressions.
class JqProgram {
 public:
  struct Node;
  // Fails with the offset of the culprit: `jq ".a[": 4: expected "]"`. Expressions that do
  // not denote paths (a bare comparison, a literal) are refused, as jq's del() refuses them.
  static Result<JqProgram> Parse(std::string_view expression);

  // The paths the expression denotes in `value`, each once, in no particular order.
  std::vector<Path> Paths(const nlohmann::json& value) const;

 private:
  std::shared_ptr<const Node> root_;
};

// A small backtracking regular expression for jq's test(): literals, ., character classes
// ([a-z], [^0-9], \d \w \s), anchors ^ $, and the quantifiers * + ?. No groups or alternation.
class SimpleRegex {
 public:
  static Result<SimpleRegex> Compile(std::string_view pattern);
  // Whether the pattern matches anywhere in `text`.
  bool Search(std::string_view text) const;

  struct Atom {
    enum class Type { kChar, kAny, kClass, kEnd };
    Type type = Type::kChar;
    char c = 0;
    std::vector<std::pair<unsigned char, unsigned char>> ranges;  // kClass: inclusive ranges
    bool negated = false;
    char quantifier = 0;  // 0, '*', '+' or '?'
  };

 private:
  bool MatchHere(size_t atom, std::string_view text, size_t at) const;
  std::vector<Atom> atoms_;
  bool anchored_start_ = false;
};

struct Differ::CompiledRule {
  IgnoreRule rule;
  std::vector<Path> pointers;
  std::vector<JqProgram> programs;

  bool Matches(const kube::ResourceKey& key) const;
  // Removes the ignored fields from both sides; either may be null. The managers' fields are
  // read from `live`'s managedFields.
  void Remove(nlohmann::json* desired, nlohmann::json* live) const;
};

Result<Differ::CompiledRule> CompileRule(const IgnoreRule& rule);

}  // namespace converge::diff
