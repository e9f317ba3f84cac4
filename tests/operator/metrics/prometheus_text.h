#pragma once
// tests/operator/metrics/prometheus_text.h: a strict reader of Prometheus' text exposition
// format (version 0.0.4), written from the format's specification for the tests of /metrics.
// Beyond the syntax (HELP and TYPE lines, label escaping, values, timestamps) it checks what
// Prometheus relies on: one TYPE per family before its samples, a family's lines together,
// no sample twice, and for histograms buckets with an "le" label, cumulative in increasing
// "le" order, ending in "+Inf" equal to _count, with a _sum.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace converge::testing {

struct PromSample {
  std::string name;  // as written: "x_bucket", "x_sum", ...
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromFamily {
  std::string name;
  std::string type = "untyped";
  std::string help;
  std::vector<PromSample> samples;
};

using PromFamilies = std::map<std::string, PromFamily>;

// kInvalid naming the line ("line 12: ...") for anything the format does not allow.
Result<PromFamilies> ParsePrometheusText(std::string_view text);

// The sum of the values of `sample` (a sample name) over the samples whose labels include
// `labels`; 0 when there are none.
double SumOf(const PromFamilies& families, const std::string& sample,
             const std::map<std::string, std::string>& labels = {});

}  // namespace converge::testing
