#include "kube/json_number.h"

#include <charconv>
#include <cmath>
#include <string>

#include "base/strconv.h"

namespace converge::kube {
namespace {

template <typename Int>
std::optional<Int> Parse(double value) {
  if (!std::isfinite(value) || std::trunc(value) != value || std::fabs(value) >= 1e21) {
    return std::nullopt;
  }
  std::string text = FormatFloat(value, 'f', -1, 64);
  Int parsed = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return parsed;
}

}  // namespace

std::optional<int64_t> JsonTextAsInt64(double value) { return Parse<int64_t>(value); }
std::optional<uint64_t> JsonTextAsUint64(double value) { return Parse<uint64_t>(value); }

}  // namespace converge::kube
