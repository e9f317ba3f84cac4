#pragma once
// kube/json_decode.h (internal to kube/): a stream of JSON values, as apimachinery's decoder
// reads a manifest that starts with '{'.

#include <string_view>
#include <vector>

#include "base/status.h"
#include "kube/kube.h"

namespace converge::kube {

// Values separated by whitespace. Integers beyond int64 become doubles, as Kubernetes' JSON
// decoder makes them; later duplicate keys win, as in Go.
Result<std::vector<Document>> DecodeJsonStream(std::string_view text, std::string_view source);

}  // namespace converge::kube
