#include <string>

#include "kube/kube.h"

namespace converge::kube {
namespace {

const nlohmann::json& EmptyObject() {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return kEmpty;
}

nlohmann::json& MutableMetadataMap(nlohmann::json& json, const char* field) {
  nlohmann::json& metadata = json["metadata"];
  if (!metadata.is_object()) {
    metadata = nlohmann::json::object();
  }
  nlohmann::json& map = metadata[field];
  if (!map.is_object()) {
    map = nlohmann::json::object();
  }
  return map;
}

}  // namespace

std::string Origin::ToString() const {
  std::string out = file;
  if (line > 0) {
    out.append(":").append(std::to_string(line));
  }
  if (document > 0) {
    if (!out.empty()) out.append(": ");
    out.append("document ").append(std::to_string(document));
  }
  return out;
}

std::string ResourceKey::ToString() const { return group + "/" + kind + ":" + ns + "/" + name; }

std::string_view StringAt(const nlohmann::json& value,
                          std::initializer_list<std::string_view> path) {
  const nlohmann::json* node = &value;
  for (std::string_view key : path) {
    if (!node->is_object()) {
      return {};
    }
    auto it = node->find(key);
    if (it == node->end()) {
      return {};
    }
    node = &*it;
  }
  return node->is_string() ? std::string_view(node->get_ref<const std::string&>())
                           : std::string_view();
}

const nlohmann::json& Object::json() const {
  static const nlohmann::json kNull;
  return json_ != nullptr ? *json_ : kNull;
}

nlohmann::json& Object::mutable_json() {
  if (json_ == nullptr) {
    json_ = std::make_shared<nlohmann::json>();
  } else if (json_.use_count() > 1) {
    json_ = std::make_shared<nlohmann::json>(*json_);
  }
  return *json_;
}

const nlohmann::json& Object::ObjectAt(std::string_view metadata_field) const {
  const nlohmann::json& document = json();
  if (!document.is_object()) {
    return EmptyObject();
  }
  auto metadata = document.find("metadata");
  if (metadata == document.end() || !metadata->is_object()) {
    return EmptyObject();
  }
  auto map = metadata->find(metadata_field);
  return map != metadata->end() && map->is_object() ? *map : EmptyObject();
}

std::string_view Object::ApiVersion() const { return StringAt(json(), {"apiVersion"}); }
std::string_view Object::Kind() const { return StringAt(json(), {"kind"}); }

std::string_view Object::Group() const {
  std::string_view api_version = ApiVersion();
  size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}

std::string_view Object::Version() const {
  std::string_view api_version = ApiVersion();
  size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? api_version : api_version.substr(slash + 1);
}

std::string_view Object::Name() const { return StringAt(json(), {"metadata", "name"}); }
std::string_view Object::GenerateName() const {
  return StringAt(json(), {"metadata", "generateName"});
}
std::string_view Object::Namespace() const { return StringAt(json(), {"metadata", "namespace"}); }

std::string_view Object::Label(std::string_view key) const {
  return StringAt(json(), {"metadata", "labels", key});
}

std::string_view Object::Annotation(std::string_view key) const {
  return StringAt(json(), {"metadata", "annotations", key});
}

const nlohmann::json& Object::Labels() const { return ObjectAt("labels"); }
const nlohmann::json& Object::Annotations() const { return ObjectAt("annotations"); }

void Object::SetName(std::string_view name) {
  mutable_json()["metadata"]["name"] = std::string(name);
}

void Object::SetNamespace(std::string_view ns) {
  mutable_json()["metadata"]["namespace"] = std::string(ns);
}

void Object::SetLabel(std::string_view key, std::string_view value) {
  MutableMetadataMap(mutable_json(), "labels")[std::string(key)] = std::string(value);
}

void Object::SetAnnotation(std::string_view key, std::string_view value) {
  MutableMetadataMap(mutable_json(), "annotations")[std::string(key)] = std::string(value);
}

ResourceKey Object::Key() const {
  return ResourceKey{.group = std::string(Group()),
                     .kind = std::string(Kind()),
                     .ns = std::string(Namespace()),
                     .name = std::string(Name())};
}

std::string Describe(const Object& object) {
  std::string out(object.Kind().empty() ? "<unknown kind>" : object.Kind());
  out += "/";
  if (!object.Namespace().empty()) {
    out.append(object.Namespace()).append("/");
  }
  std::string_view name = object.Name();
  if (name.empty() && !object.GenerateName().empty()) {
    out.append(object.GenerateName()).append("*");
  } else {
    out.append(name.empty() ? "<unnamed>" : name);
  }
  return out;
}

}  // namespace converge::kube

size_t std::hash<converge::kube::ResourceKey>::operator()(
    const converge::kube::ResourceKey& key) const noexcept {
  std::hash<std::string> string_hash;
  size_t seed = string_hash(key.group);
  for (const std::string* part : {&key.kind, &key.ns, &key.name}) {
    seed ^= string_hash(*part) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  }
  return seed;
}
