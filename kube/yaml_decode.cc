// Reading manifests the way kubectl does: apimachinery's document splitter, goyaml.v2's YAML
// 1.1 semantics (on libyaml, the parser goyaml was ported from), sigs.k8s.io/yaml's conversion
// to JSON, and Kubernetes' JSON number types.

#include <algorithm>
#include <cassert>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <yaml.h>

#include "base/base64.h"
#include "base/strconv.h"
#include "kube/json_decode.h"
#include "kube/kube.h"
#include "kube/yaml_json.h"
#include "kube/yaml_quick.h"
#include "kube/yaml_resolve.h"

namespace converge::kube {
namespace {

using nlohmann::json;
using yaml::KeyFromScalar;
using yaml::ScalarKind;
using yaml::ScalarToJson;

// Past this depth a document is refused instead of risking the stack.
constexpr int kMaxDepth = 1000;
// Aliases may copy at most this many nodes per document ("billion laughs" defence).
constexpr size_t kMaxAliasNodes = 1'000'000;

constexpr std::string_view kLongTagPrefix = "tag:yaml.org,2002:";

struct Chunk {
  std::string_view text;
  int first_line = 0;  // 0-based line of text[0] in the stream
};

bool IsBlankLine(std::string_view line) {
  size_t i = line.find_first_not_of(" \t\r\n\v\f");
  return i == std::string_view::npos || line[i] == '#';
}

std::string_view TrimSpace(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n\v\f");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r\n\v\f");
  return text.substr(begin, end - begin + 1);
}

// apimachinery's YAMLReader (Kubernetes 1.35): every line starting with "---" separates
// documents, and only blanks or a comment may follow the dashes. Chunks keep their marker line
// so that line numbers stay right; chunks of nothing but blanks and comments are no documents.
Result<std::vector<Chunk>> SplitDocuments(std::string_view text, std::string_view source) {
  std::vector<Chunk> chunks;
  size_t chunk_start = 0;
  int chunk_line = 0;
  bool chunk_blank = true;
  size_t pos = 0;
  int line_number = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    size_t next = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view line = text.substr(pos, next - pos);
    bool marker = line.substr(0, 3) == "---";
    if (marker) {
      std::string_view rest = TrimSpace(line.substr(3));
      if (!rest.empty() && rest[0] != '#') {
        return Status::Invalid(std::string(source.empty() ? "<input>" : source) + ":" +
                               std::to_string(line_number + 1) +
                               ": invalid Yaml document separator: " + std::string(rest));
      }
      if (pos > chunk_start && !chunk_blank) {
        chunks.push_back({text.substr(chunk_start, pos - chunk_start), chunk_line});
      }
      chunk_start = pos;
      chunk_line = line_number;
      chunk_blank = true;
    } else {
      chunk_blank = chunk_blank && IsBlankLine(line);
    }
    pos = next;
    ++line_number;
  }
  if (chunk_start < text.size() && !chunk_blank) {
    chunks.push_back({text.substr(chunk_start), chunk_line});
  }
  return chunks;
}

std::string ShortTag(const yaml_char_t* tag) {
  if (tag == nullptr) {
    return {};
  }
  std::string_view full(reinterpret_cast<const char*>(tag));
  if (full.substr(0, kLongTagPrefix.size()) == kLongTagPrefix) {
    return "!!" + std::string(full.substr(kLongTagPrefix.size()));
  }
  return std::string(full);
}

std::string_view Text(const yaml_char_t* data, size_t length) {
  return {reinterpret_cast<const char*>(data), length};
}

std::string_view AnchorName(const yaml_char_t* anchor) {
  return anchor == nullptr ? std::string_view() : reinterpret_cast<const char*>(anchor);
}

// RAII for one libyaml event.
struct Event {
  yaml_event_t raw{};
  bool filled = false;
  ~Event() {
    if (filled) yaml_event_delete(&raw);
  }
  yaml_event_type_t type() const { return raw.type; }
};

size_t CountNodes(const json& value) {
  size_t count = 1;
  if (value.is_structured()) {
    for (const json& child : value) count += CountNodes(child);
  }
  return count;
}

Result<std::string> KeyFromJson(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return value.get<std::string>();
    case json::value_t::boolean:
      return std::string(value.get<bool>() ? "true" : "false");
    case json::value_t::number_integer:
      return std::to_string(value.get<int64_t>());
    case json::value_t::number_float:
      return FormatFloat(value.get<double>(), 'g', -1, 32);
    case json::value_t::null:
      return Status::Invalid("null map key is not allowed");
    default:
      return Status::Invalid("a map key must be a scalar, not a " + std::string(value.type_name()));
  }
}

