#pragma once
// operator/metrics/prometheus.h: Prometheus' text exposition format (version 0.0.4), written by
// hand: counters, gauges and histograms with labels, as /metrics serves them.

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace converge::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Appends "# HELP" and "# TYPE" lines.
void Describe(std::string& out, std::string_view name, std::string_view type,
              std::string_view help);
// Appends one sample line: name{labels} value.
void Sample(std::string& out, std::string_view name, const Labels& labels, double value);

// A histogram of durations in seconds with Prometheus' default buckets. Thread-safe.
class Histogram {
 public:
  static constexpr std::array<double, 11> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,    2.5,   5,    10};
  void Observe(double seconds);
  // Appends the _bucket, _sum and _count samples (not the HELP/TYPE lines).
  void Write(std::string& out, std::string_view name, const Labels& labels) const;

 private:
  mutable std::mutex mu_;
  std::array<uint64_t, kBuckets.size()> counts_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace converge::metrics
