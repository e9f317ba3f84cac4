#pragma once
// base/base64.h: standard base64 (RFC 4648 with padding), as Go's encoding/base64.StdEncoding.

#include <optional>
#include <string>
#include <string_view>

namespace converge {

std::string Base64Encode(std::string_view data);

// Decodes padded standard base64. Line breaks and spaces are skipped (YAML folds !!binary
// values); any other character outside the alphabet, or bad padding, gives nullopt.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace converge
