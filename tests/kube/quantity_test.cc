// Canonical resource quantities, as apimachinery's Quantity.String() prints them (its
// documented examples in pkg/api/resource/quantity.go and the reference, section 8).

#include <gtest/gtest.h>

#include "kube/kube.h"

namespace converge::kube {
namespace {

TEST(QuantityTest, CanonicalForms) {
  const std::pair<const char*, const char*> kCases[] = {
      {"0.5", "500m"},      {"500m", "500m"},    {"1000m", "1"},     {"2000m", "2"},
      {"1.5", "1500m"},     {"100", "100"},      {"2000", "2k"},     {"1024Mi", "1Gi"},
      {"1536Mi", "1536Mi"}, {"1.5Gi", "1536Mi"}, {"512Mi", "512Mi"}, {"100Ki", "100Ki"},
      {"1e3", "1e3"},       {"0", "0"},          {"0m", "0"},        {"-1", "-1"},
      {"1M", "1M"},         {"1000000", "1M"},   {"0.1", "100m"},    {"1Ki", "1Ki"},
  };
  for (const auto& [input, canonical] : kCases) {
    std::optional<std::string> result = CanonicalQuantity(input);
    ASSERT_TRUE(result.has_value()) << input;
    EXPECT_EQ(*result, canonical) << input;
  }
}

TEST(QuantityTest, RefusesNonQuantities) {
  for (const char* bad : {"", "abc", "1x", "1.2.3", "Mi", "1e"}) {
    EXPECT_FALSE(IsQuantity(bad)) << bad;
    EXPECT_FALSE(CanonicalQuantity(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace converge::kube
