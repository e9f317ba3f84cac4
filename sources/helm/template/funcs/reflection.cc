// Sprig's reflection functions (reflect.go) and deepEqual.

#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {

bool ValuesDeepEqual(const Value& a, const Value& b);

namespace {

std::string KindOfValue(const Value& value) {
  return value.IsNil() ? "invalid" : std::string(value.KindName());
}

std::string TypeOfValue(const Value& value) { return value.TypeName(); }

}  // namespace

CONVERGE_FUNC(FnTypeOf) {
  (void)call;
  return Value::String(TypeOfValue(args[0]));
}

CONVERGE_FUNC(FnTypeIs) {
  (void)call;
  return Value::Bool(args[0].string_value() == TypeOfValue(args[1]));
}

CONVERGE_FUNC(FnTypeIsLike) {
  (void)call;
  std::string type = TypeOfValue(args[1]);
  const std::string& target = args[0].string_value();
  return Value::Bool(target == type || "*" + target == type);
}

CONVERGE_FUNC(FnKindOf) {
  (void)call;
  return Value::String(KindOfValue(args[0]));
}

CONVERGE_FUNC(FnKindIs) {
  (void)call;
  return Value::Bool(args[0].string_value() == KindOfValue(args[1]));
}

CONVERGE_FUNC(FnDeepEqual) {
  (void)call;
  return Value::Bool(ValuesDeepEqual(args[0], args[1]));
}

}  // namespace converge::sources::helm::tmpl
