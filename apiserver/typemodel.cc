#include "apiserver/typemodel.h"

#include <cctype>
#include <cmath>
#include <functional>
#include <set>

#include "apiserver/patch_hints.h"
#include "base/base64.h"
#include "base/strings.h"
#include "kube/kube.h"

extern "C" const char converge_typemodel_begin[];
extern "C" const char converge_typemodel_end[];

namespace converge::apiserver::typemodel {
namespace {

using nlohmann::json;

TypeRef ParseType(std::string_view text) {
  TypeRef ref;
  if (text.starts_with("[]")) {
    ref.kind = TypeRef::Kind::kArray;
    ref.element = std::make_shared<TypeRef>(ParseType(text.substr(2)));
  } else if (text.starts_with("map[]")) {
    ref.kind = TypeRef::Kind::kMap;
    ref.element = std::make_shared<TypeRef>(ParseType(text.substr(5)));
  } else if (text == "V1MicroTime") {
    // client-node models metav1.MicroTime as a class; on the wire it is an RFC 3339 string.
    ref.name = "microtime";
  } else if (!text.empty() && std::isupper(static_cast<unsigned char>(text[0]))) {
    ref.kind = TypeRef::Kind::kStruct;
    ref.name = std::string(text);
  } else {
    ref.name = std::string(text);
  }
  return ref;
}

std::map<std::string, StructType> Load() {
  json model = json::parse(converge_typemodel_begin, converge_typemodel_end);
  std::map<std::string, StructType> types;
  for (auto& [name, body] : model["types"].items()) {
    StructType type;
    type.name = name;
    type.doc = body.value("doc", "");
    for (const json& field : body["fields"]) {
      Field parsed;
      parsed.name = field[0].get<std::string>();
      parsed.type = ParseType(field[1].get<std::string>());
      parsed.required = field.size() > 2 && field[2].get<int>() == 1;
      parsed.doc = field.size() > 3 ? field[3].get<std::string>() : "";
      type.fields.push_back(std::move(parsed));
    }
    types.emplace(name, std::move(type));
  }
  return types;
}

// "V1beta1" -> "v1beta1", "RbacV1" -> ("rbac", "v1"): splits a class into package and struct.
std::pair<std::string, std::string> SplitClass(const std::string& model_class) {
  size_t v = 0;
  // The version starts at the first 'V' followed by a digit.
  for (; v + 1 < model_class.size(); ++v) {
    if (model_class[v] == 'V' && std::isdigit(static_cast<unsigned char>(model_class[v + 1]))) {
      break;
    }
  }
  size_t end = v + 1;
  while (end < model_class.size() && std::isdigit(static_cast<unsigned char>(model_class[end]))) {
    ++end;
  }
  for (const char* stage : {"alpha", "beta"}) {
    std::string_view rest(model_class.c_str() + end);
    if (rest.starts_with(stage)) {
      end += std::string_view(stage).size();
      while (end < model_class.size() &&
             std::isdigit(static_cast<unsigned char>(model_class[end]))) {
        ++end;
      }
    }
  }
  if (v + 1 >= model_class.size()) return {"", model_class};
  std::string prefix = AsciiLower(model_class.substr(0, v));
  std::string version = model_class.substr(v, end - v);
  version[0] = 'v';
  return {prefix.empty() ? version : prefix + "." + version, model_class.substr(end)};
}

std::string GoTypeString(const TypeRef& type) {
  switch (type.kind) {
    case TypeRef::Kind::kArray:
      return "[]" + GoTypeString(*type.element);
    case TypeRef::Kind::kMap:
      return "map[string]" + GoTypeString(*type.element);
    case TypeRef::Kind::kStruct:
      return GoTypeName(type.name);
    case TypeRef::Kind::kScalar:
      break;
  }
  const std::string& name = type.name;
  if (name == "double") return "float64";
  if (name == "byte") return "[]uint8";
  if (name == "time") return "v1.Time";
  if (name == "microtime") return "v1.MicroTime";
  if (name == "intstr") return "intstr.IntOrString";
  if (name == "quantity") return "resource.Quantity";
  if (name == "any") return "interface {}";
  return name;
}

std::string JsonKind(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "number";
  }
}

// ^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$
bool IsQuantity(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t digits = i;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == digits) return false;
  while (i < text.size() &&
         std::string_view("eEinumkKMGTP").find(text[i]) != std::string_view::npos) {
    ++i;
  }
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  return i == text.size();
}

