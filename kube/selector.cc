// Label selectors as apimachinery's pkg/labels parses and matches them.

#include <algorithm>
#include <charconv>
#include <string>

#include "kube/kube.h"

namespace converge::kube {
namespace {

using Operator = LabelSelector::Operator;
using Requirement = LabelSelector::Requirement;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '/';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool Consume(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }
  // A run of label characters (may be empty).
  std::string Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  // "in" or "notin" as a whole word followed by a blank or '('.
  bool ConsumeKeyword(std::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    size_t after = pos_ + word.size();
    if (after < text_.size() && IsNameChar(text_[after])) return false;
    pos_ = after;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

Status SyntaxError(std::string_view text, const std::string& what) {
  return Status::Invalid("unable to parse requirement: " + what + " in label selector \"" +
                         std::string(text) + "\"");
}

Status ValidateKey(std::string_view key) {
  if (key.empty()) return Status::Invalid("label key must not be empty");
  if (key.size() > 317 || key.front() == '/' || key.back() == '/') {
    return Status::Invalid("invalid label key \"" + std::string(key) + "\"");
  }
  return Status();
}

Result<std::vector<std::string>> ParseSet(Lexer& lexer, std::string_view text) {
  if (!lexer.Consume("(")) return SyntaxError(text, "expected '('");
  std::vector<std::string> values;
  while (true) {
    values.push_back(lexer.Word());
    if (lexer.Consume(")")) break;
    if (!lexer.Consume(",")) return SyntaxError(text, "expected ',' or ')'");
  }
  if (values.size() == 1 && values[0].empty()) {
    return SyntaxError(text, "for 'in', 'notin' operators, values set can't be empty");
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

Result<Requirement> ParseRequirement(Lexer& lexer, std::string_view text) {
  Requirement requirement;
  if (lexer.Consume("!")) {
    requirement.key = lexer.Word();
    requirement.op = Operator::kDoesNotExist;
    if (Status s = ValidateKey(requirement.key); !s.ok()) return s;
    return requirement;
  }
  requirement.key = lexer.Word();
  if (Status s = ValidateKey(requirement.key); !s.ok()) return s;
  if (lexer.AtEnd() || lexer.Peek(',')) {
    requirement.op = Operator::kExists;
    return requirement;
  }
  if (lexer.Consume("==") || lexer.Consume("=")) {
    requirement.op = Operator::kEquals;
  } else if (lexer.Consume("!=")) {
    requirement.op = Operator::kNotEquals;
  } else if (lexer.Consume(">")) {
    requirement.op = Operator::kGreaterThan;
  } else if (lexer.Consume("<")) {
    requirement.op = Operator::kLessThan;
  } else if (lexer.ConsumeKeyword("notin")) {
    requirement.op = Operator::kNotIn;
  } else if (lexer.ConsumeKeyword("in")) {
    requirement.op = Operator::kIn;
  } else {
    return SyntaxError(text, "found unexpected text after key \"" + requirement.key + "\"");
  }
  if (requirement.op == Operator::kIn || requirement.op == Operator::kNotIn) {
    Result<std::vector<std::string>> values = ParseSet(lexer, text);
    if (!values.ok()) return values.status();
    requirement.values = std::move(*values);
    return requirement;
  }
  std::string value = lexer.Word();
  if (requirement.op == Operator::kGreaterThan || requirement.op == Operator::kLessThan) {
    int64_t number = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
      return SyntaxError(text, "for 'Gt', 'Lt' operators, the value must be an integer");
    }
  }
  requirement.values = {std::move(value)};
  return requirement;
}

const std::string* LabelValue(const nlohmann::json& labels, const std::string& key) {
  if (!labels.is_object()) return nullptr;
  auto it = labels.find(key);
  return it != labels.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

bool CompareInteger(const std::string* value, const std::string& bound, bool greater) {
  if (value == nullptr) return false;
  int64_t have = 0;
  int64_t limit = 0;
  auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), have);
  if (error != std::errc() || end != value->data() + value->size()) return false;
  std::from_chars(bound.data(), bound.data() + bound.size(), limit);
  return greater ? have > limit : have < limit;
}

bool Matches(const Requirement& requirement, const nlohmann::json& labels) {
  const std::string* value = LabelValue(labels, requirement.key);
  auto in_set = [&] {
    return value != nullptr && std::find(requirement.values.begin(), requirement.values.end(),
                                         *value) != requirement.values.end();
  };
  switch (requirement.op) {
    case Operator::kEquals:
    case Operator::kIn:
      return in_set();
    case Operator::kNotEquals:
    case Operator::kNotIn:
      return !in_set();
    case Operator::kExists:
      return value != nullptr;
    case Operator::kDoesNotExist:
      return value == nullptr;
    case Operator::kGreaterThan:
      return CompareInteger(value, requirement.values[0], true);
    case Operator::kLessThan:
      return CompareInteger(value, requirement.values[0], false);
  }
  return false;
}

}  // namespace

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  Lexer lexer(text);
  if (lexer.AtEnd()) return selector;
  while (true) {
    Result<Requirement> requirement = ParseRequirement(lexer, text);
    if (!requirement.ok()) return requirement.status();
    selector.requirements_.push_back(std::move(*requirement));
    if (lexer.AtEnd()) break;
    if (!lexer.Consume(",")) return SyntaxError(text, "expected ','");
    if (lexer.AtEnd()) return SyntaxError(text, "found trailing ','");
  }
  return selector;
}

Result<LabelSelector> LabelSelector::FromObject(const nlohmann::json& object) {
  LabelSelector selector;
  if (object.is_null()) return selector;
  if (!object.is_object()) return Status::Invalid("a label selector must be an object");
  if (auto labels = object.find("matchLabels"); labels != object.end() && !labels->is_null()) {
    if (!labels->is_object()) return Status::Invalid("matchLabels must be an object");
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      if (!it->is_string()) return Status::Invalid("matchLabels." + it.key() + " must be a string");
      selector.requirements_.push_back({it.key(), Operator::kEquals, {it->get<std::string>()}});
    }
  }
  if (auto expressions = object.find("matchExpressions");
      expressions != object.end() && !expressions->is_null()) {
    if (!expressions->is_array()) return Status::Invalid("matchExpressions must be a list");
    for (const nlohmann::json& expression : *expressions) {
      Requirement requirement;
      requirement.key = expression.value("key", "");
      std::string op = expression.value("operator", "");
      if (op == "In")
        requirement.op = Operator::kIn;
      else if (op == "NotIn")
        requirement.op = Operator::kNotIn;
      else if (op == "Exists")
        requirement.op = Operator::kExists;
      else if (op == "DoesNotExist")
        requirement.op = Operator::kDoesNotExist;
      else
        return Status::Invalid("\"" + op + "\" is not a valid label selector operator");
      if (auto values = expression.find("values");
          values != expression.end() && values->is_array()) {
        for (const nlohmann::json& value : *values) {
          if (value.is_string()) requirement.values.push_back(value.get<std::string>());
        }
      }
      bool needs_values = requirement.op == Operator::kIn || requirement.op == Operator::kNotIn;
      if (needs_values == requirement.values.empty()) {
        return Status::Invalid(
            needs_values
                ? "values: must be specified when `operator` is 'In' or 'NotIn'"
                : "values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
      }
      selector.requirements_.push_back(std::move(requirement));
    }
  }
  return selector;
}

bool LabelSelector::Matches(const nlohmann::json& labels) const {
  return std::all_of(
      requirements_.begin(), requirements_.end(),
      [&](const Requirement& requirement) { return kube::Matches(requirement, labels); });
}

}  // namespace converge::kube
