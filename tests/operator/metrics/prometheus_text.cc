#include "tests/operator/metrics/prometheus_text.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

namespace converge::testing {
namespace {

bool NameStart(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool NameChar(char c, bool colon) { return NameStart(c, colon) || (c >= '0' && c <= '9'); }

// Reads a metric name (colons allowed) or label name at `at`; "" when there is none.
std::string ReadName(std::string_view line, size_t& at, bool colon) {
  size_t start = at;
  if (at >= line.size() || !NameStart(line[at], colon)) return "";
  while (at < line.size() && NameChar(line[at], colon)) ++at;
  return std::string(line.substr(start, at - start));
}

Result<double> ReadValue(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() ||
      copy.find_first_of("xXpP") != std::string::npos) {
    return Status::Invalid("bad value \"" + copy + "\"");
  }
  return value;
}

// The label set `{a="x",b="y"}` at `at`, with \\, \" and \n unescaped.
Status ReadLabels(std::string_view line, size_t& at, std::map<std::string, std::string>& out) {
  ++at;  // '{'
  while (true) {
    if (at < line.size() && line[at] == '}') {
      ++at;
      return Status();
    }
    std::string name = ReadName(line, at, false);
    if (name.empty()) return Status::Invalid("bad label name");
    if (at + 1 >= line.size() || line[at] != '=' || line[at + 1] != '"') {
      return Status::Invalid("label " + name + ": expected =\"");
    }
    at += 2;
    std::string value;
    while (true) {
      if (at >= line.size()) return Status::Invalid("label " + name + ": unterminated value");
      char c = line[at++];
      if (c == '"') break;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (at >= line.size()) return Status::Invalid("label " + name + ": dangling escape");
      char e = line[at++];
      if (e == 'n') {
        value += '\n';
      } else if (e == '\\' || e == '"') {
        value += e;
      } else {
        return Status::Invalid("label " + name + ": unknown escape \\" + std::string(1, e));
      }
    }
    if (!out.emplace(name, std::move(value)).second) {
      return Status::Invalid("label " + name + " given twice");
    }
    if (at < line.size() && line[at] == ',') {
      ++at;
    } else if (at >= line.size() || line[at] != '}') {
      return Status::Invalid("expected , or } after label " + name);
    }
  }
}

std::string UnescapeHelp(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '\\' || text[i + 1] == 'n')) {
      out += text[++i] == 'n' ? '\n' : '\\';
    } else {
      out += text[i];
    }
  }
  return out;
}

// The family a sample name belongs to: histograms and summaries own their suffixed names.
std::string FamilyOf(const PromFamilies& families, const std::string& sample) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (sample.size() <= suffix.size() || !sample.ends_with(suffix)) continue;
    std::string base = sample.substr(0, sample.size() - suffix.size());
    auto it = families.find(base);
    if (it != families.end() &&
        (it->second.type == "histogram" || (it->second.type == "summary" && suffix != "_bucket"))) {
      return base;
    }
  }
  return sample;
}

// A histogram's series (labels without "le"): buckets cumulative and ending in +Inf = _count.
Status CheckHistogram(const PromFamily& family) {
  struct Series {
    std::vector<std::pair<double, double>> buckets;  // (le, value) in order written
    std::optional<double> sum;
    std::optional<double> count;
  };
  std::map<std::map<std::string, std::string>, Series> series;
  for (const PromSample& sample : family.samples) {
    std::map<std::string, std::string> labels = sample.labels;
    if (sample.name == family.name + "_bucket") {
      auto le = labels.find("le");
      if (le == labels.end()) return Status::Invalid(family.name + ": bucket without le");
      Result<double> bound = ReadValue(le->second);
      if (!bound.ok()) return Status::Invalid(family.name + ": bad le \"" + le->second + "\"");
      labels.erase(le);
      series[labels].buckets.emplace_back(*bound, sample.value);
    } else if (sample.name == family.name + "_sum") {
      series[labels].sum = sample.value;
    } else if (sample.name == family.name + "_count") {
      series[labels].count = sample.value;
    } else {
      return Status::Invalid(family.name + ": histogram with sample " + sample.name);
    }
  }
  for (const auto& [labels, s] : series) {
    if (s.buckets.empty() || !std::isinf(s.buckets.back().first)) {
      return Status::Invalid(family.name + ": buckets do not end in le=\"+Inf\"");
    }
    for (size_t i = 1; i < s.buckets.size(); ++i) {
      if (s.buckets[i].first <= s.buckets[i - 1].first) {
        return Status::Invalid(family.name + ": bucket bounds not increasing");
      }
      if (s.buckets[i].second < s.buckets[i - 1].second) {
        return Status::Invalid(family.name + ": buckets not cumulative");
      }
    }
    if (!s.sum || !s.count) return Status::Invalid(family.name + ": missing _sum or _count");
    if (*s.count != s.buckets.back().second) {
      return Status::Invalid(family.name + ": _count differs from the +Inf bucket");
    }
  }
  return Status();
}

