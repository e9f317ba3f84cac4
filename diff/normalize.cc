// Normalization: the spellings under which a desired value and a live value mean the same.

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "base/base64.h"
#include "diff/internal.h"

namespace converge::diff {
namespace {

using nlohmann::json;

// The stored spelling of a quantity given as a string or, from YAML, a number.
std::optional<std::string> CanonicalQuantity(const json& value) {
  if (value.is_string()) return kube::CanonicalQuantity(value.get_ref<const std::string&>());
  if (value.is_number()) return kube::CanonicalQuantity(value.dump());
  return std::nullopt;
}

// Sorted by field, searched linearly: short enough that a search tree would cost more.
struct MergeKeyRow {
  std::string_view field;
  MergeKey key;
};
constexpr std::array<MergeKeyRow, 17> kMergeKeys = {{
    {"conditions", {"type", "", ""}},
    {"containers", {"name", "", ""}},
    {"env", {"name", "", ""}},
    {"ephemeralContainers", {"name", "", ""}},
    {"hostAliases", {"ip", "", ""}},
    {"imagePullSecrets", {"name", "", ""}},
    {"initContainers", {"name", "", ""}},
    {"readinessGates", {"conditionType", "", ""}},
    {"resourceClaims", {"name", "", ""}},
    {"schedulingGates", {"name", "", ""}},
    {"topologySpreadConstraints", {"topologyKey", "whenUnsatisfiable", ""}},
    {"volumeDevices", {"devicePath", "", ""}},
    {"volumeMounts", {"mountPath", "", ""}},
    {"volumes", {"name", "", ""}},
    {"webhooks", {"name", "", ""}},
    // Container ports and Service ports share the field name; the first key field differs.
    {"ports", {"containerPort", "protocol", "TCP"}},
    {"ports", {"port", "protocol", "TCP"}},
}};

const json* Field(const json& item, std::string_view name) {
  if (!item.is_object()) return nullptr;
  auto it = item.find(name);
  return it == item.end() ? nullptr : &*it;
}

bool FieldEqual(const json& a, const json& b, std::string_view name, std::string_view fallback) {
  const json* x = Field(a, name);
  const json* y = Field(b, name);
  if (x != nullptr && y != nullptr) return *x == *y;
  if (fallback.empty()) return x == nullptr && y == nullptr;
  const json* present = x != nullptr ? x : y;
  return present == nullptr ||
         (present->is_string() && present->get_ref<const std::string&>() == fallback);
}

// JSON text of a key field as Go's encoding/json writes it, without allocating for the usual
// strings and integers.
void AppendJsonScalar(std::string& out, const json& value) {
  if (value.is_number_integer()) {
    char buffer[24];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value.get<int64_t>());
    out.append(buffer, end);
    return;
  }
  if (!value.is_string()) {
    out += value.dump();
    return;
  }
  out += '"';
  for (char c : value.get_ref<const std::string&>()) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || c == '<' || c == '>' || c == '&') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

bool IsZero(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return true;
    case json::value_t::string:
      return value.get_ref<const std::string&>().empty();
    case json::value_t::boolean:
      return !value.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return value == 0;
    case json::value_t::object:
    case json::value_t::array:
      return std::all_of(value.begin(), value.end(), [](const json& v) { return IsZero(v); });
    default:
      return false;
  }
}

bool HoldsQuantities(std::string_view key) {
  return key == "limits" || key == "requests" || key == "hard" || key == "capacity" ||
         key == "overhead" || key == "allocatable";
}

bool IsQuantityField(std::string_view key) { return key == "sizeLimit"; }

bool ScalarEqual(const json& desired, const json& live, bool quantity) {
  if (desired == live) return true;
  if (!quantity || !live.is_string()) return false;
  std::optional<std::string> stored = CanonicalQuantity(desired);
  return stored &&
         (*stored == live.get_ref<const std::string&>() || stored == CanonicalQuantity(live));
}

const MergeKey* FindMergeKey(std::string_view field, const json& list) {
  const json* sample = list.empty() ? nullptr : &list.front();
  if (sample == nullptr || !sample->is_object()) return nullptr;
  for (const MergeKeyRow& row : kMergeKeys) {
    if (row.field != field) continue;
    if (Field(*sample, row.key.first) != nullptr) return &row.key;
  }
  return nullptr;
}

bool SameItem(const MergeKey& key, const json& a, const json& b) {
  return FieldEqual(a, b, key.first, "") &&
         (key.second.empty() || FieldEqual(a, b, key.second, key.second_default));
}

void AppendOwnedItemKey(std::string& out, const MergeKey& key, const json& item) {
  // Field names in key order are already sorted for every row of kMergeKeys, as the
  // managedFields encoding requires.
  out += "k:{\"";
  out += key.first;
  out += "\":";
  const json* first = Field(item, key.first);
  AppendJsonScalar(out, first != nullptr ? *first : json());
  if (!key.second.empty()) {
    out += ",\"";
    out += key.second;
    out += "\":";
    const json* second = Field(item, key.second);
    if (second != nullptr) {
      AppendJsonScalar(out, *second);
    } else {
      out += '"';
      out += key.second_default;
      out += '"';
    }
  }
  out += '}';
}

void FoldStringData(json& object) {
  auto string_data = object.find("stringData");
  if (string_data == object.end()) return;
  if (string_data->is_object()) {
    json& data = object["data"];
    if (!data.is_object()) data = json::object();
    for (auto& [key, value] : string_data->items()) {
      data[key] = Base64Encode(value.is_string() ? value.get_ref<const std::string&>() : "");
    }
  }
  object.erase("stringData");
}

void AppendPointerToken(std::string& pointer, std::string_view token) {
  pointer.push_back('/');
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer.push_back(c);
    }
  }
}

}  // namespace converge::diff
