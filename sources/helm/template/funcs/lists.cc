// Sprig's list functions (list.go). The must* forms return the error the plain forms raise as
// a panic; text/template reports both as "error calling NAME: …".

#include <algorithm>

#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

bool DeepEqual(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNil:
      return true;
    case Value::Kind::kBool:
      return a.bool_value() == b.bool_value();
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
    case Value::Kind::kUint8:
      return a.int_value() == b.int_value();
    case Value::Kind::kFloat64:
      return a.float_value() == b.float_value();
    case Value::Kind::kString:
    case Value::Kind::kBytes:
      return a.string_value() == b.string_value();
    case Value::Kind::kList:
      if (a.elem() != b.elem() || a.list().size() != b.list().size()) return false;
      for (size_t i = 0; i < a.list().size(); ++i) {
        if (!DeepEqual(a.list()[i], b.list()[i])) return false;
      }
      return true;
    case Value::Kind::kMap: {
      if (a.elem() != b.elem() || a.map().size() != b.map().size()) return false;
      for (const auto& [key, item] : a.map()) {
        auto found = b.map().find(key);
        if (found == b.map().end() || !DeepEqual(item, found->second)) return false;
      }
      return true;
    }
  }
  return false;
}

bool InList(const std::vector<Value>& list, const Value& needle) {
  for (const Value& item : list) {
    if (DeepEqual(item, needle)) return true;
  }
  return false;
}

}  // namespace

bool ValuesDeepEqual(const Value& a, const Value& b) { return DeepEqual(a, b); }

CONVERGE_FUNC(FnList) {
  (void)call;
  return Value::List(args);
}

CONVERGE_FUNC(FnAppend) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "push");
  if (!list.ok()) return list.status();
  list->push_back(args[1]);
  return Value::List(std::move(*list));
}

CONVERGE_FUNC(FnPrepend) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "prepend");
  if (!list.ok()) return list.status();
  list->insert(list->begin(), args[1]);
  return Value::List(std::move(*list));
}

CONVERGE_FUNC(FnFirst) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "find first");
  if (!list.ok()) return list.status();
  return list->empty() ? Value() : list->front();
}

CONVERGE_FUNC(FnLast) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "find last");
  if (!list.ok()) return list.status();
  return list->empty() ? Value() : list->back();
}

CONVERGE_FUNC(FnRest) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "find rest");
  if (!list.ok()) return list.status();
  if (list->empty()) return Value::List();
  list->erase(list->begin());
  return Value::List(std::move(*list));
}

CONVERGE_FUNC(FnInitial) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "find initial");
  if (!list.ok()) return list.status();
  if (list->empty()) return Value::List();
  list->pop_back();
  return Value::List(std::move(*list));
}

CONVERGE_FUNC(FnReverse) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "find reverse");
  if (!list.ok()) return list.status();
  std::reverse(list->begin(), list->end());
  return Value::List(std::move(*list));
}

CONVERGE_FUNC(FnUniq) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "find uniq");
  if (!list.ok()) return list.status();
  std::vector<Value> out;
  for (const Value& item : *list) {
    if (!InList(out, item)) out.push_back(item);
  }
  return Value::List(std::move(out));
}

CONVERGE_FUNC(FnWithout) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "find without");
  if (!list.ok()) return list.status();
  std::vector<Value> omit(args.begin() + 1, args.end());
  std::vector<Value> out;
  for (const Value& item : *list) {
    if (!InList(omit, item)) out.push_back(item);
  }
  return Value::List(std::move(out));
}

CONVERGE_FUNC(FnHas) {
  (void)call;
  if (args[1].IsNil()) return Value::Bool(false);
  Result<std::vector<Value>> list = AsList(args[1], "find has");
  if (!list.ok()) return list.status();
  return Value::Bool(InList(*list, args[0]));
}

CONVERGE_FUNC(FnCompact) {
  (void)call;
  Result<std::vector<Value>> list = AsList(args[0], "compact");
  if (!list.ok()) return list.status();
  std::vector<Value> out;
  for (const Value& item : *list) {
    if (item.Truth()) out.push_back(item);
  }
  return Value::List(std::move(out));
}

