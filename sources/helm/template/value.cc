#include "sources/helm/template/value.h"

#include <utility>

#include "base/base64.h"
#include "sources/helm/template/gotime.h"

namespace converge::sources::helm::tmpl {

Value Value::Bool(bool value) {
  Value v;
  v.kind_ = Kind::kBool;
  v.bool_ = value;
  return v;
}

Value Value::Int(int64_t value) {
  Value v;
  v.kind_ = Kind::kInt;
  v.int_ = value;
  return v;
}

Value Value::Int64(int64_t value) {
  Value v;
  v.kind_ = Kind::kInt64;
  v.int_ = value;
  return v;
}

Value Value::Uint8(uint8_t value) {
  Value v;
  v.kind_ = Kind::kUint8;
  v.int_ = value;
  return v;
}

Value Value::Float(double value) {
  Value v;
  v.kind_ = Kind::kFloat64;
  v.float_ = value;
  return v;
}

Value Value::String(std::string value) {
  Value v;
  v.kind_ = Kind::kString;
  v.data_ = std::make_shared<std::string>(std::move(value));
  return v;
}

Value Value::Bytes(std::string data) {
  return Bytes(std::make_shared<const std::string>(std::move(data)));
}

Value Value::Bytes(std::shared_ptr<const std::string> data) {
  Value v;
  v.kind_ = Kind::kBytes;
  // Strings are never written through data_; the cast only fits the untyped holder.
  v.data_ = std::const_pointer_cast<std::string>(std::move(data));
  return v;
}

Value Value::List(std::vector<Value> items, ElemType elem) {
  Value v;
  v.kind_ = Kind::kList;
  v.data_ = std::make_shared<ListData>(ListData{std::move(items), elem});
  return v;
}

Value Value::Map(ElemType elem) {
  Value v;
  v.kind_ = Kind::kMap;
  auto data = std::make_shared<MapData>();
  data->elem = elem;
  v.data_ = std::move(data);
  return v;
}

Value Value::StringList(const std::vector<std::string>& items) {
  std::vector<Value> values;
  values.reserve(items.size());
  for (const std::string& item : items) values.push_back(String(item));
  return List(std::move(values), ElemType::kString);
}

std::optional<std::string> Methods::String(const Value& self) const {
  (void)self;
  return std::nullopt;
}

std::span<const Methods::Field> Value::StructFields() const {
  const Methods* named = methods();
  if (kind_ != Kind::kMap || named == nullptr) return {};
  return named->Fields();
}

const Methods* Value::methods() const {
  if (kind_ == Kind::kList) return list_data()->methods.get();
  if (kind_ == Kind::kMap) return map_data()->methods.get();
  return nullptr;
}

void Value::set_methods(std::shared_ptr<const Methods> methods) const {
  if (kind_ == Kind::kList) list_data()->methods = std::move(methods);
  if (kind_ == Kind::kMap) map_data()->methods = std::move(methods);
}

bool Value::SameObject(const Value& other) const {
  if (kind_ != other.kind_) return false;
  if (kind_ == Kind::kList || kind_ == Kind::kMap) return data_ == other.data_;
  return false;
}

namespace {

std::string_view ElemName(ElemType elem) {
  switch (elem) {
    case ElemType::kString:
      return "string";
    case ElemType::kInt:
      return "int";
    case ElemType::kList:
      return "[]interface {}";
    case ElemType::kAny:
    case ElemType::kValues:
    case ElemType::kCertificate:
    case ElemType::kTime:
      break;
  }
  return "interface {}";
}

}  // namespace

std::string Value::TypeName() const {
  if (const Methods* named = methods(); named != nullptr) return std::string(named->TypeName());
  switch (kind_) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kInt64:
      return "int64";
    case Kind::kUint8:
      return "uint8";
    case Kind::kFloat64:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kBytes:
      return "[]uint8";
    case Kind::kList:
      return "[]" + std::string(ElemName(list_data()->elem));
    case Kind::kMap:
      if (map_data()->elem == ElemType::kValues) return "common.Values";
      if (map_data()->elem == ElemType::kCertificate) return "sprig.certificate";
      if (map_data()->elem == ElemType::kTime) return "time.Time";
      return "map[string]" + std::string(ElemName(map_data()->elem));
  }
  return "";
}

