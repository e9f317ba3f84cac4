// SimpleRegex: enough of a regular expression for the name tests people write in jq's test()
// ("^istio-", "-sidecar$", "[0-9]+"), matched by backtracking over a flat list of atoms.

#include "diff/rules.h"

namespace converge::diff {
namespace {

using Atom = SimpleRegex::Atom;

void AddClassEscape(char c, Atom& atom) {
  switch (c) {
    case 'd':
      atom.ranges.push_back({'0', '9'});
      break;
    case 'w':
      atom.ranges.insert(atom.ranges.end(), {{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}});
      break;
    case 's':
      atom.ranges.insert(atom.ranges.end(), {{' ', ' '}, {'\t', '\r'}});
      break;
    default:
      atom.ranges.push_back({static_cast<unsigned char>(c), static_cast<unsigned char>(c)});
  }
}

bool IsClassEscape(char c) { return c == 'd' || c == 'w' || c == 's'; }

Result<size_t> ParseClass(std::string_view pattern, size_t i, Atom& atom) {
  atom.type = Atom::Type::kClass;
  if (i < pattern.size() && pattern[i] == '^') {
    atom.negated = true;
    ++i;
  }
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    char low = pattern[i];
    if (low == '\\' && i + 1 < pattern.size()) {
      AddClassEscape(pattern[i + 1], atom);
      i += 2;
      continue;
    }
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      atom.ranges.push_back(
          {static_cast<unsigned char>(low), static_cast<unsigned char>(pattern[i + 2])});
      i += 3;
      continue;
    }
    atom.ranges.push_back({static_cast<unsigned char>(low), static_cast<unsigned char>(low)});
    ++i;
  }
  if (i >= pattern.size()) return Status::Invalid("unterminated character class");
  return i + 1;
}

bool AtomMatches(const Atom& atom, char c) {
  switch (atom.type) {
    case Atom::Type::kChar:
      return atom.c == c;
    case Atom::Type::kAny:
      return c != '\n';
    case Atom::Type::kClass: {
      auto u = static_cast<unsigned char>(c);
      bool in = false;
      for (const auto& [low, high] : atom.ranges) in = in || (u >= low && u <= high);
      return in != atom.negated;
    }
    case Atom::Type::kEnd:
      return false;
  }
  return false;
}

}  // namespace

Result<SimpleRegex> SimpleRegex::Compile(std::string_view pattern) {
  SimpleRegex regex;
  size_t i = 0;
  if (!pattern.empty() && pattern[0] == '^') {
    regex.anchored_start_ = true;
    i = 1;
  }
  while (i < pattern.size()) {
    char c = pattern[i];
    Atom atom;
    if (c == '(' || c == ')' || c == '|' || c == '{') {
      return Status::Invalid("regex \"" + std::string(pattern) + "\": '" + std::string(1, c) +
                             "' is not supported (no groups, alternation or counted repeats)");
    }
    if (c == '*' || c == '+' || c == '?') {
      return Status::Invalid("regex \"" + std::string(pattern) + "\": nothing to repeat at " +
                             std::to_string(i));
    }
    if (c == '$' && i + 1 == pattern.size()) {
      atom.type = Atom::Type::kEnd;
      ++i;
    } else if (c == '.') {
      atom.type = Atom::Type::kAny;
      ++i;
    } else if (c == '[') {
      Result<size_t> next = ParseClass(pattern, i + 1, atom);
      if (!next.ok()) return next.status().Wrap("regex \"" + std::string(pattern) + "\"");
      i = *next;
    } else if (c == '\\') {
      if (i + 1 >= pattern.size()) {
        return Status::Invalid("regex \"" + std::string(pattern) + "\": trailing backslash");
      }
      char escaped = pattern[i + 1];
      if (IsClassEscape(escaped)) {
        atom.type = Atom::Type::kClass;
        AddClassEscape(escaped, atom);
      } else {
        atom.c = escaped;
      }
      i += 2;
    } else {
      atom.c = c;
      ++i;
    }
    if (i < pattern.size() && (pattern[i] == '*' || pattern[i] == '+' || pattern[i] == '?')) {
      atom.quantifier = pattern[i++];
    }
    regex.atoms_.push_back(std::move(atom));
  }
  return regex;
}

bool SimpleRegex::MatchHere(size_t index, std::string_view text, size_t at) const {
  if (index == atoms_.size()) return true;
  const Atom& atom = atoms_[index];
  if (atom.type == Atom::Type::kEnd) return at == text.size();
  if (atom.quantifier == 0) {
    return at < text.size() && AtomMatches(atom, text[at]) && MatchHere(index + 1, text, at + 1);
  }
  size_t max = at;
  if (atom.quantifier == '?') {
    if (max < text.size() && AtomMatches(atom, text[max])) ++max;
  } else {
    while (max < text.size() && AtomMatches(atom, text[max])) ++max;
  }
  size_t min = atom.quantifier == '+' ? at + 1 : at;
  for (size_t end = max + 1; end-- > min;) {
    if (MatchHere(index + 1, text, end)) return true;
  }
  return false;
}

bool SimpleRegex::Search(std::string_view text) const {
  if (anchored_start_) return MatchHere(0, text, 0);
  for (size_t start = 0; start <= text.size(); ++start) {
    if (MatchHere(0, text, start)) return true;
  }
  return false;
}

}  // namespace converge::diff