bool FitsInt(const json& value, bool thirty_two) {
  if (value.is_number_float()) return false;
  if (value.is_number_unsigned()) {
    return value.get<uint64_t>() <= (thirty_two ? 2147483647ULL : 9223372036854775807ULL);
  }
  int64_t number = value.get<int64_t>();
  return !thirty_two || (number >= -2147483648LL && number <= 2147483647LL);
}

class Checker {
 public:
  DecodeReport report;

  void Struct(const StructType& type, const json& value, const std::string& path) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      const Field* field = type.Find(it.key());
      std::string child = path.empty() ? it.key() : path + "." + it.key();
      if (field == nullptr) {
        report.unknown_fields.push_back(child);
        continue;
      }
      Value(field->type, it.value(), child, GoStructName(type.name), TypeStack(child));
    }
  }

 private:
  // Go's decoder names a field by the JSON names from the root, without array indices.
  static std::string TypeStack(const std::string& path) {
    std::string out;
    out.reserve(path.size());
    for (size_t i = 0; i < path.size(); ++i) {
      if (path[i] == '[') {
        while (i < path.size() && path[i] != ']') ++i;
        continue;
      }
      out.push_back(path[i]);
    }
    return out;
  }

  void TypeError(const std::string& value_kind, const std::string& go_struct,
                 const std::string& go_path, const TypeRef& type) {
    if (report.type_error) return;
    report.type_error = "json: cannot unmarshal " + value_kind + " into Go struct field " +
                        go_struct + "." + go_path + " of type " + GoTypeString(type);
  }

  void Fail(const std::string& message) {
    if (!report.type_error) report.type_error = message;
  }

  void Value(const TypeRef& type, const json& value, const std::string& path,
             const std::string& go_struct, const std::string& go_path) {
    if (value.is_null()) return;
    switch (type.kind) {
      case TypeRef::Kind::kStruct: {
        if (!value.is_object()) return TypeError(JsonKind(value), go_struct, go_path, type);
        const StructType* nested = Find(type.name);
        if (nested != nullptr) Struct(*nested, value, path);
        return;
      }
      case TypeRef::Kind::kArray: {
        if (type.element->kind == TypeRef::Kind::kScalar && type.element->name == "byte") {
          return Scalar(*type.element, value, go_struct, go_path);
        }
        if (!value.is_array()) return TypeError(JsonKind(value), go_struct, go_path, type);
        for (size_t i = 0; i < value.size(); ++i) {
          Value(*type.element, value[i], path + "[" + std::to_string(i) + "]", go_struct, go_path);
        }
        return;
      }
      case TypeRef::Kind::kMap: {
        if (!value.is_object()) return TypeError(JsonKind(value), go_struct, go_path, type);
        for (auto it = value.begin(); it != value.end(); ++it) {
          Value(*type.element, it.value(), path + "." + it.key(), go_struct, go_path);
        }
        return;
      }
      case TypeRef::Kind::kScalar:
        return Scalar(type, value, go_struct, go_path);
    }
  }

  void Scalar(const TypeRef& type, const json& value, const std::string& go_struct,
              const std::string& go_path) {
    const std::string& name = type.name;
    if (name == "any") return;
    if (name == "string" || name == "time" || name == "microtime") {
      if (!value.is_string()) {
        if (name == "string") return TypeError(JsonKind(value), go_struct, go_path, type);
        return Fail("json: cannot unmarshal " + JsonKind(value) + " into Go value of type string");
      }
      return;
    }
    if (name == "bool") {
      if (!value.is_boolean()) TypeError(JsonKind(value), go_struct, go_path, type);
      return;
    }
    if (name == "int32" || name == "int64") {
      if (!value.is_number()) return TypeError(JsonKind(value), go_struct, go_path, type);
      if (!FitsInt(value, name == "int32")) {
        TypeError("number " + kube::EncodeJson(value), go_struct, go_path, type);
      }
      return;
    }
    if (name == "double") {
      if (!value.is_number()) TypeError(JsonKind(value), go_struct, go_path, type);
      return;
    }
    if (name == "byte") {
      if (!value.is_string()) return TypeError(JsonKind(value), go_struct, go_path, type);
      if (!Base64Decode(value.get<std::string>())) {
        Fail("illegal base64 data at input byte " +
             std::to_string(FirstBadBase64(value.get<std::string>())));
      }
      return;
    }
    if (name == "intstr") {
      if (value.is_string()) return;
      if (!value.is_number()) {
        return Fail("json: cannot unmarshal " + JsonKind(value) + " into Go value of type int32");
      }
      if (!FitsInt(value, true)) {
        Fail("json: cannot unmarshal number " + kube::EncodeJson(value) +
             " into Go value of type int32");
      }
      return;
    }
    if (name == "quantity") {
      if (value.is_number()) return;
      if (!value.is_string() || !IsQuantity(value.get<std::string>())) {
        Fail(
            "quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
      }
      return;
    }
  }

  static size_t FirstBadBase64(const std::string& text) {
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
        return i;
      }
    }
    return text.size();
  }
};

