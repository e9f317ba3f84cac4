#pragma once
// base/duration.h: durations written and printed the way Go's time package does, because the
// manifests Converge reads (Argo CD's retry backoff, Flux's intervals) and the tools it mirrors
// use that syntax: "90s", "1h30m", "1.5h", "300ms".

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace converge {

// Go's time.ParseDuration: an optional sign, then one or more decimal numbers each with a unit
// (ns, us, µs, μs, ms, s, m, h); "0" alone is allowed. Errors are kInvalid with Go's wording
// (`time: invalid duration "x"`, `time: missing unit in duration "1"`, `time: unknown unit "d"
// in duration "1d"`).
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Go's Duration.String(): "1h2m3.5s", "1.5ms", "0s".
std::string FormatDuration(std::chrono::nanoseconds duration);

}  // namespace converge