std::string_view Value::KindName() const {
  switch (kind_) {
    case Kind::kNil:
      return "invalid";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kInt64:
      return "int64";
    case Kind::kUint8:
      return "uint8";
    case Kind::kFloat64:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kBytes:
    case Kind::kList:
      return "slice";
    case Kind::kMap:
      if (!StructFields().empty()) return methods()->IsPointer() ? "ptr" : "struct";
      return map_data()->elem == ElemType::kCertificate || map_data()->elem == ElemType::kTime
                 ? "struct"
                 : "map";
  }
  return "";
}

bool Value::Truth() const {
  switch (kind_) {
    case Kind::kNil:
      return false;
    case Kind::kBool:
      return bool_;
    case Kind::kInt:
    case Kind::kInt64:
    case Kind::kUint8:
      return int_ != 0;
    case Kind::kFloat64:
      return float_ != 0;
    case Kind::kString:
    case Kind::kBytes:
      return !string()->empty();
    case Kind::kList:
      return !list_data()->items.empty();
    case Kind::kMap:
      // A struct is always true.
      return !map_data()->entries.empty() || map_data()->elem == ElemType::kCertificate ||
             map_data()->elem == ElemType::kTime;
  }
  return false;
}

Value Value::DeepCopy() const {
  if (kind_ == Kind::kList) {
    std::vector<Value> items;
    items.reserve(list_data()->items.size());
    for (const Value& item : list_data()->items) items.push_back(item.DeepCopy());
    return List(std::move(items), list_data()->elem);
  }
  if (kind_ == Kind::kMap) {
    Value copy = Map(map_data()->elem);
    for (const auto& [key, item] : map_data()->entries)
      copy.map_data()->entries.emplace(key, item.DeepCopy());
    return copy;
  }
  return *this;
}

nlohmann::json Value::ToJson() const {
  switch (kind_) {
    case Kind::kNil:
      return nullptr;
    case Kind::kBool:
      return bool_;
    case Kind::kInt:
    case Kind::kInt64:
    case Kind::kUint8:
      return int_;
    case Kind::kFloat64:
      return float_;
    case Kind::kString:
      return *string();
    case Kind::kBytes:
      return Base64Encode(*string());
    case Kind::kList: {
      nlohmann::json array = nlohmann::json::array();
      for (const Value& item : list_data()->items) array.push_back(item.ToJson());
      return array;
    }
    case Kind::kMap: {
      if (std::optional<GoTime> time = AsTime(*this)) return TimeJson(*time);
      nlohmann::json object = nlohmann::json::object();
      if (std::span<const Methods::Field> fields = StructFields(); !fields.empty()) {
        for (const Methods::Field& field : fields) {
          auto found = map_data()->entries.find(field.name);
          if (field.json_name.empty() || found == map_data()->entries.end()) continue;
          object[std::string(field.json_name)] = found->second.ToJson();
        }
        return object;
      }
      for (const auto& [key, item] : map_data()->entries) object[key] = item.ToJson();
      return object;
    }
  }
  return nullptr;
}

Value Value::FromJson(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean:
      return Bool(json.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Float(static_cast<double>(json.get<int64_t>()));
    case nlohmann::json::value_t::number_unsigned:
      return Float(static_cast<double>(json.get<uint64_t>()));
    case nlohmann::json::value_t::number_float:
      return Float(json.get<double>());
    case nlohmann::json::value_t::string:
      return String(json.get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const nlohmann::json& item : json) items.push_back(FromJson(item));
      return List(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value map = Map();
      for (const auto& [key, item] : json.items())
        map.map_data()->entries.emplace(key, FromJson(item));
      return map;
    }
    default:
      return Value();
  }
}

}  // namespace converge::sources::helm::tmpl