void CollectRequired(const StructType& type, const json& value, const std::string& path,
                     std::vector<Cause>& causes) {
  for (const Field& field : type.fields) {
    std::string child = path.empty() ? field.name : path + "." + field.name;
    if (path.empty() && field.name == "status") continue;
    auto it = value.find(field.name);
    if (it == value.end() || it->is_null()) {
      if (field.required) causes.push_back(Required(child));
      continue;
    }
    const TypeRef* element = &field.type;
    if (element->kind == TypeRef::Kind::kStruct && it->is_object()) {
      if (const StructType* nested = Find(element->name)) {
        CollectRequired(*nested, *it, child, causes);
      }
    } else if (element->kind == TypeRef::Kind::kArray && it->is_array() &&
               element->element->kind == TypeRef::Kind::kStruct) {
      if (const StructType* nested = Find(element->element->name)) {
        for (size_t i = 0; i < it->size(); ++i) {
          if ((*it)[i].is_object()) {
            CollectRequired(*nested, (*it)[i], child + "[" + std::to_string(i) + "]", causes);
          }
        }
      }
    }
  }
}

json SchemaOf(const TypeRef& type, std::set<std::string>& referenced) {
  switch (type.kind) {
    case TypeRef::Kind::kStruct:
      referenced.insert(type.name);
      return {
          {"allOf", json::array({{{"$ref", "#/components/schemas/" + GoTypeName(type.name)}}})}};
    case TypeRef::Kind::kArray:
      if (type.element->kind == TypeRef::Kind::kScalar && type.element->name == "byte") {
        return {{"type", "string"}, {"format", "byte"}};
      }
      return {{"type", "array"}, {"items", SchemaOf(*type.element, referenced)}};
    case TypeRef::Kind::kMap:
      return {{"type", "object"}, {"additionalProperties", SchemaOf(*type.element, referenced)}};
    case TypeRef::Kind::kScalar:
      break;
  }
  const std::string& name = type.name;
  if (name == "int32" || name == "int64") return {{"type", "integer"}, {"format", name}};
  if (name == "double") return {{"type", "number"}, {"format", "double"}};
  if (name == "bool") return {{"type", "boolean"}};
  if (name == "byte") return {{"type", "string"}, {"format", "byte"}};
  if (name == "time" || name == "microtime") return {{"type", "string"}, {"format", "date-time"}};
  if (name == "intstr")
    return {{"type", "string"}, {"format", "int-or-string"}, {"x-kubernetes-int-or-string", true}};
  if (name == "quantity") return {{"type", "string"}, {"format", "quantity"}};
  if (name == "any") return {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  return {{"type", "string"}};
}

}  // namespace

