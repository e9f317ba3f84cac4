#pragma once
// sources/helm/template/template.h: Go's text/template language with Sprig v3.3.0's and Helm
// 4.1.4's functions, producing the bytes `helm template` produces. Template text and data in,
// text out: this library knows nothing of charts, values files or manifests.
//
// Behaviour follows Go 1.25's text/template as Helm configures it (missingkey=zero): parse and
// execution errors carry Go's messages ("template: NAME:LINE:COL: executing ..."), values keep
// Go's dynamic types (see value.h), and functions are looked up in one sorted table whose rows
// say whether a function's output depends on the seed (random values, keys, the clock).
//
// Thread-compatible: a TemplateSet may be executed from several threads at once once all files
// are added; each Execute call has its own state, and they share only a locked memo of results
// that depend on nothing but their input text (decoded YAML, compiled expressions).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sources/helm/template/value.h"

namespace converge::sources::helm::tmpl {

struct Tree;
class Memo;

struct Options {
  // Seeds the random functions (randAlphaNum, uuidv4, shuffle, …) so tests are deterministic:
  // the same seed and inputs give the same output. Unset (the default) they draw from the
  // system's random source as Helm's do, so charts that generate passwords never generate
  // the same ones for every user. Keys, certificates, bcrypt salts and AES IVs always use
  // the system's source, and `now` the clock.
  std::optional<uint64_t> seed;
  // Helm stops `include` after this many nested calls of one name.
  int max_include_depth = 1000;
};

class TemplateSet {
 public:
  explicit TemplateSet(Options options = {});
  ~TemplateSet();
  TemplateSet(TemplateSet&&) noexcept;
  TemplateSet& operator=(TemplateSet&&) noexcept;

  // Parses one file as the template `name`. Its {{define}}s join the set; a later non-empty
  // definition replaces an earlier one, as Helm's parse order relies on. Errors read
  // "template: NAME:LINE: message".
  Status AddFile(std::string_view name, std::string_view text);

  bool Has(std::string_view name) const;

  // Executes the template `name` with `data` as dot and $. The output is exactly what Go
  // writes: Helm's removal of "<no value>" is the caller's step (see StripNoValue).
  Result<std::string> Execute(std::string_view name, const Value& data) const;

  const Options& options() const { return options_; }
  const std::map<std::string, std::shared_ptr<const Tree>, std::less<>>& templates() const {
    return templates_;
  }

 private:
  Options options_;
  std::map<std::string, std::shared_ptr<const Tree>, std::less<>> templates_;
  // What the functions of every Execute call may reuse (decoded YAML, compiled expressions).
  std::unique_ptr<Memo> memo_;
};

// Parses `text` alone, as a check (every chart template must parse).
Status ParseOnly(std::string_view name, std::string_view text);

// Helm deletes every "<no value>" from rendered text, the author's own included.
std::string StripNoValue(std::string text);

// Whether `version` satisfies `constraint` by Masterminds/semver v3's rules, as semverCompare
// decides; an unparsable constraint or version is an error.
Result<bool> SemverSatisfies(const std::string& constraint, const std::string& version);

// fmt.Sprint(value): how Go prints a value with %v.
std::string FormatValue(const Value& value);
// fmt.Sprintf with Go's verbs, flags and error forms ("%!t(int64=1)").
std::string Sprintf(std::string_view format, std::span<const Value> args);

// True for every name a template may call: Go's builtins, Sprig's and Helm's functions.
bool HasFunction(std::string_view name);
// Every function name a template may call, sorted.
std::vector<std::string_view> FunctionNames();

}  // namespace converge::sources::helm::tmpl