CONVERGE_FUNC(FnSlice) {
  (void)call;
  const Value& list = args[0];
  bool bytes = list.kind() == Value::Kind::kBytes;
  if (list.kind() != Value::Kind::kList && !bytes) {
    if (list.IsNil()) {
      return Status::Invalid("runtime error: invalid memory address or nil pointer dereference");
    }
    return Status::Invalid("list should be type of slice or array but " +
                           std::string(list.KindName()));
  }
  auto size = static_cast<int64_t>(bytes ? list.bytes_value().size() : list.list().size());
  if (size == 0) return Value();
  int64_t start = args.size() > 1 ? ToInt64(args[1]) : 0;
  int64_t end = args.size() > 2 ? ToInt64(args[2]) : size;
  if (start < 0 || end < start || end > size) {
    return Status::Invalid("reflect.Value.Slice: slice index out of bounds");
  }
  // reflect slices a []byte into a []byte.
  if (bytes) {
    return Value::Bytes(
        list.bytes_value().substr(static_cast<size_t>(start), static_cast<size_t>(end - start)));
  }
  std::vector<Value> out(list.list().begin() + start, list.list().begin() + end);
  return Value::List(std::move(out), list.elem());
}

CONVERGE_FUNC(FnConcat) {
  (void)call;
  std::vector<Value> out;
  for (const Value& arg : args) {
    if (arg.kind() != Value::Kind::kList) {
      return Status::Invalid("Cannot concat type " +
                             std::string(arg.IsNil() ? "<nil>" : arg.KindName()) + " as list");
    }
    out.insert(out.end(), arg.list().begin(), arg.list().end());
  }
  return Value::List(std::move(out));
}

CONVERGE_FUNC(FnChunk) {
  (void)call;
  int64_t size = args[0].int_value();
  Result<std::vector<Value>> list = AsList(args[1], "chunk");
  if (!list.ok()) {
    return Status::Invalid("Cannot chunk type " + std::string(args[1].KindName()));
  }
  std::vector<Value> out;
  if (size <= 0) return Status::Invalid("runtime error: makeslice: len out of range");
  for (size_t i = 0; i < list->size(); i += static_cast<size_t>(size)) {
    size_t end = std::min(list->size(), i + static_cast<size_t>(size));
    out.push_back(Value::List(std::vector<Value>(list->begin() + static_cast<ptrdiff_t>(i),
                                                 list->begin() + static_cast<ptrdiff_t>(end))));
  }
  return Value::List(std::move(out), ElemType::kList);
}

CONVERGE_FUNC(FnUntilStep) {
  (void)call;
  int64_t start = args[0].int_value();
  int64_t stop = args[1].int_value();
  int64_t step = args[2].int_value();
  std::vector<Value> out;
  if (stop < start) {
    if (step < 0) {
      for (int64_t i = start; i > stop; i += step) out.push_back(Value::Int(i));
    }
  } else if (step > 0) {
    for (int64_t i = start; i < stop; i += step) out.push_back(Value::Int(i));
  }
  return Value::List(std::move(out), ElemType::kInt);
}

CONVERGE_FUNC(FnUntil) {
  int64_t count = args[0].int_value();
  std::vector<Value> step_args = {Value::Int(0), Value::Int(count), Value::Int(count < 0 ? -1 : 1)};
  return FnUntilStep(call, step_args);
}

CONVERGE_FUNC(FnSeq) {
  (void)call;
  int64_t start = 1;
  int64_t end = 0;
  int64_t step = 1;
  switch (args.size()) {
    case 0:
      return Value::String("");
    case 1:
      end = args[0].int_value();
      break;
    case 2:
      start = args[0].int_value();
      end = args[1].int_value();
      break;
    case 3:
      start = args[0].int_value();
      step = args[1].int_value();
      end = args[2].int_value();
      break;
    default:
      return Value::String("");
  }
  if (args.size() < 3) step = end < start ? -1 : 1;
  if (args.size() < 3 && end < start && args.size() == 1) step = -1;
  std::string out;
  auto add = [&](int64_t v) {
    if (!out.empty()) out += ' ';
    out += std::to_string(v);
  };
  if (step == 0) return Value::String("");
  if (end >= start && step > 0) {
    for (int64_t i = start; i <= end; i += step) add(i);
  } else if (end < start && step < 0) {
    for (int64_t i = start; i >= end; i += step) add(i);
  }
  return Value::String(out);
}

}  // namespace converge::sources::helm::tmpl
