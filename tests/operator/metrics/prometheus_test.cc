// The test reader of the Prometheus text format against the format's rules, then the
// operator's writer (operator/metrics) read back through it.
#include "operator/metrics/prometheus.h"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/operator/metrics/prometheus_text.h"

namespace converge::testing {
namespace {

constexpr char kExample[] =
    R"(# HELP api_requests_total Requests served,\nby method and code (a \\ stays).
# TYPE api_requests_total counter
api_requests_total{method="post",code="200"} 1027 1395066363000
api_requests_total{method="post",code="400",} 3

# A comment line.
file_seconds{path="C:\\DIR\\F.TXT",error="no file:\n\"F.TXT\""} 1.458255915e9
plain_metric 12.47
odd{problem="division by zero"} +Inf -3982045
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.05"} 24
latency_seconds_bucket{le="0.1"} 33
latency_seconds_bucket{le="+Inf"} 144
latency_seconds_sum 53.4
latency_seconds_count 144
)";

TEST(PrometheusTextTest, ReadsTheFormat) {
  Result<PromFamilies> parsed = ParsePrometheusText(kExample);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const PromFamily& requests = parsed->at("api_requests_total");
  EXPECT_EQ(requests.type, "counter");
  EXPECT_EQ(requests.help, "Requests served,\nby method and code (a \\ stays).");
  EXPECT_EQ(SumOf(*parsed, "api_requests_total"), 1030);
  EXPECT_EQ(SumOf(*parsed, "api_requests_total", {{"code", "400"}}), 3);
  const PromSample& file = parsed->at("file_seconds").samples.at(0);
  EXPECT_EQ(file.labels.at("path"), "C:\\DIR\\F.TXT");
  EXPECT_EQ(file.labels.at("error"), "no file:\n\"F.TXT\"");
  EXPECT_EQ(parsed->at("file_seconds").type, "untyped");
  EXPECT_TRUE(std::isinf(SumOf(*parsed, "odd")));
  EXPECT_EQ(parsed->at("latency_seconds").samples.size(), 5u);
  EXPECT_EQ(SumOf(*parsed, "latency_seconds_count"), 144);
}

TEST(PrometheusTextTest, RefusesWhatTheFormatForbids) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"buckets not cumulative",
       "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 4\nh_bucket{le=\"+Inf\"} 5\n"
       "h_sum 1\nh_count 5\n"},
      {"no +Inf bucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_sum 1\nh_count 5\n"},
      {"count differs", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 5\nh_sum 1\nh_count 6\n"},
      {"no sum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 5\nh_count 5\n"},
      {"bounds not increasing",
       "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
       "h_sum 1\nh_count 1\n"},
      {"unknown escape", "m{a=\"x\\ty\"} 1\n"},
      {"unterminated value", "m{a=\"x} 1\n"},
      {"bad label name", "m{1a=\"x\"} 1\n"},
      {"label twice", "m{a=\"x\",a=\"y\"} 1\n"},
      {"TYPE after samples", "m 1\n# TYPE m counter\n"},
      {"TYPE twice", "# TYPE m counter\n# TYPE m counter\nm 1\n"},
      {"unknown type", "# TYPE m meter\nm 1\n"},
      {"families interleaved", "a 1\nb 1\na{x=\"1\"} 2\n"},
      {"sample repeated", "a{x=\"1\"} 1\na{x=\"1\"} 2\n"},
      {"bad value", "a 1,5\n"},
      {"hex value", "a 0x10\n"},
      {"bad timestamp", "a 1 soon\n"},
      {"no final newline", "a 1"},
      {"bad metric name", "9a 1\n"},
  };
  for (const auto& [what, text] : cases) {
    EXPECT_FALSE(ParsePrometheusText(text).ok()) << what;
  }
}

TEST(PrometheusWriterTest, OutputReadsBackWithEscapesAndHistograms) {
  std::string out;
  metrics::Describe(out, "converge_test_total", "counter", "Back\\slash and\nnewline.");
  std::string awkward = "C:\\path \"quoted\"\nsecond line";
  metrics::Sample(out, "converge_test_total", {{"value", awkward}, {"plain", "x"}}, 3);
  metrics::Histogram histogram;
  for (double seconds : {0.001, 0.02, 0.02, 0.7, 30.0}) histogram.Observe(seconds);
  metrics::Describe(out, "converge_test_seconds", "histogram", "Durations.");
  histogram.Write(out, "converge_test_seconds", {{"kind", "a"}});
  Result<PromFamilies> parsed = ParsePrometheusText(out);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << out;
  EXPECT_EQ(parsed->at("converge_test_total").help, "Back\\slash and\nnewline.");
  EXPECT_EQ(parsed->at("converge_test_total").samples.at(0).labels.at("value"), awkward);
  EXPECT_EQ(SumOf(*parsed, "converge_test_seconds_count", {{"kind", "a"}}), 5);
  EXPECT_EQ(SumOf(*parsed, "converge_test_seconds_bucket", {{"le", "0.025"}}), 3);
  EXPECT_EQ(SumOf(*parsed, "converge_test_seconds_bucket", {{"le", "+Inf"}}), 5);
  EXPECT_NEAR(SumOf(*parsed, "converge_test_seconds_sum"), 30.741, 1e-9);
}

}  // namespace
}  // namespace converge::testing
