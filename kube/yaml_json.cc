// sigs.k8s.io/yaml's conversion of typed scalars to JSON.

#include "kube/yaml_json.h"

#include <cmath>
#include <optional>

#include "base/strconv.h"
#include "kube/json_number.h"

namespace converge::kube::yaml {

// Kubernetes sees YAML values through a JSON round trip: json.Marshal prints an integral
// float64 without a fraction and the JSON decoder then reads it back as int64.
Result<nlohmann::json> ScalarToJson(const Scalar& scalar, std::string_view text) {
  switch (scalar.kind) {
    case ScalarKind::kNull:
      return nlohmann::json(nullptr);
    case ScalarKind::kBool:
      return nlohmann::json(scalar.boolean);
    case ScalarKind::kInt:
      return nlohmann::json(scalar.integer);
    case ScalarKind::kUint:
      return nlohmann::json(static_cast<double>(scalar.unsigned_integer));
    case ScalarKind::kFloat: {
      double value = scalar.floating;
      if (std::isnan(value) || std::isinf(value)) {
        return Status::Invalid("`" + std::string(text) +
                               "` is not a number JSON can hold (NaN and infinities are refused)");
      }
      if (std::optional<int64_t> integer = JsonTextAsInt64(value)) return nlohmann::json(*integer);
      return nlohmann::json(value);
    }
    case ScalarKind::kString:
    case ScalarKind::kTimestamp:
    case ScalarKind::kMerge:
      return nlohmann::json(std::string(text));
  }
  return nlohmann::json(std::string(text));
}

// sigs.k8s.io/yaml turns non-string keys into strings; null, unsigned and big keys are refused.
Result<std::string> KeyFromScalar(const Scalar& scalar, std::string_view text) {
  switch (scalar.kind) {
    case ScalarKind::kString:
    case ScalarKind::kTimestamp:
    case ScalarKind::kMerge:
      return std::string(text);
    case ScalarKind::kBool:
      return std::string(scalar.boolean ? "true" : "false");
    case ScalarKind::kInt:
      return std::to_string(scalar.integer);
    case ScalarKind::kFloat: {
      std::string key = FormatFloat(scalar.floating, 'g', -1, 32);
      return key == "+Inf" ? ".inf" : key == "-Inf" ? "-.inf" : key == "NaN" ? ".nan" : key;
    }
    case ScalarKind::kNull:
      return Status::Invalid("null map key is not allowed");
    case ScalarKind::kUint:
      return Status::Invalid("map key `" + std::string(text) + "` is too large an integer");
  }
  return std::string(text);
}

}  // namespace converge::kube::yaml