// Which part of a node to build: all of it, or only the keys on the way to DecodeOptions::only's
// paths (bit i of `paths` set while only[i] passes through the node, `level` keys matched).
struct Want {
  bool all = true;
  uint64_t paths = 0;
  size_t level = 0;
};

// What a "<<" merge needs to know of a value that is read without being built.
enum class Shape { kMapping, kMappings, kOther };

Shape ShapeOf(const json& value) {
  if (value.is_object()) return Shape::kMapping;
  if (value.is_array() &&
      std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_object(); })) {
    return Shape::kMappings;
  }
  return Shape::kOther;
}

std::string_view NodeAnchor(const Event& event) {
  switch (event.type()) {
    case YAML_SCALAR_EVENT:
      return AnchorName(event.raw.data.scalar.anchor);
    case YAML_SEQUENCE_START_EVENT:
      return AnchorName(event.raw.data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
      return AnchorName(event.raw.data.mapping_start.anchor);
    default:
      return {};
  }
}

// Decodes one chunk of the stream, which must hold at most one document.
class ChunkDecoder {
 public:
  ChunkDecoder(const Chunk& chunk, std::string_view source, int index, DecodeOptions options)
      : chunk_(chunk), source_(source), index_(index), options_(options) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(
        &parser_, reinterpret_cast<const unsigned char*>(chunk.text.data()), chunk.text.size());
  }
  ~ChunkDecoder() { yaml_parser_delete(&parser_); }
  ChunkDecoder(const ChunkDecoder&) = delete;
  ChunkDecoder& operator=(const ChunkDecoder&) = delete;

  // Returns the document, or nullopt when the chunk holds none.
  Result<std::optional<Document>> Decode() {
    Event event;
    if (Status s = Next(event, YAML_STREAM_START_EVENT); !s.ok()) return s;
    Event start;
    if (Status s = Next(start); !s.ok()) return s;
    if (start.type() == YAML_STREAM_END_EVENT) {
      return std::optional<Document>();
    }
    Event root;
    if (Status s = Next(root); !s.ok()) return s;
    Document document;
    document.index = index_;
    document.line = chunk_.first_line + static_cast<int>(root.raw.start_mark.line) + 1;
    Want want;
    if (!options_.only.empty()) {
      assert(options_.only.size() <= 64);
      assert(std::none_of(options_.only.begin(), options_.only.end(),
                          [](const FieldPath& path) { return path.empty(); }));
      want = {.all = false, .paths = ~uint64_t{0} >> (64 - options_.only.size())};
    }
    Result<json> value = ParseNode(root, 0, want);
    if (!value.ok()) return value.status();
    document.value = std::move(*value);
    Event end;
    if (Status s = Next(end, YAML_DOCUMENT_END_EVENT); !s.ok()) return s;
    // kubectl reads one document per chunk and would silently drop anything after a "..."
    // marker; refusing it loses nothing.
    Event after;
    Status trailing = Next(after);
    if (!trailing.ok() || after.type() != YAML_STREAM_END_EVENT) {
      yaml_mark_t mark = trailing.ok() ? after.raw.start_mark : parser_.problem_mark;
      return Error(mark,
                   "content after the document end marker \"...\" would be dropped by "
                   "kubectl; start a new document with \"---\"");
    }
    return std::optional<Document>(std::move(document));
  }

 private:
  Status Error(const yaml_mark_t& mark, const std::string& message) const {
    return Status::Invalid(std::string(source_.empty() ? "<input>" : source_) + ":" +
                           std::to_string(chunk_.first_line + static_cast<int>(mark.line) + 1) +
                           ":" + std::to_string(mark.column + 1) + ": document " +
                           std::to_string(index_) + ": " + message);
  }

  Status Next(Event& event, std::optional<yaml_event_type_t> expected = std::nullopt) {
    if (!yaml_parser_parse(&parser_, &event.raw)) {
      std::string message = parser_.problem != nullptr ? parser_.problem : "malformed YAML";
      if (parser_.context != nullptr) {
        message += std::string(" ") + parser_.context + " that starts at line " +
                   std::to_string(chunk_.first_line + parser_.context_mark.line + 1);
      }
      return Error(parser_.problem_mark, message);
    }
    event.filled = true;
    if (expected && event.type() != *expected) {
      return Error(event.raw.start_mark, "unexpected YAML event");
    }
    return Status();
  }

  Status CheckDepth(const Event& event, int depth) const {
    if (depth <= kMaxDepth) return Status();
    return Error(event.raw.start_mark, "nested deeper than " + std::to_string(kMaxDepth));
  }

  // An anchored node is built whole: an alias may bring it anywhere.
  Result<json> ParseNode(Event& event, int depth, Want want = {}) {
    if (Status s = CheckDepth(event, depth); !s.ok()) return s;
    std::string_view anchor = NodeAnchor(event);
    if (!anchor.empty()) want = {};
    Result<json> value = json();
    switch (event.type()) {
      case YAML_ALIAS_EVENT: {
        Result<const json*> target = ResolveAlias(event);
        if (!target.ok()) return target.status();
        return **target;
      }
      case YAML_SCALAR_EVENT:
        value = ParseScalar(event);
        break;
      case YAML_SEQUENCE_START_EVENT:
        MarkInProgress(anchor);
        value = ParseSequence(depth, want);
        break;
      case YAML_MAPPING_START_EVENT:
        MarkInProgress(anchor);
        value = ParseMapping(depth, want);
        break;
      default:
        return Error(event.raw.start_mark, "unexpected YAML event");
    }
    if (value.ok() && !anchor.empty()) {
      in_progress_.erase(std::string(anchor));
      anchors_[std::string(anchor)] = *value;
    }
    return value;
  }

  // Reads and checks a node as ParseNode does, building nothing but anchored nodes.
  Result<Shape> SkipNode(Event& event, int depth) {
    if (Status s = CheckDepth(event, depth); !s.ok()) return s;
    if (event.type() == YAML_ALIAS_EVENT) {
      Result<const json*> target = ResolveAlias(event);
      if (!target.ok()) return target.status();
      return ShapeOf(**target);
    }
    if (!NodeAnchor(event).empty()) {
      Result<json> value = ParseNode(event, depth);
      if (!value.ok()) return value.status();
      return ShapeOf(*value);
    }
    switch (event.type()) {
      case YAML_SCALAR_EVENT:
        if (Status s = CheckScalar(event); !s.ok()) return s;
        return Shape::kOther;
      case YAML_SEQUENCE_START_EVENT:
        return SkipSequence(depth);
      case YAML_MAPPING_START_EVENT:
        return SkipMapping(depth);
      default:
        return Error(event.raw.start_mark, "unexpected YAML event");
    }
  }

  void MarkInProgress(std::string_view anchor) {
    if (!anchor.empty()) in_progress_.insert(std::string(anchor));
  }

  Result<const json*> ResolveAlias(const Event& event) {
    std::string name(AnchorName(event.raw.data.alias.anchor));
    if (in_progress_.count(name) != 0) {
      return Error(event.raw.start_mark, "anchor '" + name + "' value contains itself");
    }
    auto it = anchors_.find(name);
    if (it == anchors_.end()) {
      return Error(event.raw.start_mark, "unknown anchor '" + name + "' referenced");
    }
    alias_nodes_ += CountNodes(it->second);
    if (alias_nodes_ > kMaxAliasNodes) {
      return Error(event.raw.start_mark, "document contains excessive aliasing");
    }
    return &it->second;
  }

  // The part of the value under `key` of a mapping built as `want` says; nullopt for none.
  std::optional<Want> ChildWant(const Want& want, std::string_view key) const {
    if (want.all) return want;
    Want child{.all = false, .level = want.level + 1};
    for (size_t i = 0; i < options_.only.size(); ++i) {
      const FieldPath& path = options_.only[i];
      if ((want.paths >> i & 1) == 0 || path[want.level] != key) continue;
      if (path.size() == child.level) return Want{};
      child.paths |= uint64_t{1} << i;
    }
    if (child.paths == 0) return std::nullopt;
    return child;
  }

  // Resolves a scalar event as goyaml.v2 does: plain untagged scalars by YAML 1.1 rules, quoted
  // and block ones as strings unless a tag says otherwise.
  Result<yaml::Scalar> ResolveScalar(const Event& event) {
    const auto& scalar = event.raw.data.scalar;
    std::string_view text = Text(scalar.value, scalar.length);
    std::string tag = ShortTag(scalar.tag);
    if (tag.empty() && !scalar.plain_implicit) {
      return yaml::Scalar{};
    }
    Result<yaml::Scalar> resolved = yaml::Resolve(tag, text, options_.yaml_1_2);
    if (!resolved.ok()) {
      return Error(event.raw.start_mark, resolved.status().message());
    }
    return resolved;
  }

  // Checks a scalar as ParseScalar does without building its value.
  Status CheckScalar(const Event& event) {
    const auto& scalar = event.raw.data.scalar;
    std::string_view text = Text(scalar.value, scalar.length);
    if (ShortTag(scalar.tag) == "!!binary") {
      if (Base64Decode(text)) return Status();
      return Error(event.raw.start_mark, "!!binary value contains invalid base64 data");
    }
    Result<yaml::Scalar> resolved = ResolveScalar(event);
    if (!resolved.ok()) return resolved.status();
    if (resolved->kind != ScalarKind::kFloat) return Status();
    Result<json> value = ScalarToJson(*resolved, text);
    return value.ok() ? Status() : Error(event.raw.start_mark, value.status().message());
  }

  Result<json> ParseScalar(const Event& event) {
    const auto& scalar = event.raw.data.scalar;
    std::string_view text = Text(scalar.value, scalar.length);
    if (ShortTag(scalar.tag) == "!!binary") {
      std::optional<std::string> decoded = Base64Decode(text);
      if (!decoded) {
        return Error(event.raw.start_mark, "!!binary value contains invalid base64 data");
      }
      return json(std::move(*decoded));
    }
    Result<yaml::Scalar> resolved = ResolveScalar(event);
    if (!resolved.ok()) return resolved.status();
    Result<json> value = ScalarToJson(*resolved, text);
    if (!value.ok()) return Error(event.raw.start_mark, value.status().message());
    // goyaml.v3 keeps integers above INT64_MAX exact.
    if (options_.yaml_1_2 && resolved->kind == yaml::ScalarKind::kUint) {
      return json(resolved->unsigned_integer);
    }
    // goyaml.v3 decodes timestamps to time.Time, which JSON prints in RFC 3339.
    if (options_.yaml_1_2 && resolved->kind == yaml::ScalarKind::kTimestamp && text.size() == 10) {
      return json(std::string(text) + "T00:00:00Z");
    }
    return value;
  }

  // The items of a sequence on the way to a wanted field are built as the sequence is.
  Result<json> ParseSequence(int depth, const Want& want) {
    json out = json::array();
    while (true) {
      Event item;
      if (Status s = Next(item); !s.ok()) return s;
      if (item.type() == YAML_SEQUENCE_END_EVENT) return out;
      Result<json> value = ParseNode(item, depth + 1, want);
      if (!value.ok()) return value.status();
      out.push_back(std::move(*value));
    }
  }

  Result<Shape> SkipSequence(int depth) {
    bool mappings = true;
    while (true) {
      Event item;
      if (Status s = Next(item); !s.ok()) return s;
      if (item.type() == YAML_SEQUENCE_END_EVENT)
        return mappings ? Shape::kMappings : Shape::kOther;
      Result<Shape> shape = SkipNode(item, depth + 1);
      if (!shape.ok()) return shape.status();
      mappings = mappings && *shape == Shape::kMapping;
    }
  }

  Result<json> ParseMapping(int depth, const Want& want) {
    json out = json::object();
    while (true) {
      Event key;
      if (Status s = Next(key); !s.ok()) return s;
      if (key.type() == YAML_MAPPING_END_EVENT) return out;
      if (IsMergeKey(key)) {
        if (Status s = ParseMerge(out, depth, want); !s.ok()) return s;
        continue;
      }
      Result<std::string> name = ParseKey(key, depth);
      if (!name.ok()) return name.status();
      Event value_event;
      if (Status s = Next(value_event); !s.ok()) return s;
      std::optional<Want> child = ChildWant(want, *name);
      if (!child) {
        Result<Shape> skipped = SkipNode(value_event, depth + 1);
        if (!skipped.ok()) return skipped.status();
        continue;
      }
      Result<json> value = ParseNode(value_event, depth + 1, *child);
      if (!value.ok()) return value.status();
      out[std::move(*name)] = std::move(*value);
    }
  }

  Result<Shape> SkipMapping(int depth) {
    while (true) {
      Event key;
      if (Status s = Next(key); !s.ok()) return s;
      if (key.type() == YAML_MAPPING_END_EVENT) return Shape::kMapping;
      if (IsMergeKey(key)) {
        if (Status s = SkipMerge(depth); !s.ok()) return s;
        continue;
      }
      Result<std::string> name = ParseKey(key, depth);
      if (!name.ok()) return name.status();
      Event value_event;
      if (Status s = Next(value_event); !s.ok()) return s;
      Result<Shape> skipped = SkipNode(value_event, depth + 1);
      if (!skipped.ok()) return skipped.status();
    }
  }

  static bool IsMergeKey(const Event& key) {
    if (key.type() != YAML_SCALAR_EVENT) return false;
    const auto& scalar = key.raw.data.scalar;
    std::string tag = ShortTag(scalar.tag);
    return Text(scalar.value, scalar.length) == "<<" &&
           ((tag.empty() && scalar.plain_implicit) || tag == "!!merge");
  }

  Result<std::string> ParseKey(Event& key, int depth) {
    if (key.type() == YAML_SCALAR_EVENT) {
      const auto& scalar = key.raw.data.scalar;
      std::string_view text = Text(scalar.value, scalar.length);
      Result<yaml::Scalar> resolved = ResolveScalar(key);
      if (!resolved.ok()) return resolved.status();
      Result<std::string> name = KeyFromScalar(*resolved, text);
      if (!name.ok()) return Error(key.raw.start_mark, name.status().message());
      if (!AnchorName(scalar.anchor).empty()) {
        Result<json> value = ScalarToJson(*resolved, text);
        anchors_[std::string(AnchorName(scalar.anchor))] = value.ok() ? *value : json(*name);
      }
      return name;
    }
    yaml_mark_t mark = key.raw.start_mark;
    Result<json> value = ParseNode(key, depth + 1);
    if (!value.ok()) return value.status();
    Result<std::string> name = KeyFromJson(*value);
    if (!name.ok()) return Error(mark, name.status().message());
    return name;
  }

  // "<<" merges a mapping, or a sequence of mappings where earlier ones win, into `out`.
  // goyaml.v2 lets merged keys overwrite keys that came before the "<<" in the same mapping.
  // The merged value is built as the mapping it merges into.
  Status ParseMerge(json& out, int depth, const Want& want) {
    Event value_event;
    if (Status s = Next(value_event); !s.ok()) return s;
    yaml_mark_t mark = value_event.raw.start_mark;
    Result<json> value = ParseNode(value_event, depth + 1, want);
    if (!value.ok()) return value.status();
    auto merge_one = [&](const json& source) {
      for (auto it = source.begin(); it != source.end(); ++it) out[it.key()] = it.value();
    };
    switch (ShapeOf(*value)) {
      case Shape::kMapping:
        merge_one(*value);
        return Status();
      case Shape::kMappings:
        for (auto it = value->rbegin(); it != value->rend(); ++it) merge_one(*it);
        return Status();
      case Shape::kOther:
        break;
    }
    return MergeError(mark);
  }

  Status SkipMerge(int depth) {
    Event value_event;
    if (Status s = Next(value_event); !s.ok()) return s;
    yaml_mark_t mark = value_event.raw.start_mark;
    Result<Shape> shape = SkipNode(value_event, depth + 1);
    if (!shape.ok()) return shape.status();
    return *shape == Shape::kOther ? MergeError(mark) : Status();
  }

  Status MergeError(const yaml_mark_t& mark) const {
    return Error(mark, "map merge requires map or sequence of maps as the value");
  }

  Chunk chunk_;
  std::string_view source_;
  int index_;
  DecodeOptions options_;
  yaml_parser_t parser_{};
  std::unordered_map<std::string, json> anchors_;
  std::unordered_set<std::string> in_progress_;
  size_t alias_nodes_ = 0;
};

