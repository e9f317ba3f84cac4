#pragma once
// base/yaml_key_order.h: the "natural" order in which goyaml writes map keys: letters sort
// after other runes and runs of digits compare as numbers ("a9" < "a10"). goyaml.v2 (toYaml,
// kubectl -o yaml) and yaml.v3 (Helm's toYamlPretty) differ in one rule, which `style` picks.
// Not a strict weak order: sort with GoSort (base/gosort.h), as Go does.

#include <string>

namespace converge {

enum class YamlKeyStyle {
  kV2,  // goyaml.v2: at a letter against a non-letter, the letter sorts last.
  kV3,  // yaml.v3: the same, except after equal digits, where the letter sorts first.
};

bool YamlKeyLess(const std::u32string& a, const std::u32string& b, YamlKeyStyle style);

}  // namespace converge
