#include "apiserver/fieldset.h"

#include <algorithm>
#include <functional>

#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

// Defaults of list-map key fields that clients may omit (smd fills them from the schema).
json KeyDefault(const std::string& key) {
  if (key == "protocol") return "TCP";
  return nullptr;
}

std::string KeyElement(const json& item, const std::vector<std::string>& keys) {
  json key = json::object();
  for (const std::string& name : keys) {
    if (item.contains(name) && !item[name].is_null()) {
      key[name] = item[name];
    } else if (json fallback = KeyDefault(name); !fallback.is_null()) {
      key[name] = fallback;
    }
  }
  return "k:" + kube::EncodeJson(key);
}

bool ItemMatches(const json& item, const std::string& element) {
  if (element.rfind("k:", 0) == 0) {
    json key = json::parse(element.substr(2), nullptr, false);
    if (!key.is_object() || !item.is_object()) return false;
    for (auto it = key.begin(); it != key.end(); ++it) {
      json have = item.contains(it.key()) ? item[it.key()] : KeyDefault(it.key());
      if (have != it.value()) return false;
    }
    return true;
  }
  if (element.rfind("v:", 0) == 0) return kube::EncodeJson(item) == element.substr(2);
  return false;
}

}  // namespace

FieldSet FieldSet::FromFieldsV1(const json& fields) {
  FieldSet set;
  if (!fields.is_object()) return set;
  if (fields.empty()) {
    set.self_ = true;
    return set;
  }
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (it.key() == ".") {
      set.self_ = true;
    } else {
      set.children_[it.key()] = FromFieldsV1(it.value());
    }
  }
  return set;
}

json FieldSet::ToFieldsV1() const {
  json out = json::object();
  if (self_ && !children_.empty()) out["."] = json::object();
  for (const auto& [key, child] : children_) out[key] = child.ToFieldsV1();
  return out;
}

FieldSet FieldSet::Of(const json& value, const Schema& schema) {
  FieldSet set;
  if (value.is_object() && !schema.AtomicMap()) {
    if (value.empty()) {
      set.self_ = true;
      return set;
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
      set.children_["f:" + it.key()] = Of(it.value(), schema.Field(it.key()));
    }
    return set;
  }
  if (value.is_array()) {
    const ListSemantics& list = schema.list();
    if (list.kind == ListKind::kAtomic || value.empty()) {
      set.self_ = true;
      return set;
    }
    for (const json& item : value) {
      if (list.kind == ListKind::kSet) {
        set.children_["v:" + kube::EncodeJson(item)].self_ = true;
      } else if (item.is_object()) {
        FieldSet child = Of(item, schema.Element());
        child.self_ = true;
        set.children_[KeyElement(item, list.keys)] = std::move(child);
      }
    }
    return set;
  }
  set.self_ = true;
  return set;
}

FieldSet FieldSet::Union(const FieldSet& other) const {
  FieldSet out = *this;
  out.self_ = self_ || other.self_;
  for (const auto& [key, child] : other.children_) {
    auto it = out.children_.find(key);
    if (it == out.children_.end()) {
      out.children_[key] = child;
    } else {
      it->second = it->second.Union(child);
    }
  }
  return out;
}

FieldSet FieldSet::Difference(const FieldSet& other) const {
  FieldSet out;
  out.self_ = self_ && !other.self_;
  for (const auto& [key, child] : children_) {
    auto it = other.children_.find(key);
    FieldSet rest = it == other.children_.end() ? child : child.Difference(it->second);
    if (!rest.empty()) out.children_[key] = std::move(rest);
  }
  return out;
}

FieldSet FieldSet::Intersection(const FieldSet& other) const {
  FieldSet out;
  out.self_ = self_ && other.self_;
  for (const auto& [key, child] : children_) {
    auto it = other.children_.find(key);
    if (it == other.children_.end()) continue;
    FieldSet both = child.Intersection(it->second);
    if (!both.empty()) out.children_[key] = std::move(both);
  }
  return out;
}

std::vector<std::vector<std::string>> FieldSet::Members() const {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> prefix;
  std::function<void(const FieldSet&)> walk = [&](const FieldSet& node) {
    if (node.self_ && !prefix.empty()) out.push_back(prefix);
    for (const auto& [key, child] : node.children_) {
      prefix.push_back(key);
      walk(child);
      prefix.pop_back();
    }
  };
  walk(*this);
  return out;
}

bool FieldSet::Contains(const std::vector<std::string>& path) const {
  const FieldSet* node = this;
  for (const std::string& element : path) {
    auto it = node->children_.find(element);
    if (it == node->children_.end()) return false;
    node = &it->second;
  }
  return node->self_;
}

bool FieldSet::ContainsPrefix(const std::vector<std::string>& path) const {
  const FieldSet* node = this;
  for (const std::string& element : path) {
    auto it = node->children_.find(element);
    if (it == node->children_.end()) return false;
    node = &it->second;
  }
  return !node->empty();
}

void FieldSet::Insert(const std::vector<std::string>& path) {
  FieldSet* node = this;
  for (const std::string& element : path) node = &node->children_[element];
  node->self_ = true;
}

std::string FieldSet::PathString(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& element : path) {
    if (element.rfind("f:", 0) == 0) {
      out += "." + element.substr(2);
    } else if (element.rfind("k:", 0) == 0) {
      json key = json::parse(element.substr(2), nullptr, false);
      out += "[";
      bool first = true;
      for (auto it = key.begin(); it != key.end(); ++it) {
        out += (first ? "" : ",") + it.key() + "=" + kube::EncodeJson(it.value());
        first = false;
      }
      out += "]";
    } else if (element.rfind("v:", 0) == 0) {
      out += "[=" + element.substr(2) + "]";
    } else if (element.rfind("i:", 0) == 0) {
      out += "[" + element.substr(2) + "]";
    }
  }
  return out;
}

const json* Lookup(const json& value, const std::vector<std::string>& path) {
  const json* node = &value;
  for (const std::string& element : path) {
    if (element.rfind("f:", 0) == 0) {
      std::string name = element.substr(2);
      if (!node->is_object() || !node->contains(name)) return nullptr;
      node = &(*node)[name];
    } else {
      if (!node->is_array()) return nullptr;
      const json* found = nullptr;
      for (const json& item : *node) {
        if (ItemMatches(item, element)) {
          found = &item;
          break;
        }
      }
      if (found == nullptr) return nullptr;
      node = found;
    }
  }
  return node;
}

void Remove(json& value, const std::vector<std::string>& path) {
  if (path.empty()) return;
  std::vector<std::string> parent_path(path.begin(), path.end() - 1);
  json* parent = const_cast<json*>(Lookup(value, parent_path));
  if (parent == nullptr) return;
  const std::string& last = path.back();
  if (last.rfind("f:", 0) == 0) {
    if (parent->is_object()) parent->erase(last.substr(2));
    return;
  }
  if (!parent->is_array()) return;
  for (size_t i = 0; i < parent->size(); ++i) {
    if (ItemMatches((*parent)[i], last)) {
      parent->erase(i);
      return;
    }
  }
}

}  // namespace converge::apiserver
