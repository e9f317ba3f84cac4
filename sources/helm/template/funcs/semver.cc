// Sprig's semver functions over Masterminds/semver v3's rules: lax versions ("v1.2" is 1.2.0),
// constraints with ranges, wildcards, ~ and ^, and pre-releases matched only by constraints
// that name one.

#include <re2/re2.h>

#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

constexpr std::string_view kCv = R"(v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?)"
                                 R"((-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?)"
                                 R"((\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?)";
constexpr std::string_view kOps = R"(!=|>=|=>|<=|=<|~>|=|>|<|~|\^|)";

struct Version {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::string pre;
  std::string metadata;
};

const RE2& VersionRegex() {
  static const RE2 re(R"(v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?)"
                      R"((\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?)");
  return re;
}

bool ParseSegment(const std::string& text, uint64_t& out) {
  if (text.empty()) {
    out = 0;
    return true;
  }
  if (text.size() > 19) return false;
  out = std::stoull(text);
  return true;
}

Result<Version> ParseVersion(const std::string& text) {
  std::string major, minor, patch, pre_dash, pre, pre_tail, meta_plus, meta;
  if (!RE2::FullMatch(text, VersionRegex(), &major, &minor, &patch, &pre_dash, &pre, &pre_tail,
                      &meta_plus, &meta)) {
    return Status::Invalid("invalid semantic version");
  }
  Version v;
  if (!ParseSegment(major, v.major) ||
      !ParseSegment(minor.empty() ? "" : minor.substr(1), v.minor) ||
      !ParseSegment(patch.empty() ? "" : patch.substr(1), v.patch)) {
    return Status::Invalid("invalid semantic version");
  }
  v.pre = pre;
  v.metadata = meta;
  size_t start = 0;
  while (!v.pre.empty() && start <= v.pre.size()) {
    size_t dot = v.pre.find('.', start);
    std::string part =
        v.pre.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric =
        std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric && part.size() > 1 && part[0] == '0') {
      return Status::Invalid("version segment starts with 0");
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return v;
}

int ComparePart(const std::string& a, const std::string& b) {
  bool a_num = !a.empty() && std::all_of(a.begin(), a.end(), ::isdigit);
  bool b_num = !b.empty() && std::all_of(b.begin(), b.end(), ::isdigit);
  if (a_num && b_num) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a == b ? 0 : (a < b ? -1 : 1);
  }
  if (a_num) return -1;
  if (b_num) return 1;
  return a == b ? 0 : (a < b ? -1 : 1);
}

std::vector<std::string> SplitDots(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

int ComparePrerelease(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  if (a.empty()) return 1;
  if (b.empty()) return -1;
  std::vector<std::string> pa = SplitDots(a);
  std::vector<std::string> pb = SplitDots(b);
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    if (i >= pa.size()) return -1;
    if (i >= pb.size()) return 1;
    int c = ComparePart(pa[i], pb[i]);
    if (c != 0) return c;
  }
  return 0;
}

int Compare(const Version& a, const Version& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  return ComparePrerelease(a.pre, b.pre);
}

struct Constraint {
  std::string op;
  Version con;
  bool minor_dirty = false;
  bool patch_dirty = false;
  bool dirty = false;
};

bool IsX(const std::string& text) { return text == "x" || text == "X" || text == "*"; }

Result<Constraint> ParseConstraint(const std::string& text) {
  Constraint c;
  if (text.empty()) {
    c.dirty = true;
    return c;
  }
  static const RE2 re("^\\s*(" + std::string(kOps) + ")\\s*(" + std::string(kCv) + ")\\s*$");
  std::string op, whole, major, minor, patch, pre_dash, pre, pre_tail, meta_plus, meta, meta_tail;
  if (!RE2::FullMatch(text, re, &op, &whole, &major, &minor, &patch, &pre_dash, &pre, &pre_tail,
                      &meta_plus, &meta, &meta_tail)) {
    return Status::Invalid("improper constraint: " + text);
  }
  c.op = op;
  std::string version = whole;
  auto strip = [](const std::string& s) { return s.empty() ? s : s.substr(1); };
  if (IsX(major) || major.empty()) {
    version = "0.0.0" + pre_dash;
    c.dirty = true;
  } else if (IsX(strip(minor)) || minor.empty()) {
    c.minor_dirty = c.dirty = true;
    version = major + ".0.0" + pre_dash;
  } else if (IsX(strip(patch)) || patch.empty()) {
    c.patch_dirty = c.dirty = true;
    version = major + minor + ".0" + pre_dash;
  }
  Result<Version> parsed = ParseVersion(version);
  if (!parsed.ok()) return Status::Invalid("constraint Parser Error");
  c.con = *parsed;
  return c;
}