const StructType* Find(const std::string& model_class) {
  const auto& types = Types();
  auto it = types.find(model_class);
  return it == types.end() ? nullptr : &it->second;
}

const Field* StructType::Find(const std::string& json_name) const {
  for (const Field& field : fields) {
    if (field.name == json_name) return &field;
  }
  return nullptr;
}

const std::map<std::string, StructType>& Types() {
  static const std::map<std::string, StructType> kTypes = Load();
  return kTypes;
}

std::string GoTypeName(const std::string& model_class) {
  auto [package, name] = SplitClass(model_class);
  return package.empty() ? name : package + "." + name;
}

std::string GoStructName(const std::string& model_class) { return SplitClass(model_class).second; }

DecodeReport CheckDecode(const std::string& model_class, const nlohmann::json& object) {
  Checker checker;
  const StructType* type = Find(model_class);
  if (type != nullptr && object.is_object()) checker.Struct(*type, object, "");
  return std::move(checker.report);
}

std::vector<Cause> MissingRequired(const std::string& model_class, const nlohmann::json& object) {
  std::vector<Cause> causes;
  const StructType* type = Find(model_class);
  if (type != nullptr && object.is_object()) CollectRequired(*type, object, "", causes);
  return causes;
}

json Schemas(const std::vector<std::string>& model_classes) {
  json schemas = json::object();
  std::set<std::string> pending(model_classes.begin(), model_classes.end());
  std::set<std::string> done;
  while (!pending.empty()) {
    std::string name = *pending.begin();
    pending.erase(pending.begin());
    if (!done.insert(name).second) continue;
    const StructType* type = Find(name);
    if (type == nullptr) continue;
    json schema = {{"type", "object"}, {"properties", json::object()}};
    if (!type->doc.empty()) schema["description"] = type->doc;
    json required = json::array();
    std::set<std::string> referenced;
    for (const Field& field : type->fields) {
      json property = SchemaOf(field.type, referenced);
      std::string doc = field.doc;
      // The npm models drop the description of fields that reference another type; the type's
      // own description is the next best thing.
      if (doc.empty() && field.type.kind == TypeRef::Kind::kStruct) {
        if (const StructType* target = Find(field.type.name)) doc = target->doc;
      }
      if (!doc.empty()) property["description"] = doc;
      // What kubectl reads to compute client-side apply patches, and what SSA merges by.
      if (const PatchHint* hint = FindPatchHint(name, field.name)) {
        const ListSemantics& list = hint->list;
        if (list.smp_merge) {
          property["x-kubernetes-patch-strategy"] = list.retain_keys ? "merge,retainKeys" : "merge";
          if (!list.smp_key.empty()) property["x-kubernetes-patch-merge-key"] = list.smp_key;
        }
        if (hint->retain_keys_struct) property["x-kubernetes-patch-strategy"] = "retainKeys";
        if (list.kind == ListKind::kMap) {
          property["x-kubernetes-list-type"] = "map";
          property["x-kubernetes-list-map-keys"] = list.keys;
        } else if (list.kind == ListKind::kSet) {
          property["x-kubernetes-list-type"] = "set";
        }
      } else if (field.type.kind == TypeRef::Kind::kArray) {
        property["x-kubernetes-list-type"] = "atomic";
      }
      schema["properties"][field.name] = std::move(property);
      if (field.required) required.push_back(field.name);
    }
    if (!required.empty()) schema["required"] = std::move(required);
    schemas[GoTypeName(name)] = std::move(schema);
    for (const std::string& next : referenced) {
      if (!done.count(next)) pending.insert(next);
    }
  }
  return schemas;
}

}  // namespace converge::apiserver::typemodel
