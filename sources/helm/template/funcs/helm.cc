// Helm's own functions (pkg/engine/engine.go and funcs.go): include, tpl, lookup, and the
// offline answer of getHostByName.

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

// Helm answers "" unless --enable-dns is given; Converge never resolves names while rendering.
CONVERGE_FUNC(FnGetHostByName) {
  (void)call;
  (void)args;
  return Value::String("");
}

}  // namespace converge::sources::helm::tmpl
