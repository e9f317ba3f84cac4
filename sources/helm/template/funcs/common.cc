// Conversions every family shares: sprig's strval, cast's number conversions, list checks.

#include <cmath>

#include "sources/helm/template/fmt.h"
#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {

Status WrongType(std::string_view expected, const Value& got) {
  return Status::Invalid("wrong type for value; expected " + std::string(expected) + "; got " +
                         got.TypeName());
}

std::string StrVal(const Value& value) {
  if (value.kind() == Value::Kind::kString) return value.string_value();
  if (value.kind() == Value::Kind::kBytes) return value.bytes_value();
  return FormatValue(value);
}

namespace {

// cast's trimZeroDecimal: "1.0" -> "1", "1.50" stays.
std::string TrimZeroDecimal(const std::string& text) {
  size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0) return text;
  for (size_t i = dot + 1; i < text.size(); ++i) {
    if (text[i] != '0') return text;
  }
  return text.substr(0, dot);
}

}  // namespace

std::vector<Value> ByteList(const Value& bytes) {
  std::vector<Value> items;
  items.reserve(bytes.bytes_value().size());
  for (unsigned char byte : bytes.bytes_value()) items.push_back(Value::Uint8(byte));
  return items;
}

int64_t ToInt64(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
    case Value::Kind::kUint8:
      return value.int_value();
    case Value::Kind::kFloat64: {
      double f = value.float_value();
      if (std::isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0) {
        return INT64_MIN;
      }
      return static_cast<int64_t>(f);
    }
    case Value::Kind::kBool:
      return value.bool_value() ? 1 : 0;
    case Value::Kind::kString: {
      std::optional<int64_t> parsed = ParseGoInt(TrimZeroDecimal(value.string_value()));
      return parsed.value_or(0);
    }
    default:
      return 0;
  }
}

double ToFloat64(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
    case Value::Kind::kUint8:
      return static_cast<double>(value.int_value());
    case Value::Kind::kFloat64:
      return value.float_value();
    case Value::Kind::kBool:
      return value.bool_value() ? 1 : 0;
    case Value::Kind::kString: {
      return ParseGoFloat(value.string_value()).value_or(0);
    }
    default:
      return 0;
  }
}

Result<std::vector<Value>> AsList(const Value& value, std::string_view function) {
  if (value.kind() == Value::Kind::kList) return value.list();
  if (value.kind() == Value::Kind::kBytes) return ByteList(value);
  if (value.IsNil()) {
    return Status::Invalid("runtime error: invalid memory address or nil pointer dereference");
  }
  return Status::Invalid("Cannot " + std::string(function) + " on type " +
                         std::string(value.KindName()));
}

}  // namespace converge::sources::helm::tmpl
