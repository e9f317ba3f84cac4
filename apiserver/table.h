#pragma once
// apiserver/table.h (internal): meta.k8s.io/v1 Table responses, which `kubectl get` asks for,
// with the columns kubectl users expect for the common kinds.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiserver/api.h"

namespace converge::apiserver {

constexpr const char* kTableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

// True when the Accept header asks for a Table first.
bool WantsTable(const std::string& accept);

nlohmann::json Table(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                     const std::string& resource_version);

Response TableResponse(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                       const std::string& resource_version);

}  // namespace converge::apiserver
