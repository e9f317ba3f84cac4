// The quick reader of plain block YAML; yaml_quick.h says what it takes and what it leaves to
// libyaml. Each rule below mirrors a check of libyaml's scanner (scanner.c) or of the
// conversion to JSON, and answers "unsure" wherever the two could disagree.

#include "kube/yaml_quick.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kube/yaml_json.h"
#include "kube/yaml_resolve.h"

namespace converge::kube::yaml {
namespace {

using nlohmann::json;

constexpr size_t kNone = std::string_view::npos;
// libyaml refuses simple keys longer than 1024 characters.
constexpr size_t kMaxKeySize = 1000;
constexpr size_t kMaxLevels = 100;

// Whether libyaml reads every character of `text` as printable: no control characters, tabs
// only where `tabs` allows, valid UTF-8 without the line breaks NEL, LS and PS or a byte order
// mark.
bool Printable(std::string_view text, bool tabs) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if ((c >= 0x20 && c < 0x7F) || (c == '\t' && tabs)) {
      ++p;
      continue;
    }
    if (c < 0xC2 || c > 0xF4) return false;
    size_t size = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (static_cast<size_t>(end - p) < size) return false;
    uint32_t code = c & (c < 0xE0 ? 0x1F : c < 0xF0 ? 0x0F : 0x07);
    for (size_t i = 1; i < size; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      code = code << 6 | (p[i] & 0x3F);
    }
    if ((size == 3 && code < 0x800) || (size == 4 && code < 0x10000) || code > 0x10FFFF) {
      return false;
    }
    if (code < 0xA0 || (code >= 0xD800 && code <= 0xDFFF) || code == 0x2028 || code == 0x2029 ||
        code == 0xFEFF || code == 0xFFFE || code == 0xFFFF) {
      return false;
    }
    p += size;
  }
  return true;
}

bool IsSequenceEntry(std::string_view text) {
  return !text.empty() && text[0] == '-' && (text.size() == 1 || text[1] == ' ');
}

// What may follow a scalar on its line: nothing, spaces, or a comment after a space.
bool OnlyComment(std::string_view rest) {
  size_t i = rest.find_first_not_of(' ');
  return i == kNone || (i > 0 && rest[i] == '#');
}

bool KeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '/';
}

// Scans a quoted scalar from text[from] for its closing `quote`: `end` is the index after it, or
// kNone when the line ends first. False on an escape that libyaml refuses or that is left to it
// (\x, \u, \U).
bool ScanQuoted(std::string_view text, size_t from, char quote, size_t& end, bool& escaped) {
  constexpr std::string_view kEscapes = "0abtnvfre \"/\\N_LP";
  for (size_t i = from; i < text.size(); ++i) {
    char c = text[i];
    if (c == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        escaped = true;
        ++i;
        continue;
      }
      end = i + 1;
      return true;
    }
    if (quote != '"' || c != '\\') continue;
    escaped = true;
    if (i + 1 == text.size()) break;  // an escaped line break
    if (kEscapes.find(text[i + 1]) == kNone) return false;
    ++i;
  }
  end = kNone;
  return true;
}

// The index after a quoted scalar at text[0] that closes on the line, or kNone.
size_t QuotedEnd(std::string_view text, bool& escaped) {
  size_t end = kNone;
  return ScanQuoted(text, 1, text[0], end, escaped) ? end : kNone;
}

// Whether the conversion to JSON takes a plain scalar that is not built: only floats can fail
// (NaN, infinities), and plain scalars starting with a letter never resolve to one.
bool Convertible(std::string_view plain) {
  char first = plain[0];
  if (!(first >= '0' && first <= '9') && first != '.' && first != '+' && first != '-') return true;
  Result<yaml::Scalar> resolved = Resolve("", plain);
  if (!resolved.ok()) return false;
  return resolved->kind != ScalarKind::kFloat || ScalarToJson(*resolved, plain).ok();
}

// Characters that may not start a plain scalar here (libyaml reads some of them as plain when
// a non-space follows; they are rare enough to leave to it).
bool Indicator(char c) { return std::string_view("-?:,[]{}#&*!|>'\"%@`").find(c) != kNone; }

