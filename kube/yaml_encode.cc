// YAML bytes as sigs.k8s.io/yaml.Marshal writes them: the value goes through JSON, is read back
// by goyaml.v2 and emitted by goyaml.v2's encoder. libyaml is the emitter goyaml.v2 was ported
// from, so it is driven here with the same events, styles and settings.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <yaml.h>

#include "base/gosort.h"
#include "base/strconv.h"
#include "base/utf8.h"
#include "base/yaml_key_order.h"
#include "kube/json_number.h"
#include "kube/kube.h"
#include "kube/yaml_resolve.h"

namespace converge::kube {
namespace {

using nlohmann::json;

// How sigs.k8s.io/yaml's JSON round trip prints a number: integral values that fit 64 bits as
// integers (goyaml reads them back as ints), everything else in Go's %g form.
std::string FormatNumber(const json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    return std::to_string(value.get<int64_t>());
  }
  if (value.is_number_unsigned()) {
    return std::to_string(value.get<uint64_t>());
  }
  double number = value.get<double>();
  if (std::isnan(number)) return ".nan";
  if (std::isinf(number)) return number > 0 ? ".inf" : "-.inf";
  if (std::optional<int64_t> integer = JsonTextAsInt64(number)) return std::to_string(*integer);
  if (std::optional<uint64_t> integer = JsonTextAsUint64(number)) return std::to_string(*integer);
  return FormatFloat(number, 'g', -1, 64);
}

class Emitter {
 public:
  Emitter() {
    yaml_emitter_initialize(&emitter_);
    yaml_emitter_set_output(&emitter_, &Emitter::Write, &out_);
    yaml_emitter_set_unicode(&emitter_, 1);
  }
  ~Emitter() { yaml_emitter_delete(&emitter_); }
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  std::string Document(const json& value) {
    yaml_event_t event;
    yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING);
    Emit(event);
    yaml_document_start_event_initialize(&event, nullptr, nullptr, nullptr, 1);
    Emit(event);
    Node(value);
    yaml_document_end_event_initialize(&event, 1);
    Emit(event);
    yaml_stream_end_event_initialize(&event);
    Emit(event);
    // libyaml 0.2 ends an open-ended last scalar ("|+", a bare root scalar) with a "..." line
    // that goyaml.v2 never writes.
    if (out_.size() >= 4 && out_.compare(out_.size() - 4, 4, "...\n") == 0 &&
        (out_.size() == 4 || out_[out_.size() - 5] == '\n')) {
      out_.resize(out_.size() - 4);
    }
    return std::move(out_);
  }

 private:
  static int Write(void* data, unsigned char* buffer, size_t size) {
    static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);
    return 1;
  }

  // Events only fail on misuse (a broken invariant of this file), never on input.
  void Emit(yaml_event_t& event) {
    [[maybe_unused]] int ok = yaml_emitter_emit(&emitter_, &event);
    assert(ok);
  }

  void Scalar(std::string_view text, yaml_scalar_style_t style) {
    yaml_event_t event;
    yaml_scalar_event_initialize(&event, nullptr, nullptr,
                                 reinterpret_cast<yaml_char_t*>(const_cast<char*>(text.data())),
                                 static_cast<int>(text.size()), 1, 1, style);
    Emit(event);
  }

  // goyaml.v2's stringv: literal block when there is a newline, plain when it reads back as the
  // same string, double-quoted otherwise. libyaml then downgrades styles the text cannot take.
  void String(const std::string& raw) {
    std::string text = ValidUtf8(raw);
    yaml_scalar_style_t style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    if (text.find('\n') != std::string::npos) {
      style = YAML_LITERAL_SCALAR_STYLE;
    } else if (yaml::PlainIsString(text)) {
      style = YAML_PLAIN_SCALAR_STYLE;
    }
    Scalar(text, style);
  }

  void Node(const json& value) {
    switch (value.type()) {
      case json::value_t::object:
        Mapping(value);
        return;
      case json::value_t::array:
        Sequence(value);
        return;
      case json::value_t::string:
        String(value.get_ref<const std::string&>());
        return;
      case json::value_t::boolean:
        Scalar(value.get<bool>() ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
        return;
      case json::value_t::number_integer:
      case json::value_t::number_unsigned:
      case json::value_t::number_float:
        Scalar(FormatNumber(value), YAML_PLAIN_SCALAR_STYLE);
        return;
      case json::value_t::null:
      case json::value_t::discarded:
      case json::value_t::binary:
        Scalar("null", YAML_PLAIN_SCALAR_STYLE);
        return;
    }
  }

  void Mapping(const json& value) {
    struct Entry {
      std::u32string runes;
      const std::string* key;
      const json* value;
    };
    std::vector<Entry> entries;
    entries.reserve(value.size());
    for (auto it = value.begin(); it != value.end(); ++it) {
      entries.push_back({DecodeUtf8(it.key()), &it.key(), &it.value()});
    }
    // goyaml.v2 sorts keys with sort.Sort; see base/gosort.h for why the algorithm matters.
    GoSort(
        entries.size(),
        [&](size_t i, size_t j) {
          return YamlKeyLess(entries[i].runes, entries[j].runes, YamlKeyStyle::kV2);
        },
        [&](size_t i, size_t j) { std::swap(entries[i], entries[j]); });
    yaml_event_t event;
    yaml_mapping_start_event_initialize(&event, nullptr, nullptr, 1, YAML_BLOCK_MAPPING_STYLE);
    Emit(event);
    for (const Entry& entry : entries) {
      String(*entry.key);
      Node(*entry.value);
    }
    yaml_mapping_end_event_initialize(&event);
    Emit(event);
  }

  void Sequence(const json& value) {
    yaml_event_t event;
    yaml_sequence_start_event_initialize(&event, nullptr, nullptr, 1, YAML_BLOCK_SEQUENCE_STYLE);
    Emit(event);
    for (const json& item : value) Node(item);
    yaml_sequence_end_event_initialize(&event);
    Emit(event);
  }

  yaml_emitter_t emitter_{};
  std::string out_;
};

}  // namespace

std::string EncodeYaml(const json& value) { return Emitter().Document(value); }

std::string EncodeYamlStream(const std::vector<Object>& objects) {
  std::string out;
  for (size_t i = 0; i < objects.size(); ++i) {
    if (i > 0) out.append("---\n");
    out.append(EncodeYaml(objects[i].json()));
  }
  return out;
}

}  // namespace converge::kube
