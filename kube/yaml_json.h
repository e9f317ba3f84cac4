#pragma once
// kube/yaml_json.h (internal to kube/): what sigs.k8s.io/yaml's conversion to JSON makes of a
// scalar that kube/yaml_resolve.h has typed.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "kube/yaml_resolve.h"

namespace converge::kube::yaml {

// The JSON value of a scalar as Kubernetes sees it after the round trip through JSON; NaN and
// infinities are refused. `text` is the scalar's text.
Result<nlohmann::json> ScalarToJson(const Scalar& scalar, std::string_view text);

// The key a scalar becomes: non-string keys turn into strings; null and unsigned keys are
// refused.
Result<std::string> KeyFromScalar(const Scalar& scalar, std::string_view text);

}  // namespace converge::kube::yaml
