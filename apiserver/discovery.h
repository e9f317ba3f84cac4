#pragma once
// apiserver/discovery.h (internal): /version, legacy and aggregated (apidiscovery.k8s.io/v2)
// discovery, and the OpenAPI v3 documents, all computed from the resource catalog.

#include <string>

#include <nlohmann/json.hpp>

#include "apiserver/api.h"

namespace converge::apiserver {

constexpr const char* kAggregatedContentType =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

nlohmann::json VersionInfo();

// True when the Accept header asks for the aggregated v2 (or v2beta1) document.
bool WantsAggregated(const std::string& accept);

// /api and /apis, aggregated form: core group only, or every other group.
nlohmann::json AggregatedDiscovery(const Catalog& catalog, bool core, bool v2beta1);
// /api legacy form.
nlohmann::json LegacyCoreVersions(const std::string& server_address);
// /apis legacy form.
nlohmann::json LegacyGroups(const Catalog& catalog);
// /apis/{group}; null when the group is unknown.
nlohmann::json LegacyGroup(const Catalog& catalog, const std::string& group);
// /api/v1, /apis/{group}/{version}; null when unknown.
nlohmann::json ResourceList(const Catalog& catalog, const std::string& group,
                            const std::string& version);

// /openapi/v3 index and one group-version document ("api/v1", "apis/apps/v1"); null when
// unknown.
nlohmann::json OpenApiIndex(const Catalog& catalog, OpenApiCache& cache);
std::shared_ptr<const std::string> OpenApiDocument(const Catalog& catalog,
                                                   const std::string& group_version_path,
                                                   OpenApiCache& cache);

}  // namespace converge::apiserver
