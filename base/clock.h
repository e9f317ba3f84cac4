#pragma once
// base/clock.h: wall-clock seconds and their RFC 3339 form, as Kubernetes metadata carries
// them (second precision, UTC, "2026-11-29T21:45:56Z").

#include <cstdint>
#include <string>

namespace converge {

// Seconds since the Unix epoch.
int64_t UnixSeconds();

// "2026-11-29T21:45:56Z" for a Unix time.
std::string FormatRfc3339(int64_t seconds);

// The Unix time of an RFC 3339 timestamp at second precision; 0 when malformed.
int64_t ParseRfc3339(const std::string& text);

}  // namespace converge
