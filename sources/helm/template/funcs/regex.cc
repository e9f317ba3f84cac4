// Sprig's regex functions (regex.go) over RE2, which shares Go regexp's syntax and
// leftmost-first semantics; the iteration and "$1" expansion rules are Go's.

#include <re2/re2.h>

#include "base/utf8.h"
#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

using Match = std::vector<re2::StringPiece>;

std::string_view GoErrorText(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    default:
      return "invalid regular expression";
  }
}

// The must* forms return regexp.Compile's error; the others panic as regexp.MustCompile does,
// naming the expression.
// REQUIRES: `call` outlives the result, which its memo keeps.
Result<const RE2*> Compile(Call& call, const std::string& pattern, bool must) {
  std::shared_ptr<const std::unique_ptr<RE2>> compiled =
      call.memo().Get<std::unique_ptr<RE2>>("regexp", pattern, [&] {
        RE2::Options options;
        options.set_log_errors(false);
        return std::make_unique<RE2>(pattern, options);
      });
  const RE2* re = compiled->get();
  if (re->ok()) return re;
  std::string error = "error parsing regexp: " + std::string(GoErrorText(re->error_code())) +
                      ": `" + re->error_arg() + "`";
  if (must) return Status::Invalid(error);
  bool backquote = pattern.find('`') == std::string::npos;
  std::string quoted = backquote ? "`" + pattern + "`" : "\"" + pattern + "\"";
  return Status::Invalid("regexp: Compile(" + quoted + "): " + error);
}

// Go's allMatches: successive non-overlapping matches; an empty match right after the
// previous match is skipped. Each match holds the whole match and every group.
std::vector<Match> AllMatches(const RE2& re, const std::string& text, int64_t n) {
  std::vector<Match> matches;
  int groups = re.NumberOfCapturingGroups() + 1;
  size_t pos = 0;
  ptrdiff_t previous_end = -1;
  while ((n < 0 || static_cast<int64_t>(matches.size()) < n) && pos <= text.size()) {
    Match match(static_cast<size_t>(groups));
    if (!re.Match(text, pos, text.size(), RE2::UNANCHORED, match.data(), groups)) break;
    auto start = static_cast<size_t>(match[0].data() - text.data());
    size_t end = start + match[0].size();
    bool accept = true;
    if (end == pos) {
      if (static_cast<ptrdiff_t>(start) == previous_end) accept = false;
      pos += pos < text.size() ? DecodeRune(text, pos).size : 1;
    } else {
      pos = end;
    }
    previous_end = static_cast<ptrdiff_t>(end);
    if (accept) matches.push_back(std::move(match));
  }
  return matches;
}

// Go's Regexp.Expand for "$1", "${1}", "$name", "${name}" and "$$".
std::string Expand(const RE2& re, const std::string& templ, const Match& match) {
  std::string out;
  for (size_t i = 0; i < templ.size(); ++i) {
    if (templ[i] != '$' || i + 1 >= templ.size()) {
      out += templ[i];
      continue;
    }
    if (templ[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    size_t next = i + 1;
    bool brace = templ[next] == '{';
    if (brace) ++next;
    size_t name_start = next;
    while (next < templ.size() &&
           (std::isalnum(static_cast<unsigned char>(templ[next])) || templ[next] == '_')) {
      ++next;
    }
    name = templ.substr(name_start, next - name_start);
    if (name.empty() || (brace && (next >= templ.size() || templ[next] != '}'))) {
      out += '$';
      continue;
    }
    if (brace) ++next;
    i = next - 1;
    int index = -1;
    if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      index = name.size() < 9 ? std::stoi(name) : -1;
    } else {
      auto found = re.NamedCapturingGroups().find(name);
      if (found != re.NamedCapturingGroups().end()) index = found->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < match.size() && match[index].data() != nullptr) {
      out.append(match[index].data(), match[index].size());
    }
  }
  return out;
}

std::string Replace(const RE2& re, const std::string& text, const std::string& replacement,
                    bool literal) {
  std::string out;
  size_t last_end = 0;
  size_t search = 0;
  int groups = re.NumberOfCapturingGroups() + 1;
  while (search <= text.size()) {
    Match match(static_cast<size_t>(groups));
    if (!re.Match(text, search, text.size(), RE2::UNANCHORED, match.data(), groups)) break;
    auto start = static_cast<size_t>(match[0].data() - text.data());
    size_t end = start + match[0].size();
    out.append(text, last_end, start - last_end);
    if (end > last_end || start == 0) {
      out += literal ? replacement : Expand(re, replacement, match);
    }
    last_end = end;
    size_t width = search < text.size() ? DecodeRune(text, search).size : 1;
    if (search + width > end) {
      search += width;
    } else if (search + 1 > end) {
      ++search;
    } else {
      search = end;
    }
  }
  out.append(text, std::min(last_end, text.size()));
  return out;
}

}  // namespace

