#pragma once
// base/strconv.h: number formatting with the exact bytes of Go's strconv, which every tool we
// reproduce (kubectl, Helm, kustomize) prints numbers with.

#include <string>

namespace converge {

// Go's strconv.FormatFloat(value, format, precision, bit_size).
//   format: 'e', 'E', 'f', 'g' or 'G'
//   precision: digits after the point ('e', 'f') or significant digits ('g'); -1 = the fewest
//              digits that read back as the same value
//   bit_size: 64, or 32 to round to float32 first (sigs.k8s.io/yaml prints float keys so)
// NaN and infinities print as "NaN", "+Inf", "-Inf".
std::string FormatFloat(double value, char format, int precision, int bit_size);

}  // namespace converge
