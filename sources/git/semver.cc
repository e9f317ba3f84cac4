#include "sources/git/semver.h"

#include <charconv>

namespace converge::sources::git {
namespace {

using Comparison = Constraint::Comparison;
using Op = Comparison::Op;

bool IsDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsIdentifier(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<uint64_t> ParseNumber(std::string_view text) {
  if (!IsDigits(text)) return std::nullopt;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Splits "1.2.3-rc.1+build" into the numeric core and the pre-release identifiers. False when
// the pre-release or build part is malformed.
bool SplitSuffixes(std::string_view& text, std::vector<std::string>& prerelease) {
  size_t plus = text.find('+');
  if (plus != std::string_view::npos) {
    for (std::string_view part : Split(text.substr(plus + 1), '.')) {
      if (!IsIdentifier(part)) return false;
    }
    text = text.substr(0, plus);
  }
  size_t dash = text.find('-');
  if (dash != std::string_view::npos) {
    for (std::string_view part : Split(text.substr(dash + 1), '.')) {
      if (!IsIdentifier(part)) return false;
      if (part.size() > 1 && part[0] == '0' && IsDigits(part)) return false;
      prerelease.emplace_back(part);
    }
    text = text.substr(0, dash);
  }
  return true;
}

int CompareIdentifiers(const std::string& a, const std::string& b) {
  bool a_num = IsDigits(a);
  bool b_num = IsDigits(b);
  if (a_num && b_num) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  }
  if (a_num != b_num) return a_num ? -1 : 1;  // numeric identifiers sort first
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

bool IsWildcard(std::string_view part) { return part == "x" || part == "X" || part == "*"; }

// One comparison's version: like ParseVersion, but parts may be wildcards or missing.
Result<Comparison> ParseOperand(Op op, std::string_view text) {
  Comparison comparison{.op = op};
  std::string_view core = text;
  if (!core.empty() && core[0] == 'v') core.remove_prefix(1);
  if (!SplitSuffixes(core, comparison.version.prerelease)) {
    return Status::Invalid("\"" + std::string(text) + "\" is not a version");
  }
  std::vector<std::string_view> parts = Split(core, '.');
  if (parts.size() > 3) return Status::Invalid("\"" + std::string(text) + "\" is not a version");
  uint64_t* fields[] = {&comparison.version.major, &comparison.version.minor,
                        &comparison.version.patch};
  bool wild = false;
  for (size_t i = 0; i < 3; ++i) {
    if (i >= parts.size() || IsWildcard(parts[i])) {
      wild = true;
    } else if (wild) {
      return Status::Invalid("\"" + std::string(text) + "\": a number after a wildcard");
    } else {
      std::optional<uint64_t> number = ParseNumber(parts[i]);
      if (!number) return Status::Invalid("\"" + std::string(text) + "\" is not a version");
      *fields[i] = *number;
      continue;
    }
    if (i == 0) comparison.any = true;
    if (i <= 1) comparison.minor_wild = true;
    comparison.patch_wild = true;
  }
  return comparison;
}

bool HasPrerelease(const Comparison& c) { return !c.version.prerelease.empty(); }

// The comparisons of Masterminds' constraint table; wildcard parts widen "=" into a range and
// make ">" and "<=" compare only the parts given.
bool Check(const Comparison& c, const Version& v) {
  if (c.any) return c.op != Op::kNotEqual;
  int cmp = CompareVersions(v, c.version);
  bool same_major = v.major == c.version.major;
  bool same_minor = same_major && v.minor == c.version.minor;
  bool in_wild_range = c.minor_wild ? same_major : (c.patch_wild ? same_minor : cmp == 0);
  switch (c.op) {
    case Op::kEqual:
      return in_wild_range;
    case Op::kNotEqual:
      return !in_wild_range;
    case Op::kGreater:
      if (c.minor_wild) return v.major > c.version.major;
      if (c.patch_wild) {
        return v.major > c.version.major || (same_major && v.minor > c.version.minor);
      }
      return cmp > 0;
    case Op::kLess:
      return cmp < 0;
    case Op::kGreaterEqual:
      return cmp >= 0;
    case Op::kLessEqual:
      if (c.minor_wild) return v.major <= c.version.major;
      if (c.patch_wild) {
        return v.major < c.version.major || (same_major && v.minor <= c.version.minor);
      }
      return cmp <= 0;
    case Op::kTilde:
      return cmp >= 0 && (c.minor_wild ? same_major : same_minor);
    case Op::kCaret:
      if (cmp < 0) return false;
      if (c.version.major > 0 || c.minor_wild) return same_major;
      if (c.version.minor > 0 || c.patch_wild) return same_minor;
      return same_minor && v.patch == c.version.patch;
  }
  return false;
}

Result<Op> ParseOp(std::string_view op) {
  if (op.empty() || op == "=") return Op::kEqual;
  if (op == "!=") return Op::kNotEqual;
  if (op == ">") return Op::kGreater;
  if (op == "<") return Op::kLess;
  if (op == ">=" || op == "=>") return Op::kGreaterEqual;
  if (op == "<=" || op == "=<") return Op::kLessEqual;
  if (op == "~" || op == "~>") return Op::kTilde;
  if (op == "^") return Op::kCaret;
  return Status::Invalid("unknown operator \"" + std::string(op) + "\"");
}

bool IsOpChar(char c) {
  return c == '=' || c == '!' || c == '<' || c == '>' || c == '~' || c == '^';
}
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == ','; }

// Tokens of one alternative: operators and versions, with spaces between an operator and its
// version allowed (">= 1.2").
std::vector<std::string_view> Tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size()) {
    if (IsSpace(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    bool op = IsOpChar(text[i]);
    while (i < text.size() && !IsSpace(text[i]) && IsOpChar(text[i]) == op) ++i;
    tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

Result<std::vector<Comparison>> ParseAlternative(std::string_view text) {
  std::vector<std::string_view> tokens = Tokens(text);
  std::vector<Comparison> out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string_view op_text;
    if (IsOpChar(tokens[i][0])) {
      op_text = tokens[i];
      if (++i == tokens.size()) {
        return Status::Invalid("operator \"" + std::string(op_text) + "\" without a version");
      }
    }
    Result<Op> op = ParseOp(op_text);
    if (!op.ok()) return op.status();
    if (op_text.empty() && i + 2 < tokens.size() && tokens[i + 1] == "-") {
      Result<Comparison> low = ParseOperand(Op::kGreaterEqual, tokens[i]);
      Result<Comparison> high = ParseOperand(Op::kLessEqual, tokens[i + 2]);
      if (!low.ok()) return low.status();
      if (!high.ok()) return high.status();
      out.push_back(*low);
      out.push_back(*high);
      i += 2;
      continue;
    }
    Result<Comparison> comparison = ParseOperand(*op, tokens[i]);
    if (!comparison.ok()) return comparison.status();
    out.push_back(*comparison);
  }
  if (out.empty()) return Status::Invalid("empty constraint");
  return out;
}

}  // namespace

std::optional<Version> ParseVersion(std::string_view text) {
  Version version;
  std::string_view core = text;
  if (!core.empty() && core[0] == 'v') core.remove_prefix(1);
  if (!SplitSuffixes(core, version.prerelease)) return std::nullopt;
  std::vector<std::string_view> parts = Split(core, '.');
  if (parts.size() > 3) return std::nullopt;
  uint64_t* fields[] = {&version.major, &version.minor, &version.patch};
  for (size_t i = 0; i < parts.size(); ++i) {
    std::optional<uint64_t> number = ParseNumber(parts[i]);
    if (!number) return std::nullopt;
    *fields[i] = *number;
  }
  return version;
}

int CompareVersions(const Version& a, const Version& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.prerelease.empty() || b.prerelease.empty()) {
    if (a.prerelease.empty() == b.prerelease.empty()) return 0;
    return a.prerelease.empty() ? 1 : -1;  // a release sorts after its pre-releases
  }
  size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < n; ++i) {
    if (int cmp = CompareIdentifiers(a.prerelease[i], b.prerelease[i]); cmp != 0) return cmp;
  }
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

Result<Constraint> Constraint::Parse(std::string_view text) {
  Constraint constraint;
  size_t start = 0;
  while (true) {
    size_t end = text.find("||", start);
    std::string_view part = text.substr(start, end == std::string_view::npos ? end : end - start);
    Result<std::vector<Comparison>> alternative = ParseAlternative(part);
    if (!alternative.ok()) {
      return alternative.status().Wrap("semver constraint \"" + std::string(text) + "\"");
    }
    constraint.alternatives_.push_back(std::move(*alternative));
    if (end == std::string_view::npos) return constraint;
    start = end + 2;
  }
}

bool Constraint::Matches(const Version& version) const {
  for (const std::vector<Comparison>& alternative : alternatives_) {
    bool allows_prerelease = false;
    for (const Comparison& c : alternative) allows_prerelease |= HasPrerelease(c);
    if (!version.prerelease.empty() && !allows_prerelease) continue;
    bool all = true;
    for (const Comparison& c : alternative) {
      if (!Check(c, version)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

}  // namespace converge::sources::git
