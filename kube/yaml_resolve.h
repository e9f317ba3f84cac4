#pragma once
// kube/yaml_resolve.h (internal to kube/): how goyaml.v2 gives a YAML scalar its type. YAML 1.1
// rules as Kubernetes and Helm apply them; see resolve.go in gopkg.in/yaml.v2.

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace converge::kube::yaml {

// kUint holds integers above INT64_MAX. Integers beyond 64 bits that are not decimal floats
// stay strings, as the Helm oracle shows for 0xFFFFFFFFFFFFFFFFFFFF.
enum class ScalarKind { kNull, kBool, kInt, kUint, kFloat, kString, kTimestamp, kMerge };

struct Scalar {
  ScalarKind kind = ScalarKind::kString;
  bool boolean = false;
  int64_t integer = 0;
  uint64_t unsigned_integer = 0;
  double floating = 0;  // also the value of integers too large for 64 bits
};

// Resolves a scalar that carries `tag` ("" for a plain scalar without a tag; "!!int" and other
// short forms otherwise). Values of kString, kTimestamp and kMerge are the input text itself.
// Fails when an explicit tag does not fit the text ("cannot decode !!str `abc` as a !!int").
// With `yaml_1_2`, the YAML 1.1 booleans y/yes/on/n/no/off (and case variants) stay strings, as
// goyaml.v3 reads them; everything else resolves alike.
Result<Scalar> Resolve(std::string_view tag, std::string_view text, bool yaml_1_2 = false);

// True when goyaml.v2's encoder would print `text` without quotes: it reads back as a string
// and is not a YAML 1.1 base-60 number.
bool PlainIsString(std::string_view text);

}  // namespace converge::kube::yaml