// The index after a flow sequence of one-line scalars that starts at text[0] and closes on the
// line, or kNone.
size_t FlowSequenceEnd(std::string_view text) {
  size_t i = text.find_first_not_of(' ', 1);
  if (i == kNone) return kNone;
  if (text[i] == ']') return i + 1;
  while (true) {
    size_t end = kNone;
    bool escaped = false;
    if (text[i] == '"' || text[i] == '\'') {
      end = QuotedEnd(text.substr(i), escaped);
      if (end == kNone) return kNone;
      i += end;
    } else {
      if (Indicator(text[i]) && !(text[i] == '-' && i + 1 < text.size() && text[i + 1] != ' ')) {
        return kNone;
      }
      end = text.find_first_of(",]#:'\"[{}", i);
      if (end == kNone || text[end] == '#' || text[end] == ':' || text[end] == '\'' ||
          text[end] == '"' || text[end] == '[' || text[end] == '{' || text[end] == '}') {
        return kNone;
      }
      std::string_view plain = text.substr(i, end - i);
      plain = plain.substr(0, plain.find_last_not_of(' ') + 1);
      if (!Convertible(plain)) return kNone;
      i = end;
    }
    i = text.find_first_not_of(' ', i);
    if (i == kNone) return kNone;
    if (text[i] == ']') return i + 1;
    if (text[i] != ',') return kNone;
    i = text.find_first_not_of(' ', i + 1);
    if (i == kNone || text[i] == ']' || text[i] == ',') return kNone;
  }
}

enum class Form { kNothing, kScalar, kBlockScalar, kEmptyMapping, kEmptySequence, kFlowSequence };

struct Scalar {
  Form form = Form::kNothing;
  std::string_view text;  // kScalar: without quotes
  bool plain = false;
  bool escaped = false;    // quoted with escapes, so `text` is not the value
  bool commented = false;  // a comment follows on the line, so a plain scalar ends there
  char open_quote = 0;     // a quoted scalar that goes on over the next lines
};

// Reads what follows "key:" or "- " (leading spaces removed) on the line.
bool ReadScalar(std::string_view text, Scalar& out) {
  if (text.empty() || text[0] == '#') return true;
  size_t end = kNone;
  switch (text[0]) {
    case '"':
    case '\'':
      if (!ScanQuoted(text, 1, text[0], end, out.escaped)) return false;
      out.form = Form::kScalar;
      if (end == kNone) {
        out.open_quote = text[0];
        return true;
      }
      out.text = text.substr(1, end - 2);
      return OnlyComment(text.substr(end));
    case '|':
    case '>':
      end = text.size() > 1 && (text[1] == '-' || text[1] == '+') ? 2 : 1;
      out.form = Form::kBlockScalar;
      return OnlyComment(text.substr(end));
    case '{':
      out.form = Form::kEmptyMapping;
      return text.size() > 1 && text[1] == '}' && OnlyComment(text.substr(2));
    case '[':
      if (text.size() > 1 && text[1] == ']') {
        out.form = Form::kEmptySequence;
        return OnlyComment(text.substr(2));
      }
      end = FlowSequenceEnd(text);
      out.form = Form::kFlowSequence;
      return end != kNone && OnlyComment(text.substr(end));
    case '-':
    case '?':
    case ':':
      if (text.size() == 1 || text[1] == ' ') return false;
      break;
    case ',':
    case ']':
    case '}':
    case '&':
    case '*':
    case '!':
    case '%':
    case '@':
    case '`':
      return false;
    default:
      break;
  }
  size_t comment = text.find(" #");
  std::string_view plain = text.substr(0, comment);
  plain = plain.substr(0, plain.find_last_not_of(' ') + 1);
  if (plain.find(": ") != kNone || plain.back() == ':') return false;
  out = {.form = Form::kScalar, .text = plain, .plain = true, .commented = comment != kNone};
  return true;
}

