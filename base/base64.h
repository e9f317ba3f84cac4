#pragma once
// base/base64.h: base64 as Go's encoding/base64 writes it: StdEncoding and RawURLEncoding.

#include <optional>
#include <string>
#include <string_view>

namespace converge {

std::string Base64Encode(std::string_view data);

// Decodes padded standard base64. Line breaks and spaces are skipped (YAML folds !!binary
// values); any other character outside the alphabet, or bad padding, gives nullopt.
std::optional<std::string> Base64Decode(std::string_view text);

// The URL-safe alphabet without padding, as Go's base64.RawURLEncoding (JWTs, continue tokens).
std::string Base64UrlEncode(std::string_view data);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace converge
