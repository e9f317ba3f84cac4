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
  // Most lines are printable ASCII, which a loop without early exit checks fastest.
  bool plain_ascii = true;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    plain_ascii &= byte >= 0x20 && byte < 0x7F;
  }
  if (plain_ascii) return true;
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

std::string_view TrimTrailingSpaces(std::string_view text) {
  return text.substr(0, text.find_last_not_of(' ') + 1);
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

// The value of a plain scalar; nullopt when the conversion to JSON refuses it (NaN and
// infinities).
std::optional<json> PlainValue(std::string_view plain) {
  Result<yaml::Scalar> resolved = Resolve("", plain);
  if (!resolved.ok()) return std::nullopt;
  Result<json> value = ScalarToJson(*resolved, plain);
  if (!value.ok()) return std::nullopt;
  return std::move(*value);
}

// Whether the conversion to JSON takes a plain scalar that is not built: only floats can fail,
// and plain scalars starting with a letter never resolve to one.
bool Convertible(std::string_view plain) {
  char first = plain[0];
  if (!(first >= '0' && first <= '9') && first != '.' && first != '+' && first != '-') return true;
  return PlainValue(plain).has_value();
}

// The value of a quoted scalar's text (without its quotes) that ScanQuoted took.
std::string Unquote(std::string_view text, char quote) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote == '\'') {
      out += c;
      if (c == '\'') ++i;
      continue;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    switch (text[++i]) {
      case '0':
        out += '\0';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'v':
        out += '\v';
        break;
      case 'f':
        out += '\f';
        break;
      case 'r':
        out += '\r';
        break;
      case 'e':
        out += '\x1b';
        break;
      case 'N':
        out += "\xc2\x85";
        break;
      case '_':
        out += "\xc2\xa0";
        break;
      case 'L':
        out += "\xe2\x80\xa8";
        break;
      case 'P':
        out += "\xe2\x80\xa9";
        break;
      default:
        out += text[i];
        break;  // space, '"', '/', '\\'
    }
  }
  return out;
}

// Characters that may not start a plain scalar here (libyaml reads some of them as plain when
// a non-space follows; they are rare enough to leave to it).
bool Indicator(char c) { return std::string_view("-?:,[]{}#&*!|>'\"%@`").find(c) != kNone; }

