#pragma once
// operator/cli/flags.h: the command-line flag parser of the converge binary. GNU style:
// --name=value, --name value, -x value, -xvalue; boolean flags take no value (or =true/false);
// list flags repeat; "--" ends the flags.

#include <chrono>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace converge::cli {

enum class FlagType { kBool, kString, kList };

struct FlagSpec {
  std::string name;     // long name, without "--"
  char short_name = 0;  // 0 when there is none
  FlagType type = FlagType::kString;
  std::string value_name;  // shown in help, e.g. "GLOB"
  std::string help;
  std::string default_value;  // for kString
};

class ParsedFlags {
 public:
  bool Bool(std::string_view name) const;
  // The value given, or the spec's default.
  std::string String(std::string_view name) const;
  std::vector<std::string> List(std::string_view name) const;
  bool Has(std::string_view name) const { return values_.count(std::string(name)) != 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend Result<ParsedFlags> ParseFlags(const std::vector<FlagSpec>&, std::span<const std::string>);
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::map<std::string, std::string, std::less<>> defaults_;
  std::vector<std::string> positional_;
};

// Fails with kInvalid on an unknown flag, a missing value or a malformed boolean.
Result<ParsedFlags> ParseFlags(const std::vector<FlagSpec>& specs,
                               std::span<const std::string> args);

// A flag's value as a Go duration ("90s", "2m30s"); kInvalid naming the flag when it is
// malformed or negative.
Result<std::chrono::milliseconds> DurationFlag(const ParsedFlags& flags, std::string_view name);

// Two-column help text for the flags.
std::string FlagHelp(const std::vector<FlagSpec>& specs);

}  // namespace converge::cli
