#pragma once
// base/strings.h: small ASCII text helpers shared by every library (Kubernetes names, flags and
// file contents are ASCII where these are used).

#include <string>
#include <string_view>

namespace converge {

// ASCII lower case; other bytes are kept.
std::string AsciiLower(std::string_view text);

// `text` without trailing ASCII whitespace (a token or name read from a file).
std::string TrimRight(std::string_view text);

}  // namespace converge