bool Tilde(const Version& v, const Constraint& c) {
  if (!v.pre.empty() && c.con.pre.empty()) return false;
  if (Compare(v, c.con) < 0) return false;
  if (c.con.major == 0 && c.con.minor == 0 && c.con.patch == 0 && !c.minor_dirty &&
      !c.patch_dirty) {
    return true;
  }
  if (v.major != c.con.major) return false;
  if (v.minor != c.con.minor && !c.minor_dirty) return false;
  return true;
}

bool Check(const Version& v, const Constraint& c) {
  const std::string& op = c.op;
  bool pre_blocked = !v.pre.empty() && c.con.pre.empty();
  if (op.empty() || op == "=") {
    if (pre_blocked) return false;
    return c.dirty ? Tilde(v, c) : Compare(v, c.con) == 0;
  }
  if (pre_blocked) return false;
  if (op == "!=") {
    if (c.dirty) {
      if (c.con.major != v.major) return true;
      if (c.con.minor != v.minor && !c.minor_dirty) return true;
      if (c.minor_dirty) return false;
      if (c.con.patch != v.patch && !c.patch_dirty) return true;
      if (c.patch_dirty) {
        if (!v.pre.empty() || !c.con.pre.empty()) return ComparePrerelease(v.pre, c.con.pre) != 0;
        return false;
      }
    }
    return Compare(v, c.con) != 0;
  }
  if (op == ">") {
    if (!c.dirty) return Compare(v, c.con) > 0;
    if (v.major != c.con.major) return v.major > c.con.major;
    if (c.minor_dirty) return false;
    if (c.patch_dirty) return v.minor > c.con.minor;
    return Compare(v, c.con) > 0;
  }
  if (op == "<") return Compare(v, c.con) < 0;
  if (op == ">=" || op == "=>") return Compare(v, c.con) >= 0;
  if (op == "<=" || op == "=<") {
    if (!c.dirty) return Compare(v, c.con) <= 0;
    if (v.major > c.con.major) return false;
    if (v.major == c.con.major && v.minor > c.con.minor && !c.minor_dirty) return false;
    return true;
  }
  if (op == "~" || op == "~>") return Tilde(v, c);
  if (Compare(v, c.con) < 0) return false;
  if (c.con.major > 0 || c.minor_dirty) return v.major == c.con.major;
  if (c.con.major == 0 && v.major > 0) return false;
  if (c.con.minor > 0 || c.patch_dirty) return v.minor == c.con.minor;
  if (c.con.minor == 0 && v.minor > 0) return false;
  return c.con.patch == v.patch;
}

std::string RewriteRange(std::string text) {
  static const RE2 range("\\s*(" + std::string(kCv) + ")\\s+-\\s+(" + std::string(kCv) + ")\\s*");
  re2::StringPiece input(text);
  std::string out = text;
  re2::StringPiece groups[22];
  size_t pos = 0;
  while (pos <= text.size() && range.Match(text, pos, text.size(), RE2::UNANCHORED, groups, 22)) {
    std::string whole(groups[0].data(), groups[0].size());
    std::string replacement = ">= " + std::string(groups[1].data(), groups[1].size()) +
                              ", <= " + std::string(groups[11].data(), groups[11].size()) + " ";
    size_t at = out.find(whole);
    if (at != std::string::npos) out.replace(at, whole.size(), replacement);
    size_t end = static_cast<size_t>(groups[0].data() - text.data()) + groups[0].size();
    pos = end > pos ? end : pos + 1;
  }
  return out;
}