std::optional<json> Build(const Scalar& scalar) {
  switch (scalar.form) {
    case Form::kEmptyMapping:
      return json::object();
    case Form::kEmptySequence:
      return json::array();
    case Form::kScalar:
      break;
    default:
      return std::nullopt;
  }
  if (scalar.escaped) return std::nullopt;
  if (!scalar.plain) return json(std::string(scalar.text));
  Result<yaml::Scalar> resolved = Resolve("", scalar.text);
  if (!resolved.ok()) return std::nullopt;
  Result<json> value = ScalarToJson(*resolved, scalar.text);
  if (!value.ok()) return std::nullopt;
  return std::move(*value);
}

// Reads "key:" at the start of `text`: the key as the JSON conversion names it, and what
// follows the colon.
bool ReadKey(std::string_view text, std::string& name, std::string_view& rest) {
  size_t end = 0;
  if (text[0] == '"' || text[0] == '\'') {
    bool escaped = false;
    end = QuotedEnd(text, escaped);
    if (end == kNone || escaped || end == text.size() || text[end] != ':') return false;
    name = text.substr(1, end - 2);
  } else {
    while (end < text.size() && KeyChar(text[end])) ++end;
    if (end == 0 || end == text.size() || text[end] != ':' || text[0] == '-') return false;
    std::string_view plain = text.substr(0, end);
    Result<yaml::Scalar> resolved = Resolve("", plain);
    if (!resolved.ok()) return false;
    Result<std::string> key = KeyFromScalar(*resolved, plain);
    if (!key.ok()) return false;
    name = std::move(*key);
  }
  if (end > kMaxKeySize || (end + 1 < text.size() && text[end + 1] != ' ')) return false;
  rest = text.substr(end + 1);
  return true;
}

// Which of the selected paths go on below a mapping: bit i for only[i], `level` keys matched.
struct Want {
  uint64_t paths = 0;
  size_t level = 0;
};

// Where the value of a selected key goes.
struct Slot {
  json* node = nullptr;  // null: the key is not selected
  bool whole = false;    // a path ends at the key
  Want want;             // otherwise, the paths going on below it
};

// An open block mapping or sequence.
struct Level {
  size_t indent = 0;
  bool mapping = true;
  // The last entry had no value on its line, so a nested block may follow.
  bool pending = false;
  Slot pending_slot;
  json* node = nullptr;  // a mapping on a selected path: where its selected keys go
  Want want;
};

class Reader {
 public:
  Reader(std::string_view text, std::span<const FieldPath> only) : text_(text), only_(only) {}

  std::optional<QuickDocument> Read() {
    size_t pos = 0;
    for (int number = 0; pos < text_.size(); ++number) {
      size_t end = text_.find('\n', pos);
      if (end == kNone) end = text_.size();
      if (!Line(text_.substr(pos, end - pos), number)) return std::nullopt;
      pos = end + 1;
    }
    if (!seen_root_ || open_quote_ != 0) return std::nullopt;
    return QuickDocument{std::move(root_), root_line_};
  }

 private:
  enum class BlockLine { kContent, kEnded, kUnsure };

  bool Line(std::string_view line, int number) {
    if (open_quote_ != 0) return QuotedLine(line);
    if (in_block_) {
      BlockLine kind = BlockScalarLine(line);
      if (kind != BlockLine::kEnded) return kind == BlockLine::kContent;
    }
    if (line.starts_with("---") || line.starts_with("...")) {
      return number == 0 && line.starts_with("---") && OnlyComment(line.substr(3)) &&
             Printable(line, true);
    }
    size_t indent = line.find_first_not_of(' ');
    if (indent == kNone) return true;
    std::string_view rest = line.substr(indent);
    if (in_plain_) {
      if (indent > plain_parent_) return !plain_selected_ && Continuation(rest);
      in_plain_ = false;
    }
    if (rest[0] == '#') return Printable(rest, true);
    if (!Printable(rest, false)) return false;
    return Content(indent, rest, number);
  }

