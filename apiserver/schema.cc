#include "apiserver/schema.h"

#include <map>

#include "apiserver/patch_hints.h"

namespace converge::apiserver {
namespace {

using typemodel::TypeRef;

ListSemantics CrdList(const nlohmann::json& node) {
  ListSemantics list;
  std::string type = node.value("x-kubernetes-list-type", "atomic");
  if (type == "set") {
    list.kind = ListKind::kSet;
  } else if (type == "map") {
    list.kind = ListKind::kMap;
    for (const nlohmann::json& key :
         node.value("x-kubernetes-list-map-keys", nlohmann::json::array())) {
      if (key.is_string()) list.keys.push_back(key.get<std::string>());
    }
  }
  return list;
}

}  // namespace

Schema Schema::For(const ResourceType& type) {
  Schema schema;
  if (type.custom()) {
    if (type.schema.is_object()) {
      schema.root_ = std::make_shared<const nlohmann::json>(type.schema);
      schema.node_ = schema.root_.get();
    }
    return schema;
  }
  if (!type.model.empty()) {
    auto ref = std::make_shared<TypeRef>();
    ref->kind = TypeRef::Kind::kStruct;
    ref->name = type.model;
    schema.type_ = std::move(ref);
  }
  return schema;
}

bool Schema::IsList() const {
  if (type_) return type_->kind == TypeRef::Kind::kArray;
  if (node_) return node_->value("type", "") == "array";
  return false;
}

bool Schema::IsMap() const {
  if (type_) return type_->kind == TypeRef::Kind::kStruct || type_->kind == TypeRef::Kind::kMap;
  if (node_) return node_->value("type", "") == "object";
  return false;
}

Schema Schema::Field(const std::string& name) const {
  Schema child;
  if (type_) {
    if (type_->kind == TypeRef::Kind::kMap) {
      child.type_ = type_->element;
      return child;
    }
    if (type_->kind != TypeRef::Kind::kStruct) return child;
    const typemodel::StructType* owner = typemodel::Find(type_->name);
    const typemodel::Field* field = owner != nullptr ? owner->Find(name) : nullptr;
    if (field == nullptr) return child;
    child.type_ = std::make_shared<const TypeRef>(field->type);
    if (const PatchHint* hint = FindPatchHint(type_->name, name)) {
      child.list_ = hint->list;
      child.retain_keys_ = hint->retain_keys_struct;
    }
    return child;
  }
  if (node_) {
    child.root_ = root_;
    if (node_->contains("properties") && (*node_)["properties"].contains(name)) {
      child.node_ = &(*node_)["properties"][name];
    } else if (node_->contains("additionalProperties") &&
               (*node_)["additionalProperties"].is_object()) {
      child.node_ = &(*node_)["additionalProperties"];
    }
    if (child.node_ != nullptr) {
      if (child.IsList()) child.list_ = CrdList(*child.node_);
      child.atomic_map_ = child.node_->value("x-kubernetes-map-type", "") == "atomic";
    }
  }
  return child;
}

Schema Schema::Element() const {
  Schema child;
  if (type_) {
    if (type_->kind == TypeRef::Kind::kArray) child.type_ = type_->element;
    return child;
  }
  if (node_ && node_->contains("items") && (*node_)["items"].is_object()) {
    child.root_ = root_;
    child.node_ = &(*node_)["items"];
    if (child.IsList()) child.list_ = CrdList(*child.node_);
    child.atomic_map_ = child.node_->value("x-kubernetes-map-type", "") == "atomic";
  }
  return child;
}

}  // namespace converge::apiserver
