// Go's text/template builtins (funcs.go), with their exact error texts.

#include <cmath>
#include <utility>

#include "sources/helm/template/fmt.h"
#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

enum class BasicKind { kInvalid, kBool, kInt, kFloat, kString };

BasicKind KindOf(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kBool:
      return BasicKind::kBool;
    // Go compares signed and unsigned integers by value.
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
    case Value::Kind::kUint8:
      return BasicKind::kInt;
    case Value::Kind::kFloat64:
      return BasicKind::kFloat;
    case Value::Kind::kString:
      return BasicKind::kString;
    default:
      return BasicKind::kInvalid;
  }
}

Status Incompatible(const Value& a, const Value& b) {
  return Status::Invalid("incompatible types for comparison: " + a.TypeName() + " and " +
                         b.TypeName());
}

Result<bool> Equal(const Value& a, std::span<const Value> others) {
  if (others.empty()) return Status::Invalid("missing argument for comparison");
  BasicKind k1 = KindOf(a);
  for (const Value& b : others) {
    BasicKind k2 = KindOf(b);
    bool truth = false;
    if (k1 != k2) {
      if (!a.IsNil() && !b.IsNil()) return Incompatible(a, b);
    } else {
      switch (k1) {
        case BasicKind::kBool:
          truth = a.bool_value() == b.bool_value();
          break;
        case BasicKind::kFloat:
          truth = a.float_value() == b.float_value();
          break;
        case BasicKind::kInt:
          truth = a.int_value() == b.int_value();
          break;
        case BasicKind::kString:
          truth = a.string_value() == b.string_value();
          break;
        case BasicKind::kInvalid:
          if (a.IsNil() || b.IsNil()) {
            truth = a.IsNil() == b.IsNil();
          } else if (a.TypeName() != b.TypeName()) {
            return Status::Invalid("non-comparable types " + FormatValue(a) + ": " + a.TypeName() +
                                   ", " + b.TypeName() + ": " + FormatValue(b));
          } else {
            Value operand[] = {b};
            return Status::Invalid("non-comparable type " + Sprintf("%s", operand) + ": " +
                                   b.TypeName());
          }
          break;
      }
    }
    if (truth) return true;
  }
  return false;
}

Result<bool> Less(const Value& a, const Value& b) {
  BasicKind k1 = KindOf(a);
  BasicKind k2 = KindOf(b);
  if (k1 == BasicKind::kInvalid || k2 == BasicKind::kInvalid) {
    return Status::Invalid("invalid type for comparison");
  }
  if (k1 != k2) return Incompatible(a, b);
  switch (k1) {
    case BasicKind::kFloat:
      return a.float_value() < b.float_value();
    case BasicKind::kInt:
      return a.int_value() < b.int_value();
    case BasicKind::kString:
      return a.string_value() < b.string_value();
    default:
      return Status::Invalid("invalid type for comparison");
  }
}

// text/template's evalArgs: one string argument as it is, anything else through Sprint.
std::string ArgsText(const std::vector<Value>& args) {
  if (args.size() == 1 && args[0].kind() == Value::Kind::kString) return args[0].string_value();
  std::vector<Value> printable = args;
  for (Value& arg : printable) {
    if (arg.IsNil()) arg = Value::String("<no value>");
  }
  return Sprint(printable);
}

}  // namespace

// and/or short-circuit, so the evaluator walks their arguments itself; it calls neither
// function, whose rows only give the names and parameter types.
CONVERGE_FUNC(FnAnd) {
  (void)call;
  return args.back();
}

CONVERGE_FUNC(FnOr) {
  (void)call;
  return args.back();
}

CONVERGE_FUNC(FnNot) {
  (void)call;
  return Value::Bool(!args[0].Truth());
}

CONVERGE_FUNC(FnLen) {
  (void)call;
  const Value& item = args[0];
  switch (item.kind()) {
    case Value::Kind::kNil:
      return Status::Invalid("len of nil pointer");
    case Value::Kind::kString:
    case Value::Kind::kBytes:
      return Value::Int(static_cast<int64_t>(item.string_value().size()));
    case Value::Kind::kList:
      return Value::Int(static_cast<int64_t>(item.list().size()));
    case Value::Kind::kMap:
      return Value::Int(static_cast<int64_t>(item.map().size()));
    default:
      return Status::Invalid("len of type " + item.TypeName());
  }
}

