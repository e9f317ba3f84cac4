// Sprig's dict functions (dict.go) and the mergo merge they use.

#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

MapData::Entries& M(const Value& value) { return value.mutable_map(); }

bool IsEmptyValue(const Value& value) { return !value.Truth(); }

// mergo.Merge(&dst, src) with or without WithOverride, over map[string]interface{} trees.
void MergeInto(const Value& dst, const Value& src, bool overwrite) {
  for (const auto& [key, source] : src.map()) {
    auto found = M(dst).find(key);
    bool present = found != M(dst).end();
    if (source.IsNil()) {
      if (overwrite) M(dst)[key] = source;
      continue;
    }
    if (source.kind() == Value::Kind::kMap && present &&
        found->second.kind() == Value::Kind::kMap) {
      MergeInto(found->second, source, overwrite);
    }
    if (present && !IsEmptyValue(found->second)) {
      if (source.kind() == Value::Kind::kList && !overwrite) continue;
      if (source.kind() == Value::Kind::kMap && found->second.kind() == Value::Kind::kMap) {
        continue;
      }
    }
    if (overwrite || !present || IsEmptyValue(found->second)) M(dst)[key] = source;
  }
}

}  // namespace

CONVERGE_FUNC(FnDict) {
  (void)call;
  Value dict = Value::Map();
  for (size_t i = 0; i < args.size(); i += 2) {
    std::string key = StrVal(args[i]);
    M(dict)[key] = i + 1 < args.size() ? args[i + 1] : Value::String("");
  }
  return dict;
}

CONVERGE_FUNC(FnGet) {
  (void)call;
  auto found = args[0].map().find(args[1].string_value());
  if (found == args[0].map().end()) return Value::String("");
  return found->second;
}

CONVERGE_FUNC(FnSet) {
  (void)call;
  M(args[0])[args[1].string_value()] = args[2];
  return args[0];
}

CONVERGE_FUNC(FnUnset) {
  (void)call;
  M(args[0]).erase(args[1].string_value());
  return args[0];
}

CONVERGE_FUNC(FnHasKey) {
  (void)call;
  return Value::Bool(args[0].map().contains(args[1].string_value()));
}

CONVERGE_FUNC(FnPluck) {
  (void)call;
  std::vector<Value> out;
  for (size_t i = 1; i < args.size(); ++i) {
    auto found = args[i].map().find(args[0].string_value());
    if (found != args[i].map().end()) out.push_back(found->second);
  }
  return Value::List(std::move(out));
}

CONVERGE_FUNC(FnKeys) {
  (void)call;
  std::vector<std::string> keys;
  for (const Value& dict : args) {
    for (const auto& [key, item] : dict.map()) keys.push_back(key);
  }
  return Value::StringList(keys);
}

CONVERGE_FUNC(FnValues) {
  (void)call;
  std::vector<Value> out;
  for (const auto& [key, item] : args[0].map()) out.push_back(item);
  return Value::List(std::move(out));
}

CONVERGE_FUNC(FnPick) {
  (void)call;
  Value out = Value::Map();
  for (size_t i = 1; i < args.size(); ++i) {
    auto found = args[0].map().find(args[i].string_value());
    if (found != args[0].map().end()) M(out)[found->first] = found->second;
  }
  return out;
}

CONVERGE_FUNC(FnOmit) {
  (void)call;
  Value out = Value::Map();
  for (const auto& [key, item] : args[0].map()) {
    bool omitted = false;
    for (size_t i = 1; i < args.size(); ++i) omitted = omitted || args[i].string_value() == key;
    if (!omitted) M(out)[key] = item;
  }
  return out;
}

CONVERGE_FUNC(FnMerge) {
  (void)call;
  for (size_t i = 1; i < args.size(); ++i) MergeInto(args[0], args[i], false);
  return args[0];
}

CONVERGE_FUNC(FnMergeOverwrite) {
  (void)call;
  for (size_t i = 1; i < args.size(); ++i) MergeInto(args[0], args[i], true);
  return args[0];
}

CONVERGE_FUNC(FnDig) {
  (void)call;
  if (args.size() < 3) {
    return Status::Invalid("dig needs at least three arguments");
  }
  const Value& dict = args.back();
  if (dict.kind() != Value::Kind::kMap || dict.elem() != ElemType::kAny) {
    return Status::Invalid("interface conversion: interface {} is " +
                           (dict.IsNil() ? std::string("nil") : dict.TypeName()) +
                           ", not map[string]interface {}");
  }
  Value current = dict;
  for (size_t i = 0; i + 2 < args.size(); ++i) {
    if (args[i].kind() != Value::Kind::kString) {
      return Status::Invalid("interface conversion: interface {} is " + args[i].TypeName() +
                             ", not string");
    }
    auto found = current.map().find(args[i].string_value());
    if (found == current.map().end()) return args[args.size() - 2];
    if (i + 3 == args.size()) return found->second;
    if (found->second.kind() != Value::Kind::kMap || found->second.elem() != ElemType::kAny) {
      return Status::Invalid(
          "interface conversion: interface {} is " +
          (found->second.IsNil() ? std::string("nil") : found->second.TypeName()) +
          ", not map[string]interface {}");
    }
    current = found->second;
  }
  return args[args.size() - 2];
}

}  // namespace converge::sources::helm::tmpl
