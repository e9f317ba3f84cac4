#include <string>

#include "kube/kube.h"

namespace converge::kube {
namespace {

using nlohmann::json;

std::string Where(std::string_view source, const Document& document) {
  return Origin{.file = std::string(source.empty() ? "<input>" : source),
                .document = document.index,
                .line = document.line}
      .ToString();
}

Status CheckObject(const json& value, const std::string& where, std::string_view what) {
  if (!value.is_object()) {
    return Status::Invalid(where + ": " + std::string(what) +
                           " is not a Kubernetes object: expected a mapping, got a " +
                           std::string(value.is_array() ? "sequence" : value.type_name()));
  }
  for (const char* field : {"apiVersion", "kind"}) {
    auto it = value.find(field);
    if (it == value.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      std::string problem =
          it == value.end() || it->is_null() ? "missing" : "not a non-empty string:";
      return Status::Invalid(where + ": " + std::string(what) +
                             " is not a Kubernetes object: " + problem + " " + field);
    }
  }
  return Status();
}

// Appends `value` to `out`, replacing a list (any object whose "items" is set, as Kubernetes'
// unstructured decoder decides) by its items.
Status Flatten(json value, const std::string& where, std::string_view what, const Origin& origin,
               std::vector<Object>& out) {
  if (value.is_object() && value.contains("items") && !value["items"].is_null()) {
    json& items = value["items"];
    if (!items.is_array()) {
      return Status::Invalid(where + ": " + std::string(what) +
                             ": items of a list must be a sequence");
    }
    std::string api_version = value.value("apiVersion", "");
    std::string kind = value.value("kind", "");
    std::string item_kind =
        kind.size() > 4 && kind.ends_with("List") ? kind.substr(0, kind.size() - 4) : "";
    for (size_t i = 0; i < items.size(); ++i) {
      json& item = items[i];
      std::string item_what = std::string(what) + " item " + std::to_string(i + 1);
      if (item.is_object() && !item.contains("apiVersion") && !item.contains("kind") &&
          !item_kind.empty()) {
        item["apiVersion"] = api_version;
        item["kind"] = item_kind;
      }
      if (Status s = Flatten(std::move(item), where, item_what, origin, out); !s.ok()) return s;
    }
    return Status();
  }
  if (Status s = CheckObject(value, where, what); !s.ok()) return s;
  out.emplace_back(std::move(value), origin);
  return Status();
}

}  // namespace

Result<std::vector<Object>> DecodeObjects(std::string_view text, std::string_view source) {
  Result<std::vector<Document>> documents = DecodeStream(text, source);
  if (!documents.ok()) return documents.status();
  std::vector<Object> objects;
  objects.reserve(documents->size());
  for (Document& document : *documents) {
    if (document.value.is_null()) continue;
    Origin origin{.file = std::string(source), .document = document.index, .line = document.line};
    std::string where = Where(source, document);
    if (Status s = Flatten(std::move(document.value), where, "the document", origin, objects);
        !s.ok()) {
      return s;
    }
  }
  return objects;
}

}  // namespace converge::kube
