#pragma once
// sources/git/semver.h (internal): semantic versions and Masterminds-style constraints, the rules
// Flux's GitRepository `ref.semver` and Argo CD's targetRevision use to pick a tag.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace converge::sources::git {

struct Version {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers; build metadata dropped
};

// Parses a tag the way Masterminds' NewVersion does: an optional "v", one to three numbers
// ("1", "1.2", "1.2.3"), an optional "-prerelease" and "+build". nullopt when it is not one.
std::optional<Version> ParseVersion(std::string_view text);

// Semver precedence (build metadata ignored): negative, zero or positive.
int CompareVersions(const Version& a, const Version& b);

// A parsed constraint: alternatives separated by "||", each a conjunction of comparisons
// separated by "," or spaces. Operators: = != > < >= <= ~ ~> ^, wildcards x X * in any
// position or missing parts ("1.2" == "1.2.x"), hyphen ranges "1.2 - 1.4.5".
class Constraint {
 public:
  // kInvalid, naming the offending part, when `text` is not a constraint.
  static Result<Constraint> Parse(std::string_view text);

  // True when `version` satisfies one alternative. A pre-release version only satisfies an
  // alternative in which some comparison names a pre-release (">=1.0.0-0 <2.0.0").
  bool Matches(const Version& version) const;

  struct Comparison;

 private:
  std::vector<std::vector<Comparison>> alternatives_;
};

struct Constraint::Comparison {
  enum class Op { kEqual, kNotEqual, kGreater, kLess, kGreaterEqual, kLessEqual, kTilde, kCaret };
  Op op = Op::kEqual;
  Version version;   // wildcard parts are 0
  bool any = false;  // the major part is a wildcard: every version
  bool minor_wild = false;
  bool patch_wild = false;
};

}  // namespace converge::sources::git
