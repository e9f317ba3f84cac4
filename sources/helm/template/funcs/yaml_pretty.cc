// Helm's toYamlPretty: go.yaml.in/yaml/v3's encoder with an indent of 2 over the Go value
// itself (no JSON round trip, unlike toYaml). Block layout is written here, as yaml.v3 indents
// sequences under mapping keys, which libyaml cannot; each scalar is rendered by libyaml (from
// which yaml.v3's emitter is ported) so quoting, escaping and block scalars are its own.

#include <cctype>
#include <cmath>

#include <yaml.h>

#include "base/gosort.h"
#include "base/utf8.h"
#include "base/yaml_key_order.h"
#include "sources/helm/template/fmt.h"
#include "sources/helm/template/funcs/funcs.h"
#include "sources/helm/template/gotime.h"

namespace converge::sources::helm::tmpl {
namespace {

// yamlStyleFloat: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsYamlFloat(std::string_view text) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i > start;
  };
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  } else {
    if (!digits()) return false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    if (!digits()) return false;
  }
  return i == text.size();
}

// [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
bool IsBase60Float(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '_')) ++i;
  int groups = 0;
  while (i < text.size() && text[i] == ':') {
    ++i;
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 2) ++i;
    if (i == start || (i - start == 2 && text[start] > '5')) return false;
    ++groups;
  }
  if (groups == 0) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '_')) ++i;
  }
  return i == text.size();
}

// Whether yaml.v3 writes `text` plain: it must resolve back to a string under yaml.v3's rules
// and not be a YAML 1.1 boolean or sexagesimal number.
bool PlainIsString(std::string_view text) {
  static constexpr std::string_view kSpecial[] = {
      "",      "~",    "null", "Null", "NULL",  "true",  "True",  "TRUE",  "false", "False",
      "FALSE", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
      ".nan",  ".NaN", ".NAN", "y",    "Y",     "yes",   "Yes",   "YES",   "n",     "N",
      "no",    "No",   "NO",   "on",   "On",    "ON",    "off",   "Off",   "OFF"};
  for (std::string_view special : kSpecial) {
    if (text == special) return false;
  }
  if (std::string_view("-+.0123456789").find(text[0]) == std::string_view::npos) return true;
  // yaml.v3 reads numbers with their underscores removed.
  std::string plain;
  for (char c : text) {
    if (c != '_') plain += c;
  }
  if (ParseGoInt(plain) || ParseGoUint(plain) || IsYamlFloat(plain) || IsBase60Float(text)) {
    return false;
  }
  for (std::string_view layout :
       {"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00",
        "2006-1-2 15:4:5.999999999", "2006-1-2"}) {
    if (ParseTime(layout, text).ok()) return false;
  }
  return true;
}

// libyaml's rendering of one scalar, as a mapping value (or key) at the left margin: a single
// line, or a block scalar header followed by lines indented by 2.
class ScalarWriter {
 public:
  std::string Render(const std::string& text, yaml_scalar_style_t style, bool key) {
    out_.clear();
    yaml_emitter_t emitter;
    yaml_emitter_initialize(&emitter);
    yaml_emitter_set_output(&emitter, &ScalarWriter::Write, &out_);
    yaml_emitter_set_unicode(&emitter, 1);
    yaml_emitter_set_width(&emitter, -1);
    yaml_event_t event;
    yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING);
    yaml_emitter_emit(&emitter, &event);
    yaml_document_start_event_initialize(&event, nullptr, nullptr, nullptr, 1);
    yaml_emitter_emit(&emitter, &event);
    yaml_mapping_start_event_initialize(&event, nullptr, nullptr, 1, YAML_BLOCK_MAPPING_STYLE);
    yaml_emitter_emit(&emitter, &event);
    Scalar(emitter, key ? text : "k", key ? style : YAML_PLAIN_SCALAR_STYLE);
    Scalar(emitter, key ? "v" : text, key ? YAML_PLAIN_SCALAR_STYLE : style);
    yaml_mapping_end_event_initialize(&event);
    yaml_emitter_emit(&emitter, &event);
    yaml_document_end_event_initialize(&event, 1);
    yaml_emitter_emit(&emitter, &event);
    yaml_stream_end_event_initialize(&event);
    yaml_emitter_emit(&emitter, &event);
    yaml_emitter_delete(&emitter);
    if (out_.ends_with("...\n")) out_.resize(out_.size() - 4);
    if (key) return out_.substr(0, out_.rfind(": v\n"));
    std::string rendered = out_.substr(3);
    if (rendered.ends_with('\n')) rendered.pop_back();
    return rendered;
  }

 private:
  static int Write(void* data, unsigned char* buffer, size_t size) {
    static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);
    return 1;
  }
  static void Scalar(yaml_emitter_t& emitter, const std::string& text, yaml_scalar_style_t style) {
    yaml_event_t event;
    yaml_scalar_event_initialize(&event, nullptr, nullptr,
                                 reinterpret_cast<yaml_char_t*>(const_cast<char*>(text.data())),
                                 static_cast<int>(text.size()), 1, 1, style);
    yaml_emitter_emit(&emitter, &event);
  }
  std::string out_;
};

class PrettyEmitter {
 public:
  std::string Document(const Value& value) {
    if (IsBlock(value)) {
      Block(value, 0);
    } else {
      out_ += Inline(value, 0);
      out_ += '\n';
    }
    return std::move(out_);
  }

 private:
  static bool IsBlock(const Value& value) {
    if (value.kind() == Value::Kind::kList) return !value.list().empty();
    if (value.kind() == Value::Kind::kBytes) return !value.bytes_value().empty();
    return value.kind() == Value::Kind::kMap && !AsTime(value) && !value.map().empty();
  }

