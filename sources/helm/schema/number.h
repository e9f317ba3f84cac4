#pragma once
// sources/helm/schema/number.h (internal): numbers as santhosh-tekuri/jsonschema compares them
// (exact rationals, here exact decimals: a schema literal or the shortest text of a float64 value)
// and as its messages print them (golang.org/x/text/message with English: "1,500.5", "2×10⁻⁰⁵").

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace converge::sources::helm::schema {

// digits × 10^exponent, negated when `negative`. digits has no leading zeros; zero is "".
struct Decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
};

// REQUIRES: value.is_number()
Decimal ToDecimal(const nlohmann::json& value);
// -1, 0 or 1.
int Compare(const Decimal& a, const Decimal& b);
// Whether a / b is an integer. REQUIRES: b is not zero.
bool IsMultiple(const Decimal& a, const Decimal& b);
bool IsInteger(const Decimal& value);
double ToDouble(const Decimal& value);

// x/text/message's %v of a float64: %g's choice between plain and scientific, digit grouping,
// and "×10" with superscript exponents.
std::string DisplayFloat(double value);
// x/text/message's %d: digit grouping.
std::string DisplayInt(int64_t value);

}  // namespace converge::sources::helm::schema
