// Sprig's defaults and flow functions (defaults.go) and Helm's required/fail.

#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {

CONVERGE_FUNC(FnDefault) {
  (void)call;
  if (args.size() < 2 || !args[1].Truth()) return args[0];
  return args[1];
}

CONVERGE_FUNC(FnEmpty) {
  (void)call;
  return Value::Bool(!args[0].Truth());
}

CONVERGE_FUNC(FnCoalesce) {
  (void)call;
  for (const Value& arg : args) {
    if (arg.Truth()) return arg;
  }
  return Value();
}

CONVERGE_FUNC(FnAll) {
  (void)call;
  for (const Value& arg : args) {
    if (!arg.Truth()) return Value::Bool(false);
  }
  return Value::Bool(true);
}

CONVERGE_FUNC(FnAny) {
  (void)call;
  for (const Value& arg : args) {
    if (arg.Truth()) return Value::Bool(true);
  }
  return Value::Bool(false);
}

CONVERGE_FUNC(FnTernary) {
  (void)call;
  return args[2].bool_value() ? args[0] : args[1];
}

CONVERGE_FUNC(FnDeepCopy) {
  (void)call;
  if (args[0].IsNil()) return Status::Invalid("reflect: call of reflect.Value.Type on zero Value");
  return args[0].DeepCopy();
}

CONVERGE_FUNC(FnFail) {
  (void)call;
  return Status::Invalid(args[0].string_value());
}

CONVERGE_FUNC(FnRequired) {
  (void)call;
  const Value& value = args[1];
  if (value.IsNil() || (value.kind() == Value::Kind::kString && value.string_value().empty())) {
    return Status::Invalid(args[0].string_value());
  }
  return value;
}

}  // namespace converge::sources::helm::tmpl
