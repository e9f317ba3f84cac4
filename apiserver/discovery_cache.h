#pragma once
// apiserver/discovery_cache.h (internal): the rendered OpenAPI documents of one catalog.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace converge::apiserver {

// Rendered OpenAPI documents of one catalog generation. Thread-safe.
class OpenApiCache {
 public:
  std::shared_ptr<const std::string> Find(uint64_t generation, const std::string& path);
  void Put(uint64_t generation, const std::string& path,
           std::shared_ptr<const std::string> document);

 private:
  std::mutex mutex_;
  uint64_t generation_ = 0;                                              // guarded by mutex_
  std::map<std::string, std::shared_ptr<const std::string>> documents_;  // guarded by mutex_
};

}  // namespace converge::apiserver
