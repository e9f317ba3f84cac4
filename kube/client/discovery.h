#pragma once
// kube/client/discovery.h (internal): GVK → resource mapping from the server's discovery
// documents: aggregated discovery (apidiscovery.k8s.io/v2, one request per root) where the
// server offers it, the legacy per-group-version documents otherwise. Cached; a kind that is
// not found triggers one refresh (a CRD created since), at most once per second.
//
// Thread-safe: mutex_ guards the cache.

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "kube/client/client.h"

namespace converge::kube {

class Transport;

class RestMapper {
 public:
  explicit RestMapper(Transport& transport) : transport_(transport) {}

  // An empty gvk.version picks the group's preferred version.
  ApiResult<ResourceMapping> Find(const GroupVersionKind& gvk);
  void Invalidate();

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // group, version, kind

  ApiResult<Done> Refresh();
  ApiResult<Done> LoadAggregated(const std::string& root, bool& served);
  ApiResult<Done> LoadLegacy();
  ApiResult<Done> LoadGroupVersion(const std::string& group, const std::string& version,
                                   const std::string& path);
  const ResourceMapping* Lookup(const GroupVersionKind& gvk) const;

  Transport& transport_;
  std::mutex mutex_;
  bool loaded_ = false;                              // guarded by mutex_
  std::chrono::steady_clock::time_point refreshed_;  // guarded by mutex_
  std::map<Key, ResourceMapping> mappings_;          // guarded by mutex_
  std::map<std::string, std::string> preferred_;     // guarded by mutex_: group → version
};

}  // namespace converge::kube