CONVERGE_FUNC(FnIndex) {
  (void)call;
  Value item = args[0];
  if (item.IsNil()) return Status::Invalid("index of untyped nil");
  for (size_t i = 1; i < args.size(); ++i) {
    const Value& index = args[i];
    if (item.IsNil()) return Status::Invalid("index of nil pointer");
    if (item.kind() == Value::Kind::kBytes) item = Value::List(ByteList(item), ElemType::kInt);
    if (item.kind() == Value::Kind::kList || item.kind() == Value::Kind::kString) {
      if (index.IsNil()) return Status::Invalid("cannot index slice/array with nil");
      if (!index.IsInteger() && index.kind() != Value::Kind::kUint8) {
        return Status::Invalid("cannot index slice/array with type " + index.TypeName());
      }
      int64_t x = index.int_value();
      int64_t size = item.kind() == Value::Kind::kList
                         ? static_cast<int64_t>(item.list().size())
                         : static_cast<int64_t>(item.string_value().size());
      if (x < 0 || x > size) return Status::Invalid("index out of range: " + std::to_string(x));
      if (x == size) {
        return Status::Invalid(item.kind() == Value::Kind::kList
                                   ? "reflect: slice index out of range"
                                   : "reflect: string index out of range");
      }
      if (item.kind() == Value::Kind::kString) {
        item = Value::Uint8(static_cast<uint8_t>(item.string_value()[static_cast<size_t>(x)]));
      } else {
        bool boxed = item.HoldsInterfaces();
        // A copy first: `item` may hold the only reference to its list (a []byte's numbers).
        Value element = item.list()[static_cast<size_t>(x)];
        item = std::move(element);
        item.set_boxed(boxed);
      }
      continue;
    }
    if (item.kind() == Value::Kind::kMap) {
      if (index.IsNil()) return Status::Invalid("value is nil; should be of type string");
      if (index.kind() != Value::Kind::kString) {
        return Status::Invalid("value has type " + index.TypeName() + "; should be string");
      }
      auto found = item.map().find(index.string_value());
      bool boxed = item.HoldsInterfaces();
      if (found == item.map().end()) {
        item = item.elem() == ElemType::kString ? Value::String("") : Value();
      } else {
        item = found->second;
      }
      item.set_boxed(boxed);
      continue;
    }
    return Status::Invalid("can't index item of type " + item.TypeName());
  }
  return item;
}

CONVERGE_FUNC(FnPrint) {
  (void)call;
  return Value::String(Sprint(args));
}

CONVERGE_FUNC(FnPrintf) {
  (void)call;
  std::string format = args[0].string_value();
  return Value::String(Sprintf(format, std::span<const Value>(args).subspan(1)));
}

CONVERGE_FUNC(FnPrintln) {
  (void)call;
  return Value::String(Sprintln(args));
}

CONVERGE_FUNC(FnHtml) {
  (void)call;
  std::string out;
  for (char c : ArgsText(args)) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      default:
        out += c;
    }
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnJs) {
  (void)call;
  std::string text = ArgsText(args);
  std::string out;
  std::u32string runes = DecodeUtf8Runes(text);
  for (char32_t r : runes) {
    switch (r) {
      case '\\':
        out += "\\\\";
        continue;
      case '\'':
        out += "\\'";
        continue;
      case '"':
        out += "\\\"";
        continue;
      case '<':
        out += "\\u003C";
        continue;
      case '>':
        out += "\\u003E";
        continue;
      case '&':
        out += "\\u0026";
        continue;
      case '=':
        out += "\\u003D";
        continue;
      default:
        break;
    }
    if (r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04X", static_cast<unsigned>(r));
      out += buffer;
    } else {
      AppendUtf8(out, r);
    }
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnUrlquery) {
  (void)call;
  std::string out;
  for (unsigned char c : ArgsText(args)) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof(buffer), "%%%02X", c);
      out += buffer;
    }
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnEq) {
  (void)call;
  Result<bool> truth = Equal(args[0], std::span<const Value>(args).subspan(1));
  if (!truth.ok()) return truth.status();
  return Value::Bool(*truth);
}

CONVERGE_FUNC(FnNe) {
  (void)call;
  Result<bool> truth = Equal(args[0], std::span<const Value>(args).subspan(1, 1));
  if (!truth.ok()) return truth.status();
  return Value::Bool(!*truth);
}

CONVERGE_FUNC(FnLt) {
  (void)call;
  Result<bool> truth = Less(args[0], args[1]);
  if (!truth.ok()) return truth.status();
  return Value::Bool(*truth);
}

CONVERGE_FUNC(FnLe) {
  (void)call;
  Result<bool> less = Less(args[0], args[1]);
  if (!less.ok()) return less.status();
  if (*less) return Value::Bool(true);
  Result<bool> equal = Equal(args[0], std::span<const Value>(args).subspan(1, 1));
  if (!equal.ok()) return equal.status();
  return Value::Bool(*equal);
}

CONVERGE_FUNC(FnGt) {
  Result<Value> le = FnLe(call, args);
  if (!le.ok()) return le.status();
  return Value::Bool(!le->bool_value());
}

CONVERGE_FUNC(FnGe) {
  (void)call;
  Result<bool> less = Less(args[0], args[1]);
  if (!less.ok()) return less.status();
  return Value::Bool(!*less);
}

CONVERGE_FUNC(FnCall) {
  (void)call;
  if (args[0].IsNil()) return Status::Invalid("call of nil");
  return Status::Invalid("non-function " + FormatValue(args[0]) + " of type " + args[0].TypeName());
}

}  // namespace converge::sources::helm::tmpl