Status ParseLine(std::string_view line, PromFamilies& families, std::string& current,
                 std::set<std::string>& closed, std::set<std::string>& seen) {
  auto enter = [&](const std::string& family) -> Status {
    if (family == current) return Status();
    if (closed.contains(family)) return Status::Invalid(family + ": lines not together");
    if (!current.empty()) closed.insert(current);
    current = family;
    return Status();
  };
  if (line.starts_with("#")) {
    size_t at = 1;
    while (at < line.size() && line[at] == ' ') ++at;
    std::string_view keyword = line.substr(at, 5);
    if (keyword != "HELP " && keyword != "TYPE ") return Status();  // a comment
    at += 5;
    std::string name = ReadName(line, at, true);
    if (name.empty()) return Status::Invalid("bad metric name");
    std::string_view rest = at < line.size() && line[at] == ' ' ? line.substr(at + 1) : "";
    if (Status s = enter(name); !s.ok()) return s;
    PromFamily& family = families[name];
    family.name = name;
    if (keyword == "HELP ") {
      if (!family.help.empty()) return Status::Invalid(name + ": HELP given twice");
      family.help = UnescapeHelp(rest);
      return Status();
    }
    static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram", "summary",
                                                      "untyped"};
    if (!kTypes.contains(rest)) return Status::Invalid(name + ": unknown type");
    if (!family.samples.empty()) return Status::Invalid(name + ": TYPE after samples");
    if (seen.contains("TYPE " + name)) return Status::Invalid(name + ": TYPE given twice");
    seen.insert("TYPE " + name);
    family.type = std::string(rest);
    return Status();
  }
  size_t at = 0;
  PromSample sample;
  sample.name = ReadName(line, at, true);
  if (sample.name.empty()) return Status::Invalid("bad metric name");
  if (at < line.size() && line[at] == '{') {
    if (Status s = ReadLabels(line, at, sample.labels); !s.ok()) return s;
  }
  if (at >= line.size() || line[at] != ' ') return Status::Invalid("expected a space");
  std::string_view rest = line.substr(at + 1);
  size_t space = rest.find(' ');
  Result<double> value = ReadValue(rest.substr(0, space));
  if (!value.ok()) return value.status();
  if (space != std::string_view::npos) {
    std::string_view timestamp = rest.substr(space + 1);
    if (timestamp.empty() || timestamp.find_first_not_of("-0123456789") != std::string_view::npos) {
      return Status::Invalid("bad timestamp");
    }
  }
  sample.value = *value;
  std::string family_name = FamilyOf(families, sample.name);
  if (Status s = enter(family_name); !s.ok()) return s;
  std::string identity = sample.name;
  for (const auto& [k, v] : sample.labels) identity += "\x1f" + k + "=" + v;
  if (!seen.insert(identity).second) return Status::Invalid(sample.name + ": sample repeated");
  PromFamily& family = families[family_name];
  family.name = family_name;
  family.samples.push_back(std::move(sample));
  return Status();
}

}  // namespace

Result<PromFamilies> ParsePrometheusText(std::string_view text) {
  PromFamilies families;
  std::string current;
  std::set<std::string> closed;
  std::set<std::string> seen;
  if (!text.empty() && !text.ends_with('\n')) return Status::Invalid("no final newline");
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (Status s = ParseLine(line, families, current, closed, seen); !s.ok()) {
      return Status::Invalid("line " + std::to_string(number) + ": " + s.message());
    }
  }
  for (const auto& [name, family] : families) {
    if (family.type != "histogram") continue;
    if (Status s = CheckHistogram(family); !s.ok()) return s;
  }
  return families;
}

double SumOf(const PromFamilies& families, const std::string& sample,
             const std::map<std::string, std::string>& labels) {
  double sum = 0;
  for (const auto& [name, family] : families) {
    for (const PromSample& s : family.samples) {
      if (s.name != sample) continue;
      bool match = true;
      for (const auto& [k, v] : labels) {
        auto it = s.labels.find(k);
        match &= it != s.labels.end() && it->second == v;
      }
      if (match) sum += s.value;
    }
  }
  return sum;
}

}  // namespace converge::testing
