#pragma once
// sync/options.h (internal): a resource's own sync-options annotation.

#include <string>
#include <string_view>
#include <vector>

#include "sync/sync.h"

namespace converge::sync {

// The items of a comma-separated annotation ("PreSync, PostSync"), trimmed, empties dropped.
std::vector<std::string> SplitList(std::string_view text);

// Reads a comma-separated sync-options annotation over `defaults`. `where` names the object
// and annotation for messages.
Result<ResourceOptions> ReadResourceOptions(std::string_view annotation, const std::string& where,
                                            ResourceOptions defaults);

}  // namespace converge::sync