  // A further line of a quoted scalar. libyaml checks no indentation there, only that no
  // document marker starts the line.
  bool QuotedLine(std::string_view line) {
    if ((line.starts_with("---") || line.starts_with("...")) &&
        (line.size() == 3 || line[3] == ' ' || line[3] == '\t')) {
      return false;
    }
    size_t end = kNone;
    bool escaped = false;
    if (!Printable(line, true) || !ScanQuoted(line, 0, open_quote_, end, escaped)) return false;
    if (end == kNone) return true;
    open_quote_ = 0;
    return OnlyComment(line.substr(end));
  }

  // A further line of a plain scalar, which libyaml folds into it: only a comment or a colon
  // ends it there. Lines starting like a block entry, key or value are left to libyaml too.
  static bool Continuation(std::string_view rest) {
    return Printable(rest, false) && std::string_view("#-?:").find(rest[0]) == kNone &&
           rest.find(": ") == kNone && rest.find(" #") == kNone && rest.back() != ':';
  }

  // After a scalar of a block at `parent_indent`: a plain one may go on over the next lines that
  // are indented deeper.
  bool EndScalar(const Scalar& scalar, size_t parent_indent, bool selected) {
    if (scalar.form == Form::kBlockScalar) {
      if (selected) return false;
      in_block_ = true;
      block_parent_ = parent_indent;
      block_indent_ = 0;
      block_leading_ = 0;
      return true;
    }
    if (scalar.open_quote != 0) {
      open_quote_ = scalar.open_quote;
      return !selected;
    }
    if (scalar.form == Form::kScalar && scalar.plain) {
      in_plain_ = !scalar.commented;
      plain_parent_ = parent_indent;
      plain_selected_ = selected;
      return selected || Convertible(scalar.text);
    }
    return true;
  }

  // A line while a block scalar is open. Leading lines of spaces and tabs in the indentation
  // change how libyaml finds the scalar's indentation, so they are left to it.
  BlockLine BlockScalarLine(std::string_view line) {
    size_t spaces = line.find_first_not_of(' ');
    if (spaces == kNone) {
      if (block_indent_ == 0) block_leading_ = std::max(block_leading_, line.size());
      return BlockLine::kContent;
    }
    if (line[spaces] == '\t' && (block_indent_ == 0 || spaces < block_indent_)) {
      return BlockLine::kUnsure;
    }
    if (block_indent_ == 0) {
      if (spaces <= block_parent_) {
        in_block_ = false;
        return BlockLine::kEnded;
      }
      // Longer leading lines of spaces would make the indentation theirs.
      if (block_leading_ > spaces) return BlockLine::kUnsure;
      block_indent_ = spaces;
    }
    if (spaces >= block_indent_) {
      return Printable(line.substr(spaces), true) ? BlockLine::kContent : BlockLine::kUnsure;
    }
    in_block_ = false;
    return BlockLine::kEnded;
  }

  bool Push(const Level& level) {
    if (levels_.size() == kMaxLevels) return false;
    levels_.push_back(level);
    return true;
  }

  bool Content(size_t indent, std::string_view rest, int number) {
    while (!levels_.empty() && levels_.back().indent > indent) levels_.pop_back();
    bool entry = IsSequenceEntry(rest);
    if (levels_.empty()) {
      if (seen_root_ || entry) return false;
      seen_root_ = true;
      root_line_ = number;
      root_ = json::object();
      Level root{.indent = indent, .node = &root_};
      root.want.paths = ~uint64_t{0} >> (64 - only_.size());
      return Push(root) && MappingEntry(rest);
    }
    Level& top = levels_.back();
    if (top.indent == indent) {
      if (entry) {
        if (!top.mapping) return SequenceEntry(rest);
        // A sequence at its mapping's indentation is the value of the mapping's last key.
        if (!top.pending || top.pending_slot.node != nullptr) return false;
        top.pending = false;
        return Push({.indent = indent, .mapping = false}) && SequenceEntry(rest);
      }
      if (!top.mapping) {
        if (levels_.size() < 2) return false;
        const Level& parent = levels_[levels_.size() - 2];
        if (!parent.mapping || parent.indent != indent) return false;
        levels_.pop_back();
      }
      return MappingEntry(rest);
    }
    // Deeper than the innermost open block: the value of its last entry.
    if (!top.pending) return false;
    Slot slot = top.pending_slot;
    top.pending = false;
    top.pending_slot = {};
    if (entry) {
      return slot.node == nullptr && Push({.indent = indent, .mapping = false}) &&
             SequenceEntry(rest);
    }
    std::string name;
    std::string_view value;
    if (!ReadKey(rest, name, value)) {
      // A scalar on a line of its own.
      Scalar scalar;
      if (!ReadScalar(rest, scalar) || scalar.form == Form::kNothing) return false;
      return EndScalar(scalar, top.indent, slot.node != nullptr) && Store(scalar, slot);
    }
    if (slot.whole) return false;
    Level level{.indent = indent, .node = slot.node, .want = slot.want};
    if (slot.node != nullptr) *slot.node = json::object();
    return Push(level) && MappingValue(name, value);
  }

