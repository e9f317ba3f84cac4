// Secret masking. Values are replaced per key: the first distinct value seen on either side
// becomes eight '+', each further distinct value four more, so a diff still shows that a value
// changed while revealing neither the value nor its length.

#include <map>
#include <set>
#include <string>

#include "diff/diff.h"
#include "kube/kube.h"

namespace converge::diff {
namespace {

using nlohmann::json;

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

bool IsSecret(const json* object) {
  return object != nullptr && object->is_object() &&
         kube::StringAt(*object, {"kind"}) == "Secret" &&
         kube::StringAt(*object, {"apiVersion"}) == "v1";
}

// The last-applied annotation of `object`, decoded, or null.
json LastApplied(const json* object) {
  if (object == nullptr) return nullptr;
  std::string_view text = kube::StringAt(*object, {"metadata", "annotations", kLastApplied});
  if (text.empty()) return nullptr;
  json decoded = json::parse(text, nullptr, false);
  return decoded.is_discarded() || !decoded.is_object() ? json(nullptr) : decoded;
}

void MaskField(std::vector<json*>& objects, const char* field) {
  std::set<std::string> keys;
  for (json* object : objects) {
    auto it = object->find(field);
    if (it == object->end() || !it->is_object()) continue;
    for (const auto& item : it->items()) keys.insert(item.key());
  }
  for (const std::string& key : keys) {
    std::map<std::string, std::string> masks;
    std::string next(8, '+');
    for (json* object : objects) {
      auto it = object->find(field);
      if (it == object->end() || !it->is_object()) continue;
      auto value = it->find(key);
      if (value == it->end()) continue;
      std::string plain = value->is_string() ? value->get<std::string>() : value->dump();
      auto [slot, added] = masks.emplace(std::move(plain), next);
      if (added) next.append(4, '+');
      *value = slot->second;
    }
  }
}

}  // namespace

void MaskSecrets(json* desired, json* live) {
  if (!IsSecret(desired) && !IsSecret(live)) return;
  json desired_applied = LastApplied(desired);
  json live_applied = LastApplied(live);
  std::vector<json*> objects;
  for (json* object : {desired, live, &desired_applied, &live_applied}) {
    if (object != nullptr && object->is_object()) objects.push_back(object);
  }
  MaskField(objects, "data");
  MaskField(objects, "stringData");
  if (desired_applied.is_object()) {
    (*desired)["metadata"]["annotations"][kLastApplied] = kube::EncodeJson(desired_applied);
  }
  if (live_applied.is_object()) {
    (*live)["metadata"]["annotations"][kLastApplied] = kube::EncodeJson(live_applied);
  }
}

}  // namespace converge::diff
