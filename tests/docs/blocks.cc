#include "tests/docs/blocks.h"

#include <optional>

namespace converge::docs {
namespace {

constexpr std::string_view kMarkerOpen = "<!-- docs-test:";
constexpr std::string_view kMarkerClose = "-->";

struct Fence {
  size_t indent = 0;
  char symbol = '`';
  size_t length = 0;
  std::string language;
};

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// A CommonMark fence opening or closing line: up to three spaces, then ``` or ~~~ or longer.
std::optional<Fence> ReadFence(std::string_view line) {
  Fence fence;
  while (fence.indent < line.size() && line[fence.indent] == ' ') ++fence.indent;
  if (fence.indent > 3 || fence.indent >= line.size()) return std::nullopt;
  fence.symbol = line[fence.indent];
  if (fence.symbol != '`' && fence.symbol != '~') return std::nullopt;
  size_t at = fence.indent;
  while (at < line.size() && line[at] == fence.symbol) ++at;
  fence.length = at - fence.indent;
  if (fence.length < 3) return std::nullopt;
  std::string_view info = Trim(line.substr(at));
  fence.language = std::string(info.substr(0, info.find_first_of(" \t{")));
  return fence;
}

bool IsShell(std::string_view language) {
  return language == "sh" || language == "bash" || language == "shell" || language == "console";
}

bool Closes(std::string_view line, const Fence& open) {
  std::optional<Fence> fence = ReadFence(line);
  return fence && fence->symbol == open.symbol && fence->length >= open.length &&
         fence->language.empty() && Trim(line).find_first_not_of(open.symbol) == std::string::npos;
}

// Reads `key=value` and `key="quoted value"` settings after the mode word.
Status ReadSettings(std::string_view text, const std::string& where, Block& block) {
  while (!(text = Trim(text)).empty()) {
    size_t equals = text.find('=');
    if (equals == std::string_view::npos) {
      return Status::Invalid(where + ": docs-test marker: expected key=value at \"" +
                             std::string(text) + "\"");
    }
    std::string key(Trim(text.substr(0, equals)));
    text = text.substr(equals + 1);
    std::string value;
    if (!text.empty() && text[0] == '"') {
      size_t quote = text.find('"', 1);
      if (quote == std::string_view::npos) {
        return Status::Invalid(where + ": docs-test marker: unterminated quote");
      }
      value = std::string(text.substr(1, quote - 1));
      text = text.substr(quote + 1);
    } else {
      size_t space = text.find(' ');
      value = std::string(text.substr(0, space));
      text = space == std::string_view::npos ? std::string_view() : text.substr(space);
    }
    bool numeric = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
    if (key == "exit" && numeric) {
      block.exit_code = std::stoi(value);
    } else if (key == "timeout" && numeric) {
      block.timeout_seconds = std::stoi(value);
    } else if (key == "until" && !value.empty()) {
      block.until = value;
    } else {
      return Status::Invalid(where + ": docs-test marker: bad setting " + key + "=" + value);
    }
  }
  return Status();
}

Result<Block> ReadMarker(std::string_view line, const std::string& where) {
  std::string_view text = Trim(line);
  text =
      Trim(text.substr(kMarkerOpen.size(), text.size() - kMarkerOpen.size() - kMarkerClose.size()));
  std::string_view mode = text.substr(0, text.find(' '));
  std::string_view rest = mode.size() < text.size() ? text.substr(mode.size()) : "";
  Block block;
  if (mode == "skip") {
    block.mode = Mode::kSkip;
    block.reason = std::string(Trim(rest));
    if (block.reason.empty()) {
      return Status::Invalid(where + ": docs-test marker: skip needs a reason");
    }
    return block;
  }
  if (mode == "run") {
    block.mode = Mode::kRun;
  } else if (mode == "background") {
    block.mode = Mode::kBackground;
  } else {
    return Status::Invalid(where + ": docs-test marker: unknown mode \"" + std::string(mode) +
                           "\" (run, background or skip)");
  }
  if (Status s = ReadSettings(rest, where, block); !s.ok()) return s;
  if (block.mode == Mode::kBackground && block.until.empty()) {
    return Status::Invalid(where + ": docs-test marker: background needs until=\"TEXT\"");
  }
  return block;
}

bool IsMarker(std::string_view line) {
  std::string_view text = Trim(line);
  return text.starts_with(kMarkerOpen) && text.ends_with(kMarkerClose);
}

}  // namespace

Result<std::vector<Block>> ExtractBlocks(std::string_view markdown, std::string_view file) {
  std::vector<std::string_view> lines = Lines(markdown);
  std::vector<Block> blocks;
  auto where = [&](size_t index) { return std::string(file) + ":" + std::to_string(index + 1); };
  std::optional<Block> pending;  // a marker waiting for its block
  size_t pending_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (IsMarker(lines[i])) {
      if (pending) return Status::Invalid(where(pending_line) + ": marker without a block");
      Result<Block> marker = ReadMarker(lines[i], where(i));
      if (!marker.ok()) return marker.status();
      pending = std::move(*marker);
      pending_line = i;
      continue;
    }
    std::optional<Fence> open = ReadFence(lines[i]);
    if (!open) {
      if (pending && !Trim(lines[i]).empty()) {
        return Status::Invalid(where(pending_line) + ": marker without a block");
      }
      continue;
    }
    size_t start = i;
    std::string body;
    for (++i; i < lines.size() && !Closes(lines[i], *open); ++i) {
      std::string_view content = lines[i];
      size_t strip = 0;
      while (strip < open->indent && strip < content.size() && content[strip] == ' ') ++strip;
      body += std::string(content.substr(strip)) + "\n";
    }
    if (!IsShell(open->language)) {
      if (pending)
        return Status::Invalid(where(pending_line) + ": marker before a non-shell block");
      continue;
    }
    if (!pending) {
      return Status::Invalid(where(start) + ": a " + open->language +
                             " block needs a <!-- docs-test: run|background|skip ... --> marker "
                             "on a line before it (docs/README.md)");
    }
    pending->file = std::string(file);
    pending->line = static_cast<int>(start + 1);
    pending->body = std::move(body);
    blocks.push_back(std::move(*pending));
    pending.reset();
  }
  if (pending) return Status::Invalid(where(pending_line) + ": marker without a block");
  return blocks;
}

}  // namespace converge::docs
