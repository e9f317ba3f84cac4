// Helm's own functions (pkg/engine/engine.go and funcs.go): include, tpl, lookup.

#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {

CONVERGE_FUNC(FnInclude) {
  Result<std::string> text = call.Include(args[0].string_value(), args[1]);
  if (!text.ok()) return text.status();
  return Value::String(std::move(*text));
}

CONVERGE_FUNC(FnTpl) {
  Result<std::string> text = call.Tpl(args[0].string_value(), args[1]);
  if (!text.ok()) return text.status();
  return Value::String(std::move(*text));
}

// Under `helm template` there is no cluster: lookup finds nothing.
CONVERGE_FUNC(FnLookup) {
  (void)call;
  (void)args;
  return Value::Map();
}

}  // namespace converge::sources::helm::tmpl

namespace converge::sources::helm::tmpl {

// Helm answers "" unless --enable-dns is given; Converge never resolves names while rendering.
CONVERGE_FUNC(FnGetHostByName) {
  (void)call;
  (void)args;
  return Value::String("");
}

// Functions Helm has that this engine does not implement yet (TOML, yaml.v3 output). Templates
// naming them parse; calling one is an error.
CONVERGE_FUNC(FnUnsupported) {
  (void)call;
  (void)args;
  return Status::Invalid("not supported by Converge's template engine");
}

}  // namespace converge::sources::helm::tmpl