  // yaml.v3's stringv: literal when multi-line, plain when it reads back as a string, else
  // double-quoted; libyaml downgrades what the text cannot take.
  std::string String(const std::string& raw, size_t indent, bool key) {
    std::string text = ValidUtf8(raw);
    yaml_scalar_style_t style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    if (text.find('\n') != std::string::npos) {
      style = YAML_LITERAL_SCALAR_STYLE;
    } else if (PlainIsString(text)) {
      style = YAML_PLAIN_SCALAR_STYLE;
    }
    std::string rendered = RenderScalar(text, style, key);
    // Block scalar lines come indented by 2 from the margin; move them under `indent`.
    std::string out;
    size_t start = 0;
    while (true) {
      size_t end = rendered.find('\n', start);
      std::string_view line(rendered.data() + start,
                            (end == std::string::npos ? rendered.size() : end) - start);
      if (start > 0 && !line.empty()) out += std::string(indent, ' ');
      out += line;
      if (end == std::string::npos) break;
      out += '\n';
      start = end + 1;
    }
    return out;
  }

  // yaml.v3's emitter takes tabs in block scalars where libyaml's does not: they pass through
  // libyaml as a private-use character and are put back.
  std::string RenderScalar(const std::string& text, yaml_scalar_style_t style, bool key) {
    constexpr std::string_view kTabStandIn = "\xee\x80\x80";  // U+E000
    if (style != YAML_LITERAL_SCALAR_STYLE || text.find('\t') == std::string::npos ||
        text.find(kTabStandIn) != std::string::npos) {
      return scalars_.Render(text, style, key);
    }
    std::string stand_in;
    for (char c : text) {
      if (c == '\t') {
        stand_in += kTabStandIn;
      } else {
        stand_in += c;
      }
    }
    std::string rendered = scalars_.Render(stand_in, style, key);
    if (!rendered.starts_with('|')) return scalars_.Render(text, style, key);
    std::string out;
    for (size_t pos = 0; pos < rendered.size();) {
      if (rendered.compare(pos, kTabStandIn.size(), kTabStandIn) == 0) {
        out += '\t';
        pos += kTabStandIn.size();
      } else {
        out += rendered[pos++];
      }
    }
    return out;
  }

  std::string Inline(const Value& value, size_t indent) {
    switch (value.kind()) {
      case Value::Kind::kNil:
        return "null";
      case Value::Kind::kBool:
        return value.bool_value() ? "true" : "false";
      case Value::Kind::kInt:
      case Value::Kind::kInt64:
      case Value::Kind::kUint8:
        return std::to_string(value.int_value());
      case Value::Kind::kFloat64: {
        double number = value.float_value();
        if (std::isnan(number)) return ".nan";
        if (std::isinf(number)) return number > 0 ? ".inf" : "-.inf";
        return FormatValue(value);
      }
      case Value::Kind::kString:
        return String(value.string_value(), indent, false);
      case Value::Kind::kBytes:
      case Value::Kind::kList:
        return "[]";
      case Value::Kind::kMap:
        if (std::optional<GoTime> time = AsTime(value)) return TimeJson(*time);
        return "{}";
    }
    return "null";
  }

  // A key's value: on the key's line when inline, else on the following lines.
  void KeyValue(const Value& value, size_t indent) {
    if (!IsBlock(value)) {
      out_ += ' ';
      out_ += Inline(value, indent);
      out_ += '\n';
      return;
    }
    out_ += '\n';
    out_ += std::string(indent + 2, ' ');
    Block(value, indent + 2);
  }

  // Writes a block map or list whose first line's indentation is already written.
  void Block(const Value& value, size_t indent) {
    // yaml.v3 writes a []byte as the sequence of its numbers.
    if (value.kind() == Value::Kind::kBytes) {
      Block(Value::List(ByteList(value), ElemType::kInt), indent);
      return;
    }
    bool first = true;
    if (value.kind() == Value::Kind::kList) {
      for (const Value& item : value.list()) {
        if (!first) out_ += std::string(indent, ' ');
        first = false;
        out_ += "- ";
        if (IsBlock(item)) {
          Block(item, indent + 2);
        } else {
          out_ += Inline(item, indent);
          out_ += '\n';
        }
      }
      return;
    }
    struct Entry {
      std::u32string runes;
      const std::string* key;
      const Value* value;
    };
    std::vector<Entry> entries;
    for (const auto& [key, item] : value.map()) entries.push_back({DecodeUtf8(key), &key, &item});
    GoSort(
        entries.size(),
        [&](size_t i, size_t j) {
          return YamlKeyLess(entries[i].runes, entries[j].runes, YamlKeyStyle::kV3);
        },
        [&](size_t i, size_t j) { std::swap(entries[i], entries[j]); });
    bool is_struct = value.elem() == ElemType::kCertificate;
    for (const Entry& entry : entries) {
      if (!first) out_ += std::string(indent, ' ');
      first = false;
      // yaml.v3 names struct fields in lower case.
      std::string key = *entry.key;
      if (is_struct && !key.empty()) key[0] = static_cast<char>(std::tolower(key[0]));
      out_ += String(key, indent, true);
      out_ += ':';
      KeyValue(*entry.value, indent);
    }
  }

  ScalarWriter scalars_;
  std::string out_;
};

}  // namespace

// yaml.v3 output without its final newline; Helm prints "" when encoding fails, which these
// values never do.
CONVERGE_FUNC(FnToYamlPretty) {
  (void)call;
  std::string yaml = PrettyEmitter().Document(args[0]);
  if (yaml.ends_with('\n')) yaml.pop_back();
  return Value::String(std::move(yaml));
}

}  // namespace converge::sources::helm::tmpl
