// Oracle: Go's own strconv, reached through Helm 4.1.4's printf (Go fmt formats floats with
// strconv.AppendFloat). One helm run prints every case; each line is compared with FormatFloat.

#include "base/strconv.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge {
namespace {

struct Verb {
  const char* printf_verb;
  char format;
  int precision;
};

constexpr Verb kVerbs[] = {
    {"%v", 'g', -1},  {"%g", 'g', -1},    {"%G", 'G', -1},  {"%e", 'e', 6},
    {"%E", 'E', 6},   {"%f", 'f', 6},     {"%.0f", 'f', 0}, {"%.2f", 'f', 2},
    {"%.0e", 'e', 0}, {"%.3e", 'e', 3},   {"%.0g", 'g', 0}, {"%.1g", 'g', 1},
    {"%.5g", 'g', 5}, {"%.10g", 'g', 10}, {"%.3G", 'G', 3}, {"%.17g", 'g', 17},
};

// Written as Go template float literals (a '.' or an 'e' makes them float64).
constexpr const char* kValues[] = {"0.0",
                                   "1.0",
                                   "100.0",
                                   "123456.0",
                                   "1234567.0",
                                   "1e6",
                                   "1e20",
                                   "1e21",
                                   "1.5e-7",
                                   "0.0001",
                                   "0.00001",
                                   "3.14159265358979",
                                   "2.5",
                                   "0.125",
                                   "1e-320",
                                   "1.7976931348623157e308",
                                   "123.456",
                                   "5e-324",
                                   "0.1",
                                   "-2.75",
                                   "9007199254740993.0",
                                   "1234.5678",
                                   "999999.5",
                                   "0.000123456",
                                   "-1e-7",
                                   "12345678901.0"};

TEST(StrconvTest, FormatFloatMatchesGo) {
  testing::TempDir dir;
  std::string body;
  for (size_t v = 0; v < std::size(kValues); ++v) {
    for (size_t f = 0; f < std::size(kVerbs); ++f) {
      body += "#oracle " + std::to_string(v) + " " + std::to_string(f) + " {{ printf \"" +
              kVerbs[f].printf_verb + "\" " + kValues[v] + " }}\n";
    }
  }
  dir.Write("chart/Chart.yaml", "apiVersion: v2\nname: oracle\nversion: 0.1.0\n");
  dir.Write("chart/templates/out.yaml", body);
  testing::ProcessResult run = testing::Run({(testing::OracleDir() / "helm4").string(), "template",
                                             "o", (dir.path() / "chart").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  size_t checked = 0;
  size_t pos = 0;
  while (pos < run.out.size()) {
    size_t end = run.out.find('\n', pos);
    std::string line = run.out.substr(pos, end - pos);
    pos = end == std::string::npos ? run.out.size() : end + 1;
    size_t v = 0;
    size_t f = 0;
    int consumed = 0;
    if (std::sscanf(line.c_str(), "#oracle %zu %zu %n", &v, &f, &consumed) != 2 || consumed == 0) {
      continue;
    }
    std::string expected = line.substr(static_cast<size_t>(consumed));
    ASSERT_LT(v, std::size(kValues));
    ASSERT_LT(f, std::size(kVerbs));
    double value = std::strtod(kValues[v], nullptr);
    EXPECT_EQ(FormatFloat(value, kVerbs[f].format, kVerbs[f].precision, 64), expected)
        << kVerbs[f].printf_verb << " of " << kValues[v];
    ++checked;
  }
  EXPECT_EQ(checked, std::size(kValues) * std::size(kVerbs));
}

// sigs.k8s.io/yaml prints float map keys with bitSize 32; the expectations are what Helm
// printed for such keys (checked in kube/yaml_oracle_test.cc through real YAML keys).
TEST(StrconvTest, ThirtyTwoBitShortest) {
  EXPECT_EQ(FormatFloat(0.1, 'g', -1, 32), "0.1");
  EXPECT_EQ(FormatFloat(1.5, 'g', -1, 32), "1.5");
  EXPECT_EQ(FormatFloat(1e7, 'g', -1, 32), "1e+07");
  EXPECT_EQ(FormatFloat(123456789.0, 'g', -1, 32), "1.2345679e+08");
}

TEST(StrconvTest, SpecialValues) {
  EXPECT_EQ(FormatFloat(std::numeric_limits<double>::infinity(), 'g', -1, 64), "+Inf");
  EXPECT_EQ(FormatFloat(-std::numeric_limits<double>::infinity(), 'g', -1, 64), "-Inf");
  EXPECT_EQ(FormatFloat(std::nan(""), 'g', -1, 64), "NaN");
  EXPECT_EQ(FormatFloat(-0.0, 'g', -1, 64), "-0");
}

}  // namespace
}  // namespace converge