// sprig's regexMatch ignores a bad expression and answers false.
CONVERGE_FUNC(FnRegexMatch) {
  auto re = Compile(call, args[0].string_value(), true);
  if (!re.ok()) return Value::Bool(false);
  return Value::Bool(RE2::PartialMatch(args[1].string_value(), **re));
}

CONVERGE_FUNC(FnMustRegexMatch) {
  auto re = Compile(call, args[0].string_value(), true);
  if (!re.ok()) return re.status();
  return Value::Bool(RE2::PartialMatch(args[1].string_value(), **re));
}

Result<Value> RegexFind(Call& call, std::vector<Value>& args, bool must) {
  auto re = Compile(call, args[0].string_value(), must);
  if (!re.ok()) return re.status();
  std::vector<Match> matches = AllMatches(**re, args[1].string_value(), 1);
  if (matches.empty()) return Value::String("");
  return Value::String(std::string(matches[0][0].data(), matches[0][0].size()));
}

Result<Value> RegexFindAll(Call& call, std::vector<Value>& args, bool must) {
  auto re = Compile(call, args[0].string_value(), must);
  if (!re.ok()) return re.status();
  std::vector<std::string> found;
  int64_t n = args[2].int_value();
  if (n != 0) {
    for (const Match& match : AllMatches(**re, args[1].string_value(), n < 0 ? -1 : n)) {
      found.emplace_back(match[0].data(), match[0].size());
    }
  }
  return Value::StringList(found);
}

Result<Value> RegexReplaceAll(Call& call, std::vector<Value>& args, bool must) {
  auto re = Compile(call, args[0].string_value(), must);
  if (!re.ok()) return re.status();
  return Value::String(Replace(**re, args[1].string_value(), args[2].string_value(), false));
}

Result<Value> RegexReplaceAllLiteral(Call& call, std::vector<Value>& args, bool must) {
  auto re = Compile(call, args[0].string_value(), must);
  if (!re.ok()) return re.status();
  return Value::String(Replace(**re, args[1].string_value(), args[2].string_value(), true));
}

Result<Value> RegexSplit(Call& call, std::vector<Value>& args, bool must) {
  auto re = Compile(call, args[0].string_value(), must);
  if (!re.ok()) return re.status();
  const std::string& text = args[1].string_value();
  int64_t n = args[2].int_value();
  std::vector<std::string> parts;
  if (n == 0) return Value::StringList(parts);
  if (!args[0].string_value().empty() && text.empty()) return Value::StringList({""});
  size_t begin = 0;
  size_t end = 0;
  for (const Match& match : AllMatches(**re, text, n)) {
    if (n > 0 && static_cast<int64_t>(parts.size()) == n - 1) break;
    auto start = static_cast<size_t>(match[0].data() - text.data());
    end = start;
    if (start + match[0].size() != 0) parts.push_back(text.substr(begin, end - begin));
    begin = start + match[0].size();
  }
  if (end != text.size()) parts.push_back(text.substr(begin));
  return Value::StringList(parts);
}

CONVERGE_FUNC(FnRegexQuoteMeta) {
  (void)call;
  std::string out;
  for (char c : args[0].string_value()) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnRegexFind) { return RegexFind(call, args, false); }

CONVERGE_FUNC(FnMustRegexFind) { return RegexFind(call, args, true); }

CONVERGE_FUNC(FnRegexFindAll) { return RegexFindAll(call, args, false); }

CONVERGE_FUNC(FnMustRegexFindAll) { return RegexFindAll(call, args, true); }

CONVERGE_FUNC(FnRegexReplaceAll) { return RegexReplaceAll(call, args, false); }

CONVERGE_FUNC(FnMustRegexReplaceAll) { return RegexReplaceAll(call, args, true); }

CONVERGE_FUNC(FnRegexReplaceAllLiteral) { return RegexReplaceAllLiteral(call, args, false); }

CONVERGE_FUNC(FnMustRegexReplaceAllLiteral) { return RegexReplaceAllLiteral(call, args, true); }

CONVERGE_FUNC(FnRegexSplit) { return RegexSplit(call, args, false); }

CONVERGE_FUNC(FnMustRegexSplit) { return RegexSplit(call, args, true); }

}  // namespace converge::sources::helm::tmpl