Result<std::vector<std::vector<Constraint>>> ParseConstraints(const std::string& text) {
  static const RE2 valid("^(\\s*(" + std::string(kOps) + ")\\s*(" + std::string(kCv) +
                         ")\\s*\\,?)+$");
  static const RE2 find("((" + std::string(kOps) + ")\\s*(" + std::string(kCv) + "))");
  std::string rewritten = RewriteRange(text);
  std::vector<std::vector<Constraint>> ors;
  size_t start = 0;
  while (true) {
    size_t bar = rewritten.find("||", start);
    std::string part =
        rewritten.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (!RE2::FullMatch(part, valid)) return Status::Invalid("improper constraint: " + part);
    std::vector<std::string> pieces;
    re2::StringPiece input(part);
    std::string piece;
    while (RE2::FindAndConsume(&input, find, &piece)) {
      if (piece.empty()) {
        if (input.empty()) break;
        input.remove_prefix(1);
        continue;
      }
      pieces.push_back(piece);
    }
    if (pieces.empty()) pieces.push_back(part);
    std::vector<Constraint> ands;
    for (const std::string& p : pieces) {
      Result<Constraint> c = ParseConstraint(p);
      if (!c.ok()) return c.status();
      ands.push_back(*c);
    }
    ors.push_back(std::move(ands));
    if (bar == std::string::npos) break;
    start = bar + 2;
  }
  return ors;
}

}  // namespace

Result<bool> SemverSatisfies(const std::string& constraint, const std::string& version) {
  Result<std::vector<std::vector<Constraint>>> constraints = ParseConstraints(constraint);
  if (!constraints.ok()) return constraints.status();
  Result<Version> parsed = ParseVersion(version);
  if (!parsed.ok()) return parsed.status();
  for (const std::vector<Constraint>& ands : *constraints) {
    bool all = true;
    for (const Constraint& c : ands) all = all && Check(*parsed, c);
    if (all) return true;
  }
  return false;
}

CONVERGE_FUNC(FnSemverCompare) {
  (void)call;
  Result<bool> satisfied = SemverSatisfies(args[0].string_value(), args[1].string_value());
  if (!satisfied.ok()) return satisfied.status();
  return Value::Bool(*satisfied);
}

// *semver.Version: prints normalised, and templates call its accessors and comparisons.
class SemverType : public Methods {
 public:
  std::string_view TypeName() const override { return "*semver.Version"; }
  bool Has(std::string_view method) const override {
    return method == "Major" || method == "Minor" || method == "Patch" || method == "Prerelease" ||
           method == "Metadata" || method == "Original" || method == "String" ||
           method == "Compare" || method == "LessThan" || method == "GreaterThan" ||
           method == "Equal";
  }
  Result<Value> Call(std::string_view method, const Value& self,
                     const std::vector<Value>& args) const override {
    const auto& fields = self.map();
    bool binary =
        method == "Compare" || method == "LessThan" || method == "GreaterThan" || method == "Equal";
    if (args.size() != (binary ? 1u : 0u)) return Status::Invalid("wrong number of args");
    if (!binary) {
      if (method == "String") return Value::String(*String(self));
      auto found = fields.find(std::string(method));
      return found->second;
    }
    if (args[0].methods() != self.methods()) {
      return Status::Invalid("wrong type for value; expected *semver.Version; got " +
                             args[0].TypeName());
    }
    Result<Version> a = ParseVersion(fields.at("Original").string_value());
    Result<Version> b = ParseVersion(args[0].map().at("Original").string_value());
    int order = Compare(*a, *b);
    if (method == "Compare") return Value::Int(order);
    if (method == "LessThan") return Value::Bool(order < 0);
    if (method == "GreaterThan") return Value::Bool(order > 0);
    return Value::Bool(order == 0);
  }
  std::optional<std::string> String(const Value& self) const override {
    const auto& fields = self.map();
    std::string text = std::to_string(fields.at("Major").int_value()) + "." +
                       std::to_string(fields.at("Minor").int_value()) + "." +
                       std::to_string(fields.at("Patch").int_value());
    if (!fields.at("Prerelease").string_value().empty()) {
      text += "-" + fields.at("Prerelease").string_value();
    }
    if (!fields.at("Metadata").string_value().empty()) {
      text += "+" + fields.at("Metadata").string_value();
    }
    return text;
  }
};

CONVERGE_FUNC(FnSemver) {
  (void)call;
  Result<Version> version = ParseVersion(args[0].string_value());
  if (!version.ok()) return version.status();
  static const std::shared_ptr<const Methods> kType = std::make_shared<SemverType>();
  Value object = Value::Map();
  auto& fields = object.mutable_map();
  fields["Major"] = Value::Int64(static_cast<int64_t>(version->major));
  fields["Minor"] = Value::Int64(static_cast<int64_t>(version->minor));
  fields["Patch"] = Value::Int64(static_cast<int64_t>(version->patch));
  fields["Prerelease"] = Value::String(version->pre);
  fields["Metadata"] = Value::String(version->metadata);
  fields["Original"] = args[0];
  object.set_methods(kType);
  return object;
}

}  // namespace converge::sources::helm::tmpl
