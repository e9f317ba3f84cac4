#pragma once
// sync/options.h (internal): a resource's own sync-options annotation.

#include <string>
#include <string_view>

#include "sync/sync.h"

namespace converge::sync {

// Reads a comma-separated sync-options annotation over `defaults`. `where` names the object
// and annotation for messages.
Result<ResourceOptions> ReadResourceOptions(std::string_view annotation, const std::string& where,
                                            ResourceOptions defaults);

}  // namespace converge::sync
