// Helm's toToml and fromToml (pkg/engine/funcs.go) over BurntSushi/toml: the encoder is
// reproduced here (its layout decides output bytes); reading goes through toml++, whose values
// map onto the ones BurntSushi's decoder gives (int64, float64, time.Time, lists, maps). A
// parse error yields {"Error": message}, as Helm's does, though the message is toml++'s.

#include <cmath>

#include <toml++/toml.h>

#include "sources/helm/template/fmt.h"
#include "sources/helm/template/funcs/funcs.h"
#include "sources/helm/template/gotime.h"

namespace converge::sources::helm::tmpl {
namespace {

enum class TomlType { kNil, kPrimitive, kArray, kTable, kArrayOfTables };

bool IsTable(const Value& value) {
  return value.kind() == Value::Kind::kMap && value.elem() != ElemType::kTime;
}

// tomlTypeOfGo; an array holding nil before any non-table element cannot be encoded.
Result<TomlType> TypeOf(const Value& value) {
  if (value.IsNil()) return TomlType::kNil;
  if (IsTable(value)) return TomlType::kTable;
  if (value.kind() != Value::Kind::kList) return TomlType::kPrimitive;
  if (value.list().empty()) return TomlType::kArray;
  bool tables = true;
  for (const Value& item : value.list()) {
    if (item.IsNil()) return Status::Invalid("toml: cannot encode array with nil element");
    tables = tables && IsTable(item);
  }
  return tables ? TomlType::kArrayOfTables : TomlType::kArray;
}

bool IsBareKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string KeyPart(std::string_view key) {
  return IsBareKey(key) ? std::string(key) : Quoted(key);
}

std::string KeyPath(const std::vector<std::string>& key) {
  std::string out;
  for (const std::string& part : key) out += (out.empty() ? "" : ".") + KeyPart(part);
  return out;
}

// strconv.FormatFloat(f, 'g', -1, 64) with ".0" added to integral forms.
std::string FormatFloat(double value) {
  if (std::isnan(value)) return std::signbit(value) ? "-nan" : "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  std::string text = FormatValue(Value::Float(value));
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

class Encoder {
 public:
  Status Encode(const Value& value) {
    std::vector<std::string> key;
    return EncodeKey(key, value);
  }
  std::string& out() { return out_; }

 private:
  void Write(std::string_view text) {
    out_ += text;
    written_ = true;
  }
  void Newline() {
    if (written_) Write("\n");
  }
  static std::string Indent(size_t depth) {
    return std::string(depth == 0 ? 0 : 2 * (depth - 1), ' ');
  }

  Status Element(const Value& value) {
    switch (value.kind()) {
      case Value::Kind::kString:
        Write(Quoted(value.string_value()));
        return Status();
      case Value::Kind::kBool:
        Write(value.bool_value() ? "true" : "false");
        return Status();
      case Value::Kind::kInt:
      case Value::Kind::kInt64:
      case Value::Kind::kUint8:
        Write(std::to_string(value.int_value()));
        return Status();
      case Value::Kind::kFloat64:
        Write(FormatFloat(value.float_value()));
        return Status();
      case Value::Kind::kBytes:
        return Element(Value::List(ByteList(value), ElemType::kInt));
      case Value::Kind::kList: {
        Write("[");
        for (size_t i = 0; i < value.list().size(); ++i) {
          if (i > 0) Write(", ");
          if (value.list()[i].IsNil()) {
            return Status::Invalid("toml: cannot encode array with nil element");
          }
          Status status = Element(value.list()[i]);
          if (!status.ok()) return status;
        }
        Write("]");
        return Status();
      }
      case Value::Kind::kMap:
        if (std::optional<GoTime> time = AsTime(value)) {
          Write(TimeJson(*time));
          return Status();
        }
        return Table({}, value, true);
      case Value::Kind::kNil:
        break;
    }
    return Status::Invalid("toml: cannot encode array with nil element");
  }

  Status KeyValue(const std::vector<std::string>& key, const Value& value, bool inline_table) {
    if (key.empty()) return Element(value);
    Write(Indent(key.size()) + KeyPart(key.back()) + " = ");
    Status status = Element(value);
    if (status.ok() && !inline_table) Newline();
    return status;
  }

  // eMapOrStruct: plain keys first, then tables, each group sorted; nil values are skipped.
  Status Table(const std::vector<std::string>& key, const Value& table, bool inline_table) {
    std::vector<std::string> direct;
    std::vector<std::string> sub;
    for (const auto& [name, item] : table.map()) {
      Result<TomlType> type = TypeOf(item);
      if (!type.ok()) return type.status();
      bool is_table = *type == TomlType::kTable || *type == TomlType::kArrayOfTables;
      (is_table ? sub : direct).push_back(name);
    }
    if (inline_table) Write("{");
    for (const std::vector<std::string>* names : {&direct, &sub}) {
      bool trailing = names == &direct && !sub.empty();
      for (size_t i = 0; i < names->size(); ++i) {
        const Value& item = table.map().at((*names)[i]);
        if (item.IsNil()) continue;
        Status status;
        if (inline_table) {
          status = KeyValue({(*names)[i]}, item, true);
          if (trailing || i + 1 != names->size()) Write(", ");
        } else {
          std::vector<std::string> child = key;
          child.push_back((*names)[i]);
          status = EncodeKey(child, item);
        }
        if (!status.ok()) return status;
      }
    }
    if (inline_table) Write("}");
    return Status();
  }

  Status EncodeKey(const std::vector<std::string>& key, const Value& value) {
    Result<TomlType> type = TypeOf(value);
    if (!type.ok()) return type.status();
    switch (*type) {
      case TomlType::kNil:
        if (key.empty())
          return Status::Invalid("reflect: call of reflect.Value.Type on zero Value");
        return Status();
      case TomlType::kTable:
        if (std::optional<GoTime> time = AsTime(value)) return KeyValue(key, value, false);
        if (key.size() == 1) Newline();
        if (!key.empty()) {
          Write(Indent(key.size()) + "[" + KeyPath(key) + "]");
          Newline();
        }
        return Table(key, value, false);
      case TomlType::kArrayOfTables:
        if (key.empty())
          return Status::Invalid("toml: top-level values must be Go maps or structs");
        for (const Value& item : value.list()) {
          Newline();
          Write(Indent(key.size()) + "[[" + KeyPath(key) + "]]");
          Newline();
          Status status = Table(key, item, false);
          if (!status.ok()) return status;
        }
        return Status();
      case TomlType::kPrimitive:
      case TomlType::kArray:
        break;
    }
    return KeyValue(key, value, false);
  }

  std::string out_;
  bool written_ = false;
};

GoTime FixedZoneTime(int64_t unix, int64_t nsec, std::string zone_name, int64_t offset) {
  GoTime time;
  time.unix = unix;
  time.nsec = nsec;
  time.location = "";
  time.zone_name = std::move(zone_name);
  time.zone_offset = offset;
  return time;
}

int64_t CivilSeconds(const toml::date& date, const toml::time& time) {
  return UnixFromCivil(date.year, date.month, date.day) + time.hour * 3600 + time.minute * 60 +
         time.second;
}

// BurntSushi's local dates and times carry zones named "date-local", "time-local" and
// "datetime-local" at offset 0; offset date-times carry their offset.
Value FromNode(const toml::node& node) {
  if (const auto* table = node.as_table()) {
    Value map = Value::Map();
    for (const auto& [key, item] : *table)
      map.mutable_map()[std::string(key.str())] = FromNode(item);
    return map;
  }
  if (const auto* array = node.as_array()) {
    std::vector<Value> items;
    for (const auto& item : *array) items.push_back(FromNode(item));
    return Value::List(std::move(items));
  }
  if (const auto* text = node.as_string()) return Value::String(text->get());
  if (const auto* integer = node.as_integer()) return Value::Int64(integer->get());
  if (const auto* number = node.as_floating_point()) return Value::Float(number->get());
  if (const auto* boolean = node.as_boolean()) return Value::Bool(boolean->get());
  if (const auto* date = node.as_date()) {
    return TimeValue(FixedZoneTime(CivilSeconds(date->get(), {}), 0, "date-local", 0));
  }
  if (const auto* time = node.as_time()) {
    toml::date zero{0, 1, 1};
    return TimeValue(
        FixedZoneTime(CivilSeconds(zero, time->get()), time->get().nanosecond, "time-local", 0));
  }
  const toml::date_time& stamp = node.as_date_time()->get();
  int64_t local = CivilSeconds(stamp.date, stamp.time);
  if (!stamp.offset) {
    return TimeValue(FixedZoneTime(local, stamp.time.nanosecond, "datetime-local", 0));
  }
  int64_t offset = int64_t{stamp.offset->minutes} * 60;
  GoTime time = FixedZoneTime(local - offset, stamp.time.nanosecond, "", offset);
  if (offset == 0) time = InLocation(time, "UTC");
  return TimeValue(time);
}

}  // namespace

CONVERGE_FUNC(FnToToml) {
  (void)call;
  Encoder encoder;
  Status status = encoder.Encode(args[0]);
  if (!status.ok()) {
    if (status.message().starts_with("reflect:")) return status;
    return Value::String(status.message());
  }
  return Value::String(std::move(encoder.out()));
}

CONVERGE_FUNC(FnFromToml) {
  (void)call;
  try {
    toml::table table = toml::parse(args[0].string_value());
    return FromNode(table);
  } catch (const toml::parse_error& error) {
    Value map = Value::Map();
    map.mutable_map()["Error"] = Value::String("toml: " + std::string(error.description()));
    return map;
  }
}

}  // namespace converge::sources::helm::tmpl
