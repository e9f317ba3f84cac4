#include "operator/metrics/prometheus.h"

#include "base/strconv.h"

namespace converge::metrics {
namespace {

// Label values escape backslash, double quote and newline.
std::string Escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// HELP text escapes backslash and newline only.
std::string EscapeHelp(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double value) { return FormatFloat(value, 'g', -1, 64); }

}  // namespace

void Describe(std::string& out, std::string_view name, std::string_view type,
              std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(EscapeHelp(help)).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string& out, std::string_view name, const Labels& labels, double value) {
  out.append(name);
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out += ',';
      out.append(labels[i].first).append("=\"").append(Escape(labels[i].second)).append("\"");
    }
    out += '}';
  }
  out.append(" ").append(Number(value)).append("\n");
}

void Histogram::Observe(double seconds) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++counts_[i];
  }
  ++count_;
  sum_ += seconds;
}

void Histogram::Write(std::string& out, std::string_view name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  std::string bucket = std::string(name) + "_bucket";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    Labels with = labels;
    with.emplace_back("le", Number(kBuckets[i]));
    Sample(out, bucket, with, static_cast<double>(counts_[i]));
  }
  Labels inf = labels;
  inf.emplace_back("le", "+Inf");
  Sample(out, bucket, inf, static_cast<double>(count_));
  Sample(out, std::string(name) + "_sum", labels, sum_);
  Sample(out, std::string(name) + "_count", labels, static_cast<double>(count_));
}

}  // namespace converge::metrics