Result<std::vector<Document>> Decode(std::string_view text, std::string_view source,
                                     DecodeOptions options, bool quick_reader) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{' && !options.yaml_1_2) {
    return DecodeJsonStream(text, source);
  }
  Result<std::vector<Chunk>> chunks = SplitDocuments(text, source);
  if (!chunks.ok()) return chunks.status();
  std::vector<Document> documents;
  int index = 0;
  for (const Chunk& chunk : *chunks) {
    ++index;
    if (quick_reader && !options.yaml_1_2) {
      if (std::optional<yaml::QuickDocument> quick = yaml::QuickDecode(chunk.text, options.only)) {
        documents.push_back({.value = std::move(quick->value),
                             .index = index,
                             .line = chunk.first_line + quick->line + 1});
        continue;
      }
    }
    ChunkDecoder decoder(chunk, source, index, options);
    Result<std::optional<Document>> document = decoder.Decode();
    if (!document.ok()) return document.status();
    if (document->has_value()) documents.push_back(std::move(**document));
  }
  return documents;
}

}  // namespace

Result<std::vector<Document>> DecodeStream(std::string_view text, std::string_view source,
                                           DecodeOptions options) {
  return Decode(text, source, options, true);
}

namespace yaml {

Result<std::vector<Document>> DecodeWithLibyaml(std::string_view text, std::string_view source,
                                                DecodeOptions options) {
  return Decode(text, source, options, false);
}

}  // namespace yaml
}  // namespace converge::kube
