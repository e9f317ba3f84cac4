// The human diff: a line diff in diff -u's unified format over YAML printed the way kubectl
// prints it.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "diff/diff.h"

namespace converge::diff {
namespace {

constexpr const char* kRed = "\x1b[31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kCyan = "\x1b[36m";
constexpr const char* kReset = "\x1b[0m";

// Past this many cells the middle of the texts is shown as replaced as a whole: still a
// correct diff, just not a minimal one.
constexpr size_t kMaxCells = size_t{1} << 22;

struct Lines {
  std::vector<std::string_view> lines;
  bool missing_newline = false;  // the last line has no '\n'
};

Lines Split(std::string_view text) {
  Lines out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      out.lines.push_back(text.substr(start));
      out.missing_newline = true;
      break;
    }
    out.lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

enum class Op : char { kKeep = ' ', kDelete = '-', kInsert = '+' };

struct Edit {
  Op op;
  size_t a;  // index into a (keep, delete)
  size_t b;  // index into b (keep, insert)
};

// An edit script by longest common subsequence over what lies between the common prefix and
// suffix; deletions come before insertions inside a change, as diff prints them.
// Lines are equal when their text is and both or neither lack the final newline.
std::vector<Edit> Script(const Lines& a_lines, const Lines& b_lines) {
  const std::vector<std::string_view>& a = a_lines.lines;
  const std::vector<std::string_view>& b = b_lines.lines;
  auto same = [&](size_t i, size_t j) {
    bool a_open = a_lines.missing_newline && i + 1 == a.size();
    bool b_open = b_lines.missing_newline && j + 1 == b.size();
    return a[i] == b[j] && a_open == b_open;
  };
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && same(prefix, prefix)) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         same(a.size() - 1 - suffix, b.size() - 1 - suffix)) {
    ++suffix;
  }
  size_t n = a.size() - prefix - suffix;
  size_t m = b.size() - prefix - suffix;
  std::vector<Edit> edits;
  edits.reserve(a.size() + b.size());
  for (size_t i = 0; i < prefix; ++i) edits.push_back({Op::kKeep, i, i});
  if ((n + 1) * (m + 1) > kMaxCells) {
    for (size_t i = 0; i < n; ++i) edits.push_back({Op::kDelete, prefix + i, prefix});
    for (size_t j = 0; j < m; ++j) edits.push_back({Op::kInsert, prefix + n, prefix + j});
  } else {
    // lcs[i][j]: the common subsequence length of a[prefix+i..] and b[prefix+j..].
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        at(i, j) = same(prefix + i, prefix + j) ? at(i + 1, j + 1) + 1
                                                : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    size_t i = 0;
    size_t j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && same(prefix + i, prefix + j)) {
        edits.push_back({Op::kKeep, prefix + i++, prefix + j++});
      } else if (j == m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
        edits.push_back({Op::kDelete, prefix + i++, prefix + j});
      } else {
        edits.push_back({Op::kInsert, prefix + i, prefix + j++});
      }
    }
  }
  for (size_t k = 0; k < suffix; ++k) {
    edits.push_back({Op::kKeep, a.size() - suffix + k, b.size() - suffix + k});
  }
  return edits;
}

// "l,n" as diff -u writes a range: ",n" left out when n is 1, and l the line before when n is 0.
std::string Range(size_t first, size_t count) {
  if (count == 1) return std::to_string(first + 1);
  return std::to_string(count == 0 ? first : first + 1) + "," + std::to_string(count);
}

void AppendLine(std::string& out, Op op, std::string_view line, bool no_newline,
                const TextOptions& options) {
  const char* colour = op == Op::kDelete ? kRed : op == Op::kInsert ? kGreen : nullptr;
  if (options.color && colour != nullptr) out += colour;
  out.push_back(static_cast<char>(op));
  out += line;
  if (options.color && colour != nullptr) out += kReset;
  out.push_back('\n');
  if (no_newline) out += "\\ No newline at end of file\n";
}

}  // namespace

std::string UnifiedDiff(std::string_view a_text, std::string_view b_text, std::string_view a_name,
                        std::string_view b_name, const TextOptions& options) {
  if (a_text == b_text) return "";
  Lines a = Split(a_text);
  Lines b = Split(b_text);
  std::vector<Edit> edits = Script(a, b);
  size_t context = static_cast<size_t>(std::max(options.context, 0));
  std::string out;
  out += "--- ";
  out += a_name;
  out += "\n+++ ";
  out += b_name;
  out += '\n';
  size_t k = 0;
  while (k < edits.size()) {
    while (k < edits.size() && edits[k].op == Op::kKeep) ++k;
    if (k == edits.size()) break;
    // A hunk: from `context` lines before this change to `context` lines after the last
    // change that is no more than 2 * context unchanged lines from the previous one.
    size_t begin = k >= context ? k - context : 0;
    size_t end = k;
    while (true) {
      while (end < edits.size() && edits[end].op != Op::kKeep) ++end;
      size_t gap = end;
      while (gap < edits.size() && edits[gap].op == Op::kKeep) ++gap;
      if (gap < edits.size() && gap - end <= 2 * context) {
        end = gap;
        continue;
      }
      end = std::min(end + context, edits.size());
      break;
    }
    size_t a_count = 0;
    size_t b_count = 0;
    for (size_t e = begin; e < end; ++e) {
      if (edits[e].op != Op::kInsert) ++a_count;
      if (edits[e].op != Op::kDelete) ++b_count;
    }
    std::string header =
        "@@ -" + Range(edits[begin].a, a_count) + " +" + Range(edits[begin].b, b_count) + " @@";
    if (options.color) header = kCyan + header + kReset;
    out += header;
    out += '\n';
    for (size_t e = begin; e < end; ++e) {
      const Edit& edit = edits[e];
      bool a_last = edit.op != Op::kInsert && edit.a + 1 == a.lines.size() && a.missing_newline;
      bool b_last = edit.op != Op::kDelete && edit.b + 1 == b.lines.size() && b.missing_newline;
      std::string_view line = edit.op == Op::kInsert ? b.lines[edit.b] : a.lines[edit.a];
      AppendLine(out, edit.op, line, a_last || b_last, options);
    }
    k = end;
  }
  return out;
}

std::string ResourceText(const ResourceDiff& resource, const TextOptions& options) {
  if (resource.status == SyncStatus::kSynced) return "";
  std::string key = resource.key.ToString();
  std::string live = resource.live_view.is_null() ? "" : kube::EncodeYaml(resource.live_view);
  std::string desired =
      resource.desired_view.is_null() ? "" : kube::EncodeYaml(resource.desired_view);
  return UnifiedDiff(live, desired, "live/" + key, "desired/" + key, options);
}

std::string ReportText(const Report& report, const TextOptions& options) {
  std::string out;
  for (const ResourceDiff& resource : report.resources) out += ResourceText(resource, options);
  return out;
}

}  // namespace converge::diff