  bool SequenceEntry(std::string_view rest) {
    Level& sequence = levels_.back();
    sequence.pending = false;
    size_t after = rest.find_first_not_of(' ', 1);
    if (after == kNone || rest[after] == '#') {
      sequence.pending = true;
      return true;
    }
    std::string_view item = rest.substr(after);
    if (IsSequenceEntry(item)) return false;
    std::string name;
    std::string_view value;
    if (ReadKey(item, name, value)) {
      return Push({.indent = sequence.indent + after}) && MappingValue(name, value);
    }
    Scalar scalar;
    if (!ReadScalar(item, scalar) || scalar.form == Form::kNothing) return false;
    return EndScalar(scalar, sequence.indent, false);
  }

  bool MappingEntry(std::string_view rest) {
    std::string name;
    std::string_view value;
    return ReadKey(rest, name, value) && MappingValue(name, value);
  }

  // The entry `name` of the innermost mapping, with the text after its colon.
  bool MappingValue(const std::string& name, std::string_view after) {
    Level& mapping = levels_.back();
    mapping.pending = false;
    mapping.pending_slot = {};
    Slot slot;
    if (mapping.node != nullptr && Select(mapping.want, name, slot)) {
      if (mapping.node->contains(name)) return false;
      slot.node = &(*mapping.node)[name];
    }
    size_t start = after.find_first_not_of(' ');
    Scalar scalar;
    if (!ReadScalar(start == kNone ? std::string_view() : after.substr(start), scalar)) {
      return false;
    }
    switch (scalar.form) {
      case Form::kNothing:
        mapping.pending = true;
        mapping.pending_slot = slot;
        return true;
      default:
        break;
    }
    return EndScalar(scalar, mapping.indent, slot.node != nullptr) && Store(scalar, slot);
  }

  static bool Store(const Scalar& scalar, const Slot& slot) {
    if (slot.node == nullptr) return true;
    std::optional<json> built = Build(scalar);
    if (!built) return false;
    *slot.node = std::move(*built);
    return true;
  }

  // Whether a selected path passes through key `name` of a mapping that `want` describes.
  bool Select(const Want& want, std::string_view name, Slot& slot) const {
    slot.want = {.level = want.level + 1};
    for (size_t i = 0; i < only_.size(); ++i) {
      const FieldPath& path = only_[i];
      if ((want.paths >> i & 1) == 0 || path[want.level] != name) continue;
      if (path.size() == slot.want.level) {
        slot.whole = true;
      } else {
        slot.want.paths |= uint64_t{1} << i;
      }
    }
    return slot.whole || slot.want.paths != 0;
  }

  std::string_view text_;
  std::span<const FieldPath> only_;
  std::vector<Level> levels_;
  json root_;
  bool seen_root_ = false;
  int root_line_ = 0;
  bool in_block_ = false;
  size_t block_parent_ = 0;
  size_t block_indent_ = 0;
  size_t block_leading_ = 0;  // the longest line of spaces before the first content
  char open_quote_ = 0;
  bool in_plain_ = false;
  size_t plain_parent_ = 0;
  bool plain_selected_ = false;  // its first line was built, so it may not go on
};

}  // namespace

std::optional<QuickDocument> QuickDecode(std::string_view chunk, std::span<const FieldPath> only) {
  return Reader(chunk, only).Read();
}

}  // namespace converge::kube::yaml
