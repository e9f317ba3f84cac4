// Normalization: the spellings under which a desired value and a live value mean the same.

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>

#include "base/base64.h"
#include "diff/internal.h"

namespace converge::diff {
namespace {

using nlohmann::json;

// A quantity as an exact decimal: digits without leading or trailing zeros, times 10^exponent.
struct Decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
  bool operator==(const Decimal&) const = default;
};

// Multiplies a decimal digit string by a small factor.
void MultiplyDigits(std::string& digits, uint32_t factor) {
  uint64_t carry = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    uint64_t value = static_cast<uint64_t>(digits[i] - '0') * factor + carry;
    digits[i] = static_cast<char>('0' + value % 10);
    carry = value / 10;
  }
  while (carry > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + carry % 10));
    carry /= 10;
  }
}

void Canonicalize(Decimal& decimal) {
  size_t first = decimal.digits.find_first_not_of('0');
  if (first == std::string::npos) {
    decimal = Decimal{};
    return;
  }
  decimal.digits.erase(0, first);
  while (decimal.digits.back() == '0') {
    decimal.digits.pop_back();
    ++decimal.exponent;
  }
}

// Kubernetes' quantity grammar: sign, digits, optional fraction, then a binary suffix
// (Ki..Ei), a decimal suffix (n u m "" k M G T P E) or an exponent (e3, E-2).
std::optional<Decimal> ParseQuantity(std::string_view text) {
  Decimal out;
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) out.negative = text[i++] == '-';
  bool any = false;
  bool fraction = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      out.digits.push_back(c);
      if (fraction) --out.exponent;
      any = true;
    } else if (c == '.' && !fraction) {
      fraction = true;
    } else {
      break;
    }
  }
  if (!any) return std::nullopt;
  std::string_view suffix = text.substr(i);
  static constexpr std::array<std::pair<std::string_view, int>, 6> kBinary = {
      {{"Ki", 1}, {"Mi", 2}, {"Gi", 3}, {"Ti", 4}, {"Pi", 5}, {"Ei", 6}}};
  static constexpr std::array<std::pair<std::string_view, int>, 9> kDecimal = {{{"n", -9},
                                                                                {"u", -6},
                                                                                {"m", -3},
                                                                                {"", 0},
                                                                                {"k", 3},
                                                                                {"M", 6},
                                                                                {"G", 9},
                                                                                {"T", 12},
                                                                                {"P", 15}}};
  for (const auto& [name, power] : kBinary) {
    if (suffix == name) {
      for (int p = 0; p < power; ++p) MultiplyDigits(out.digits, 1024);
      Canonicalize(out);
      return out;
    }
  }
  for (const auto& [name, power] : kDecimal) {
    if (suffix == name) {
      out.exponent += power;
      Canonicalize(out);
      return out;
    }
  }
  if (suffix == "E") {
    out.exponent += 18;
    Canonicalize(out);
    return out;
  }
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    size_t j = 1;
    bool negative = false;
    if (suffix[j] == '+' || suffix[j] == '-') negative = suffix[j++] == '-';
    if (j >= suffix.size() || suffix.size() - j > 6) return std::nullopt;
    int64_t power = 0;
    for (; j < suffix.size(); ++j) {
      if (suffix[j] < '0' || suffix[j] > '9') return std::nullopt;
      power = power * 10 + (suffix[j] - '0');
    }
    out.exponent += negative ? -power : power;
    Canonicalize(out);
    return out;
  }
  return std::nullopt;
}

std::optional<Decimal> QuantityOf(const json& value) {
  if (value.is_string()) return ParseQuantity(value.get_ref<const std::string&>());
  if (value.is_number_integer() || value.is_number_unsigned()) return ParseQuantity(value.dump());
  if (value.is_number_float()) {
    // Desired YAML like `cpu: 0.5`; printed in fixed notation so the parser reads it.
    std::string text = std::to_string(value.get<double>());
    return ParseQuantity(text);
  }
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
  if (!quantity) return false;
  std::optional<Decimal> a = QuantityOf(desired);
  if (!a) return false;
  std::optional<Decimal> b = QuantityOf(live);
  return b && *a == *b;
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
