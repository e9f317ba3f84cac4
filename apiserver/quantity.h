#pragma once
// apiserver/quantity.h (internal): resource quantities ("500m", "1Gi", "1e3") in the canonical
// form apimachinery's resource.Quantity prints: 0.5 -> 500m, 1000m -> 1, 1536Mi stays, 1024Mi ->
// 1Gi, 2000 -> 2k.

#include <optional>
#include <string>
#include <string_view>

namespace converge::apiserver {

bool IsQuantity(std::string_view text);

// The canonical spelling, or nullopt when `text` is not a quantity or too large to handle
// exactly (the caller keeps the original then).
std::optional<std::string> CanonicalQuantity(std::string_view text);

}  // namespace converge::apiserver
