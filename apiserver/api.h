#pragma once
// apiserver/api.h (internal): the Kubernetes API itself, independent of HTTP: requests in,
// responses out. server.cc adapts cpp-httplib to it; tests and benchmarks could drive it
// directly.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiserver/api_error.h"
#include "apiserver/auth.h"
#include "apiserver/discovery_cache.h"
#include "apiserver/resources.h"
#include "apiserver/storage.h"
#include "apiserver/watch.h"

namespace converge::apiserver {

// What a path names, as apiserver's RequestInfoFactory reads it.
struct RequestInfo {
  bool is_resource = false;
  std::string group;
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string subresource;
  // get, list, watch, create, update, patch, delete, deletecollection
  std::string verb;
};

RequestInfo ParseRequestInfo(const std::string& method, const std::string& path,
                             const std::map<std::string, std::string>& query);

// The non-empty segments of a URL path.
std::vector<std::string> SplitPath(const std::string& path);

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::string content_type;
  std::string accept;
  std::string user_agent;
  std::string body;
  UserInfo user;  // set by the transport after authentication
};

// A response body produced piece by piece (watch). Next() blocks up to `timeout` and returns
// the next chunk (possibly empty when nothing happened), or nullopt when the stream ended.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual std::optional<std::string> Next(std::chrono::milliseconds timeout) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::unique_ptr<ResponseStream> stream;  // set instead of body for watches
};

struct ApiOptions {
  size_t watch_capacity = 1000;  // undelivered events per watch before it is closed
  std::string server_address;    // "127.0.0.1:6443", for discovery
  bool rbac = false;             // authorize with RBAC; otherwise every authenticated user may all
  std::string token_key;         // signs ServiceAccount tokens
};

class Api {
 public:
  Api(Store& store, Registry& registry, WatchHub& hub, ApiOptions options);

  Response Handle(const Request& request);

  // The ServiceAccount a token this server issued stands for, while the account exists with the
  // uid the token names; nullopt otherwise.
  std::optional<UserInfo> AuthenticateToken(const std::string& token) const;

  // Creates the namespaces every cluster has and re-registers stored CRDs. Call once at start.
  Status Bootstrap();
  // Finishes what real controllers would do: empties and removes terminating namespaces,
  // releases deletion finalizers that no garbage collector handles yet, compacts old events.
  void RunMaintenance();

 private:
  friend class ObjectHandler;
  friend class WatchStreamFactory;
  Response HandleResource(const RequestInfo& info, const Request& request);
  std::optional<Response> Deny(const RequestInfo& info, const Request& request);
  Response HandleDiscovery(const Request& request);
  void FinishNamespace(const Catalog& catalog, const StoredObject& ns);

  Store& store_;
  Registry& registry_;
  WatchHub& hub_;
  ApiOptions options_;
  OpenApiCache openapi_cache_;
};

// Helpers shared by the handler files.
Response JsonResponse(int status, const nlohmann::json& body);
Response ErrorResponse(const ApiError& error);
std::string NowRfc3339();
// "5m", "3h2m", "12d": kubectl's human-readable age.
std::string HumanDuration(int64_t seconds);

}  // namespace converge::apiserver
