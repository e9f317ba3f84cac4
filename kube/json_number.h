#pragma once
// kube/json_number.h (internal to kube/): what Go's JSON round trip makes of a float64.
// json.Marshal prints it with the shortest digits ("%f" between 1e-6 and 1e21, so 2^63 prints
// as 9223372036854776000), and decoders that prefer integers (Kubernetes' JSON decoder, goyaml
// reading JSON back) then see an integer only when that text parses as one.

#include <cstdint>
#include <optional>

namespace converge::kube {

std::optional<int64_t> JsonTextAsInt64(double value);
std::optional<uint64_t> JsonTextAsUint64(double value);

}  // namespace converge::kube
