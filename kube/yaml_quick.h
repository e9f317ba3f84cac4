#pragma once
// kube/yaml_quick.h (internal to kube/): a fast reader for DecodeOptions::only. Rendered
// manifests are mostly block mappings and sequences of one-line scalars; libyaml reads them at
// about 125 MB/s, character by character. This reader checks such text line by line and builds
// the selected fields, and gives up (nullopt) on anything else or anything it is not sure of:
// flow collections other than [] and {}, anchors, aliases, tags, multi-line plain and quoted
// scalars, escapes beyond the simple ones, tabs outside block scalars, carriage returns. The
// caller then decodes the chunk with libyaml, so what it accepts must be exactly what libyaml
// and the conversion to JSON accept, with the same values; decode_only_test.cc holds it to that.

#include <optional>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kube/kube.h"

namespace converge::kube::yaml {

struct QuickDocument {
  nlohmann::json value;  // the root mapping with only the selected paths built
  int line = 0;          // 0-based line of the root's first key in the chunk
};

// One chunk of a stream (one document, possibly starting with its "---" line) read with
// goyaml.v2's YAML 1.1 rules; `only` is never empty.
std::optional<QuickDocument> QuickDecode(std::string_view chunk, std::span<const FieldPath> only);

}  // namespace converge::kube::yaml