// The index after a flow sequence of one-line scalars that starts at text[0] and closes on the
// line, or kNone. Its items go to `items` when that is not null.
size_t FlowSequenceEnd(std::string_view text, json* items) {
  size_t i = text.find_first_not_of(' ', 1);
  if (i == kNone) return kNone;
  if (text[i] == ']') return i + 1;
  while (true) {
    size_t end = kNone;
    bool escaped = false;
    if (text[i] == '"' || text[i] == '\'') {
      end = QuotedEnd(text.substr(i), escaped);
      if (end == kNone) return kNone;
      if (items != nullptr) items->push_back(Unquote(text.substr(i + 1, end - 2), text[i]));
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
      plain = TrimTrailingSpaces(plain);
      if (items == nullptr) {
        if (!Convertible(plain)) return kNone;
      } else {
        std::optional<json> value = PlainValue(plain);
        if (!value) return kNone;
        items->push_back(std::move(*value));
      }
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
  std::string_view text;  // kScalar: without quotes; kFlowSequence: the whole sequence
  bool plain = false;
  char quote = 0;
  bool commented = false;  // a comment follows on the line, so a plain scalar ends there
  char open_quote = 0;     // a quoted scalar that goes on over the next lines
  char chomping = 0;       // kBlockScalar: '-', '+' or none
  bool folded = false;     // kBlockScalar: '>'
};

// Reads what follows "key:" or "- " (leading spaces removed) on the line.
bool ReadScalar(std::string_view text, Scalar& out) {
  if (text.empty() || text[0] == '#') return true;
  size_t end = kNone;
  bool escaped = false;
  switch (text[0]) {
    case '"':
    case '\'':
      if (!ScanQuoted(text, 1, text[0], end, escaped)) return false;
      out.form = Form::kScalar;
      out.quote = text[0];
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
      out.chomping = end == 2 ? text[1] : 0;
      out.folded = text[0] == '>';
      return OnlyComment(text.substr(end));
    case '{':
      out.form = Form::kEmptyMapping;
      return text.size() > 1 && text[1] == '}' && OnlyComment(text.substr(2));
    case '[':
      if (text.size() > 1 && text[1] == ']') {
        out.form = Form::kEmptySequence;
        return OnlyComment(text.substr(2));
      }
      end = FlowSequenceEnd(text, nullptr);
      out.form = Form::kFlowSequence;
      out.text = text.substr(0, end);
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
  plain = TrimTrailingSpaces(plain);
  if (plain.find(": ") != kNone || plain.back() == ':') return false;
  out = {.form = Form::kScalar, .text = plain, .plain = true, .commented = comment != kNone};
  return true;
}

// The value of a scalar that ends on its line.
std::optional<json> Build(const Scalar& scalar) {
  switch (scalar.form) {
    case Form::kEmptyMapping:
      return json::object();
    case Form::kEmptySequence:
      return json::array();
    case Form::kFlowSequence: {
      json items = json::array();
      if (FlowSequenceEnd(scalar.text, &items) == kNone) return std::nullopt;
      return items;
    }
    case Form::kScalar:
      if (scalar.plain) return PlainValue(scalar.text);
      return json(Unquote(scalar.text, scalar.quote));
    default:
      return std::nullopt;
  }
}

// Reads "key:" at the start of `text`: the key as the JSON conversion names it (in `storage`
// when it is not the text itself), and what follows the colon.
bool ReadKey(std::string_view text, std::string_view& name, std::string& storage,
             std::string_view& rest) {
  size_t end = 0;
  if (text[0] == '"' || text[0] == '\'') {
    bool escaped = false;
    end = QuotedEnd(text, escaped);
    if (end == kNone || end == text.size() || text[end] != ':') return false;
    name = text.substr(1, end - 2);
    if (escaped) {
      storage = Unquote(name, text[0]);
      name = storage;
    }
  } else {
    while (end < text.size() && KeyChar(text[end])) ++end;
    if (end == 0 || end == text.size() || text[end] != ':' || text[0] == '-') return false;
    name = text.substr(0, end);
    // Keys starting with a letter resolve to something else only when they are one of YAML
    // 1.1's words for booleans and null, none longer than five letters.
    char first = name[0];
    bool letter = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z');
    if (!letter || name.size() <= 5) {
      Result<yaml::Scalar> resolved = Resolve("", name);
      if (!resolved.ok()) return false;
      if (resolved->kind != ScalarKind::kString) {
        Result<std::string> key = KeyFromScalar(*resolved, name);
        if (!key.ok()) return false;
        storage = std::move(*key);
        name = storage;
      }
    }
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

// Where the value of an entry goes.
struct Slot {
  json* node = nullptr;  // null: the value is only checked
  bool whole = false;    // the value is built whole
  Want want;             // otherwise, the selected paths going on below it
};

// An open block mapping or sequence.
struct Level {
  size_t indent = 0;
  bool mapping = true;
  // The last entry had no value on its line, so a nested block may follow.
  bool pending = false;
  Slot pending_slot;
  json* node = nullptr;  // where the built entries go
  bool all = false;      // every entry is built
  Want want;             // otherwise, the selected paths below (mappings)
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
    // A block scalar that ends the text without a line break has none to keep.
    if (in_block_ && block_target_ != nullptr && !text_.ends_with('\n')) return std::nullopt;
    if ((in_plain_ && !EndPlain()) || (in_block_ && !EndBlock())) return std::nullopt;
    return QuickDocument{std::move(root_), root_line_};
  }

 private:
  enum class BlockLine { kContent, kEnded, kUnsure };

  bool Line(std::string_view line, int number) {
    if (open_quote_ != 0) return QuotedLine(line);
    if (in_block_) {
      BlockLine kind = BlockScalarLine(line);
      if (kind != BlockLine::kEnded) return kind == BlockLine::kContent;
      if (!EndBlock()) return false;
    }
    if (line.starts_with("---") || line.starts_with("...")) {
      return number == 0 && line.starts_with("---") && OnlyComment(line.substr(3)) &&
             Printable(line, true);
    }
    size_t indent = line.find_first_not_of(' ');
    if (indent == kNone) {
      if (in_plain_) ++plain_breaks_;
      return true;
    }
    std::string_view rest = line.substr(indent);
    if (in_plain_) {
      // A comment ends a plain scalar wherever it starts.
      if (indent > plain_parent_ && rest[0] != '#') return Continuation(rest);
      if (!EndPlain()) return false;
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
  // ends it there.
  bool Continuation(std::string_view rest) {
    if (!Printable(rest, false) || rest.find(": ") != kNone || rest.find(" #") != kNone ||
        rest.back() == ':') {
      return false;
    }
    if (plain_target_ == nullptr) return true;
    // Folding: one line break becomes a space; n + 1 of them, n line breaks.
    plain_text_.append(plain_breaks_ == 0 ? 1 : plain_breaks_, plain_breaks_ == 0 ? ' ' : '\n');
    plain_text_ += TrimTrailingSpaces(rest);
    plain_breaks_ = 0;
    return true;
  }

  bool EndPlain() {
    in_plain_ = false;
    if (plain_target_ == nullptr) return true;
    std::optional<json> value = PlainValue(plain_text_);
    if (!value) return false;
    *plain_target_ = std::move(*value);
    plain_target_ = nullptr;
    return true;
  }

  // After a scalar of a block at `parent_indent`, whose value goes to `slot`: a plain one may
  // go on over the next lines that are indented deeper, a block scalar is read on.
  bool EndScalar(const Scalar& scalar, size_t parent_indent, const Slot& slot) {
    if (scalar.form == Form::kBlockScalar) {
      in_block_ = true;
      block_parent_ = parent_indent;
      block_indent_ = 0;
      block_leading_ = 0;
      block_target_ = slot.node;
      block_chomping_ = scalar.chomping;
      block_folded_ = scalar.folded;
      block_text_.clear();
      block_breaks_ = 0;
      block_content_ = false;
      block_line_open_ = false;
      block_blank_ = false;
      return true;
    }
    if (scalar.open_quote != 0) {
      open_quote_ = scalar.open_quote;
      return slot.node == nullptr;
    }
    if (scalar.form == Form::kScalar && scalar.plain && !scalar.commented) {
      in_plain_ = true;
      plain_parent_ = parent_indent;
      plain_target_ = slot.node;
      plain_breaks_ = 0;
      if (slot.node != nullptr) {
        plain_text_ = scalar.text;
        return true;
      }
      return Convertible(scalar.text);
    }
    if (slot.node == nullptr) return !scalar.plain || Convertible(scalar.text);
    std::optional<json> built = Build(scalar);
    if (!built) return false;
    *slot.node = std::move(*built);
    return true;
  }

  // A line while a block scalar is open. Leading lines of spaces longer than the first content
  // line's indentation and tabs in the indentation change how libyaml reads the scalar, so they
  // are left to it.
  BlockLine BlockScalarLine(std::string_view line) {
    size_t spaces = line.find_first_not_of(' ');
    if (spaces == kNone) {
      if (block_indent_ == 0) {
        block_leading_ = std::max(block_leading_, line.size());
      } else if (line.size() > block_indent_) {
        BlockContent(line.substr(block_indent_));
        return BlockLine::kContent;
      }
      ++block_breaks_;
      return BlockLine::kContent;
    }
    if (line[spaces] == '\t' && (block_indent_ == 0 || spaces < block_indent_)) {
      return BlockLine::kUnsure;
    }
    if (block_indent_ == 0) {
      if (spaces <= block_parent_) return BlockLine::kEnded;
      if (block_leading_ > spaces) return BlockLine::kUnsure;
      block_indent_ = spaces;
    }
    if (spaces < block_indent_) return BlockLine::kEnded;
    if (!Printable(line.substr(spaces), true)) return BlockLine::kUnsure;
    BlockContent(line.substr(block_indent_));
    return BlockLine::kContent;
  }

  // A content line of a block scalar, without the indentation. A folded scalar joins two lines
  // with a space when no empty line is between them and neither starts with a blank.
  void BlockContent(std::string_view text) {
    if (block_target_ == nullptr) return;
    bool blank = text[0] == ' ' || text[0] == '\t';
    if (block_folded_ && block_line_open_ && !block_blank_ && !blank) {
      if (block_breaks_ == 0) block_text_ += ' ';
    } else if (block_line_open_) {
      block_text_ += '\n';
    }
    block_text_.append(block_breaks_, '\n');
    block_text_ += text;
    block_breaks_ = 0;
    block_blank_ = blank;
    block_line_open_ = true;
    block_content_ = true;
  }

  // A block scalar's value, its final line breaks as its chomping says.
  bool EndBlock() {
    in_block_ = false;
    if (block_target_ == nullptr) return true;
    if (!block_content_) return false;
    if (block_chomping_ != '-') block_text_ += '\n';
    if (block_chomping_ == '+') block_text_.append(block_breaks_, '\n');
    *block_target_ = json(std::move(block_text_));
    block_target_ = nullptr;
    return true;
  }

  bool Push(const Level& level) {
    if (levels_.size() == kMaxLevels) return false;
    levels_.push_back(level);
    return true;
  }

  bool PushSequence(size_t indent, const Slot& slot) {
    Level level{.indent = indent, .mapping = false};
    if (slot.node != nullptr) {
      *slot.node = json::array();
      level.node = slot.node;
      level.all = true;
    }
    return Push(level);
  }

  bool Content(size_t indent, std::string_view rest, int number) {
    while (!levels_.empty() && levels_.back().indent > indent) levels_.pop_back();
    bool entry = IsSequenceEntry(rest);
    if (levels_.empty()) {
      if (seen_root_ || entry) return false;
      seen_root_ = true;
      root_line_ = number;
      root_ = json::object();
      Level root{.indent = indent, .node = &root_, .all = only_.empty()};
      if (!root.all) root.want.paths = ~uint64_t{0} >> (64 - only_.size());
      return Push(root) && MappingEntry(rest);
    }
    Level& top = levels_.back();
    if (top.indent == indent) {
      if (entry) {
        if (!top.mapping) return SequenceEntry(rest);
        // A sequence at its mapping's indentation is the value of the mapping's last key.
        if (!top.pending || (top.pending_slot.node != nullptr && !top.pending_slot.whole)) {
          return false;
        }
        top.pending = false;
        return PushSequence(indent, top.pending_slot) && SequenceEntry(rest);
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
    size_t parent_indent = top.indent;
    top.pending = false;
    top.pending_slot = {};
    if (entry) {
      if (slot.node != nullptr && !slot.whole) return false;
      return PushSequence(indent, slot) && SequenceEntry(rest);
    }
    std::string_view name;
    std::string_view value;
    if (!ReadKey(rest, name, key_storage_, value)) {
      // A scalar on a line of its own.
      Scalar scalar;
      if (!ReadScalar(rest, scalar) || scalar.form == Form::kNothing) return false;
      return EndScalar(scalar, parent_indent, slot);
    }
    Level level{.indent = indent, .node = slot.node, .all = slot.whole, .want = slot.want};
    if (slot.node != nullptr) *slot.node = json::object();
    return Push(level) && MappingValue(name, value);
  }

  bool SequenceEntry(std::string_view rest) {
    Level& sequence = levels_.back();
    sequence.pending = false;
    Slot slot;
    if (sequence.node != nullptr) {
      sequence.node->push_back(json());
      slot = {.node = &sequence.node->back(), .whole = true};
    }
    size_t after = rest.find_first_not_of(' ', 1);
    if (after == kNone || rest[after] == '#') {
      sequence.pending = true;
      sequence.pending_slot = slot;
      return true;
    }
    std::string_view item = rest.substr(after);
    if (IsSequenceEntry(item)) return false;
    std::string_view name;
    std::string_view value;
    if (ReadKey(item, name, key_storage_, value)) {
      Level mapping{.indent = sequence.indent + after, .node = slot.node, .all = true};
      if (slot.node != nullptr) *slot.node = json::object();
      return Push(mapping) && MappingValue(name, value);
    }
    Scalar scalar;
    if (!ReadScalar(item, scalar) || scalar.form == Form::kNothing) return false;
    return EndScalar(scalar, sequence.indent, slot);
  }

  bool MappingEntry(std::string_view rest) {
    std::string_view name;
    std::string_view value;
    return ReadKey(rest, name, key_storage_, value) && MappingValue(name, value);
  }

  // The entry `name` of the innermost mapping, with the text after its colon.
  bool MappingValue(std::string_view name, std::string_view after) {
    Level& mapping = levels_.back();
    mapping.pending = false;
    mapping.pending_slot = {};
    Slot slot;
    if (mapping.node != nullptr && Select(mapping, name, slot)) {
      // goyaml.v2 lets a repeated key win; on a selected path it is left to libyaml.
      if (!mapping.all && mapping.node->contains(name)) return false;
      slot.node = &(*mapping.node)[std::string(name)];
      *slot.node = json();
    }
    size_t start = after.find_first_not_of(' ');
    Scalar scalar;
    if (!ReadScalar(start == kNone ? std::string_view() : after.substr(start), scalar)) {
      return false;
    }
    if (scalar.form == Form::kNothing) {
      mapping.pending = true;
      mapping.pending_slot = slot;
      return true;
    }
    return EndScalar(scalar, mapping.indent, slot);
  }

  // Whether the value of key `name` of a mapping is built, and how.
  bool Select(const Level& mapping, std::string_view name, Slot& slot) const {
    if (mapping.all) {
      slot.whole = true;
      return true;
    }
    const Want& want = mapping.want;
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
  char open_quote_ = 0;
  std::string key_storage_;  // a key whose name is not its text

  bool in_plain_ = false;
  size_t plain_parent_ = 0;
  json* plain_target_ = nullptr;  // where the folded value goes, when it is built
  std::string plain_text_;
  size_t plain_breaks_ = 0;

  bool in_block_ = false;
  size_t block_parent_ = 0;
  size_t block_indent_ = 0;
  size_t block_leading_ = 0;  // the longest line of spaces before the first content
  json* block_target_ = nullptr;
  char block_chomping_ = 0;
  std::string block_text_;
  size_t block_breaks_ = 0;  // empty lines since the last content line
  bool block_content_ = false;
  bool block_folded_ = false;
  bool block_line_open_ = false;  // a content line's break is not written yet
  bool block_blank_ = false;      // the last content line starts with a blank
};

}  // namespace

std::optional<QuickDocument> QuickDecode(std::string_view chunk, std::span<const FieldPath> only) {
  return Reader(chunk, only).Read();
}

}  // namespace converge::kube::yaml
