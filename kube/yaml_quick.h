#pragma once
// kube/yaml_quick.h (internal to kube/): a fast reader for the YAML most manifests and values
// files are made of: block mappings and sequences of scalars. libyaml reads them at about
// 125 MB/s, character by character; this reader checks such text line by line and builds the
// values, and gives up (nullopt) on anything else or anything it is not sure of: flow mappings
// other than {}, flow sequences over several lines, anchors, aliases, tags, merge keys, "\x"
// and "\u" escapes, tabs outside block scalars, carriage returns, and, where a value is built,
// folded block scalars and quoted scalars over several lines. DecodeStream then reads the chunk
// with libyaml, so what this reader accepts must be exactly what libyaml and the conversion to
// JSON accept, with the same values; decode_only_test.cc holds it to that.

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "kube/kube.h"

namespace converge::kube::yaml {

struct QuickDocument {
  nlohmann::json value;  // the root mapping with only the selected paths built
  int line = 0;          // 0-based line of the root's first key in the chunk
};

// One chunk of a stream (one document, possibly starting with its "---" line) read with
// goyaml.v2's YAML 1.1 rules, built along `only` as DecodeOptions::only says, or whole when
// `only` is empty.
std::optional<QuickDocument> QuickDecode(std::string_view chunk, std::span<const FieldPath> only);

// DecodeStream with every chunk read by libyaml: what the quick reader is tested against.
Result<std::vector<Document>> DecodeWithLibyaml(std::string_view text, std::string_view source,
                                                DecodeOptions options = {});

}  // namespace converge::kube::yaml
