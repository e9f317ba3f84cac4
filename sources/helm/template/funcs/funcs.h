#pragma once
// sources/helm/template/funcs/funcs.h (internal): the function table and what a function may
// ask of the running template (include, tpl, the seeded random source).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sources/helm/template/value.h"

namespace converge::sources::helm::tmpl {

// Results that depend on nothing but a string, kept while a TemplateSet lives: charts decode
// the same YAML text and compile the same expressions in template after template.
// Thread-safe; what it returns is immutable.
class Memo {
 public:
  // The result of `compute()` for `key` in `table` (a string literal naming what is computed),
  // computed on the first request.
  template <typename T, typename Compute>
  std::shared_ptr<const T> Get(std::string_view table, const std::string& key, Compute&& compute) {
    {
      std::lock_guard lock(mutex_);
      auto& entries = tables_[table];
      if (auto found = entries.find(key); found != entries.end()) {
        return std::static_pointer_cast<const T>(found->second);
      }
    }
    auto result = std::make_shared<const T>(compute());
    std::lock_guard lock(mutex_);
    tables_[table].emplace(key, result);
    return result;
  }

 private:
  std::mutex mutex_;
  // guarded by mutex_
  std::map<std::string_view, std::map<std::string, std::shared_ptr<const void>, std::less<>>>
      tables_;
};

// The services of the executing template that Helm's functions need.
class Call {
 public:
  virtual ~Call() = default;
  virtual Result<std::string> Include(const std::string& name, const Value& data) = 0;
  virtual Result<std::string> Tpl(const std::string& text, const Value& data) = 0;
  virtual std::mt19937_64& Random() = 0;
  virtual Memo& memo() = 0;
};

// A function gets its arguments converted to its declared parameter types and returns a value
// or an error message (the evaluator adds "error calling NAME: ").
using FuncImpl = Result<Value> (*)(Call& call, std::vector<Value>& args);

struct FuncDef {
  std::string_view name;
  // One letter per parameter, Go's parameter types:
  //   a interface{}  r reflect.Value (builtins)  s string  i int  I int64  u uint32
  //   f float64  b bool  m map[string]interface{}  l []interface{}  c sprig's certificate
  //   t time.Time
  // A trailing '*' makes the last one variadic.
  std::string_view params;
  FuncImpl impl;
  // Output depends on Options::seed or the clock.
  bool seeded = false;
};

// Sorted by name.
std::span<const FuncDef> FunctionTable();
const FuncDef* FindFunction(std::string_view name);

// Helpers shared by the families.
Status WrongType(std::string_view expected, const Value& got);
// Sprig's strval: strings and []byte as text, everything else through fmt's %v.
std::string StrVal(const Value& value);
// cast.ToInt64/ToFloat64-like conversions as sprig's toInt64 / toFloat64 do them.
int64_t ToInt64(const Value& value);
double ToFloat64(const Value& value);
// A []byte's elements; Go's uint8 is not modelled, so they are ints (they print alike).
std::vector<Value> ByteList(const Value& bytes);
// The list (a []byte's bytes) or nil; a non-list gives an error message naming `function`.
Result<std::vector<Value>> AsList(const Value& value, std::string_view function);
// base64.StdEncoding.DecodeString with Go's error ("illegal base64 data at input byte N").
Result<std::string> GoBase64Decode(const std::string& text);
// unicode.IsSpace, and ToUpper/ToLower for the scripts Sprig's case functions meet (ASCII,
// Latin-1, Greek, Cyrillic); other runes map to themselves.
bool IsUnicodeSpace(char32_t r);
char32_t UpperRune(char32_t r);
char32_t LowerRune(char32_t r);

#define CONVERGE_FUNC(name) Result<Value> name(Call& call, std::vector<Value>& args)

// builtins.cc
CONVERGE_FUNC(FnAnd);
CONVERGE_FUNC(FnOr);
CONVERGE_FUNC(FnNot);
CONVERGE_FUNC(FnLen);
CONVERGE_FUNC(FnIndex);
CONVERGE_FUNC(FnPrint);
CONVERGE_FUNC(FnPrintf);
CONVERGE_FUNC(FnPrintln);
CONVERGE_FUNC(FnHtml);
CONVERGE_FUNC(FnJs);
CONVERGE_FUNC(FnUrlquery);
CONVERGE_FUNC(FnEq);
CONVERGE_FUNC(FnNe);
CONVERGE_FUNC(FnLt);
CONVERGE_FUNC(FnLe);
CONVERGE_FUNC(FnGt);
CONVERGE_FUNC(FnGe);
CONVERGE_FUNC(FnCall);

}  // namespace converge::sources::helm::tmpl
