#pragma once
// kube/client/client.h: the Kubernetes REST client, Converge's only way to see and change a
// cluster. It speaks to a real API server as client-go does: kubeconfig or in-cluster
// configuration (config.h), HTTPS with bearer tokens, client certificates, basic auth or exec
// credential plugins, discovery and REST mapping, CRUD and server-side apply on unstructured
// objects, and watches (informer.h builds a cache on them; leader_election.h a lease).
//
// Renderers never include this: they need kube/kube.h's object model only.
//
// Thread-safe: one Client is shared by all of the operator's threads. Nothing here starts a
// thread; long-running calls (Watch, Informer::Run, LeaderElector::Run) run on the caller's.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "kube/client/config.h"
#include "kube/kube.h"

namespace converge::kube {

// Why the server (or the road to it) refused a request: metav1.Status's reason, or
// kTransport when no response came at all.
enum class Reason {
  kUnknown,
  kBadRequest,
  kUnauthorized,
  kForbidden,
  kNotFound,
  kAlreadyExists,
  kConflict,
  kGone,  // "Expired": the resourceVersion is too old to watch or list from
  kInvalid,
  kTimeout,
  kTooManyRequests,
  kMethodNotAllowed,
  kUnsupportedMediaType,
  kInternalError,
  kServiceUnavailable,
  kTransport,  // no usable response: connect, TLS or read failure
};

// One field error of an Invalid (422) or Conflict (SSA) response.
struct Cause {
  std::string type;  // "FieldValueRequired", "FieldManagerConflict", ...
  std::string field;
  std::string message;
};

// A failed request with the server's own words.
struct ApiError {
  Reason reason = Reason::kUnknown;
  int http_status = 0;  // 0 for kTransport
  std::string message;  // the server's message, or what went wrong on the way
  std::vector<Cause> causes;
  std::chrono::seconds retry_after{0};

  // The same error as a base Status: NotFound → kNotFound, AlreadyExists/Conflict →
  // kConflict, Invalid/BadRequest → kInvalid, unreachable/timeouts/5xx → kUnavailable.
  Status ToStatus() const;
};

// Reads a metav1.Status body; `http_status` decides the reason when the body has none.
ApiError ErrorFromResponse(int http_status, std::string_view body);

// A value or the ApiError explaining why there is none.
template <typename T>
class ApiResult {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor): results are returned like values.
  ApiResult(T value) : state_(std::move(value)) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  ApiResult(ApiError error) : state_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  // REQUIRES: !ok()
  const ApiError& error() const { return std::get<ApiError>(state_); }
  Reason reason() const { return ok() ? Reason::kUnknown : error().reason; }
  Status status() const { return ok() ? Status() : error().ToStatus(); }

  // REQUIRES: ok()
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, ApiError> state_;
};

struct Done {};  // the value of operations that return nothing

struct GroupVersionKind {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;

  // From an object's apiVersion and kind.
  static GroupVersionKind Of(const Object& object);
  std::string ApiVersion() const;  // "apps/v1", "v1"
  bool operator==(const GroupVersionKind&) const = default;
};

// What discovery knows about a kind.
struct ResourceMapping {
  GroupVersionKind gvk;
  std::string resource;  // plural, "deployments"
  bool namespaced = false;
  std::vector<std::string> verbs;
  std::vector<std::string> subresources;  // "status", "scale"
};

struct ClientOptions {
  // Sustained requests per second and burst above it. client-go's 5/10 starve an operator that
  // applies hundreds of objects per sync; Argo CD runs with 50/100, and so do we. 0 disables.
  double qps = 50;
  int burst = 100;
  std::chrono::milliseconds timeout{30000};          // per request (watches excepted)
  std::chrono::milliseconds connect_timeout{10000};  // TCP and TLS handshake
  int max_retries = 5;  // for 429, 5xx and dropped connections on idempotent verbs
  std::chrono::milliseconds retry_base{200};  // backoff doubles from here, capped at 5 s
  std::string user_agent = "converge";
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;  // list in pages of this many (continue tokens); 0: one request
  std::string resource_version;
};

struct ObjectList {
  std::vector<Object> items;
  std::string resource_version;  // of the list, to watch from
};

struct WriteOptions {
  std::string field_manager = "converge";
  bool dry_run = false;  // dryRun=All: validated and defaulted by the server, not persisted
};

struct ApplyOptions {
  std::string field_manager = "converge";
  bool force = true;  // take fields other managers own (Converge is the source of truth)
  bool dry_run = false;
  std::string subresource;  // "status" to apply status
};

enum class PatchType { kMerge, kJson, kStrategic };

struct PatchOptions {
  std::string field_manager = "converge";
  bool dry_run = false;
  std::string subresource;
};

enum class Propagation { kDefault, kForeground, kBackground, kOrphan };

struct DeleteOptions {
  Propagation propagation = Propagation::kDefault;  // the server's default for the kind
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::optional<int64_t> grace_period_seconds;
  bool dry_run = false;
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  Object object;
};

struct WatchOptions {
  std::string resource_version;  // start after this version; "" = from now with the state
  std::string label_selector;
  std::string field_selector;
  bool bookmarks = true;
  std::chrono::seconds timeout{300};  // the server ends the stream after this
};

// Called for each event in order; returning false ends the watch.
using WatchHandler = std::function<bool(WatchEvent&& event)>;

// How many requests a Client sent with one verb that got one answer.
struct RequestCount {
  std::string verb;  // "get", "list", "watch", "create", "update", "patch", "apply", "delete"
  std::string code;  // the HTTP status, "error" when no response came
  uint64_t count = 0;
};

class Transport;
class RestMapper;

class Client {
 public:
  static Result<std::unique_ptr<Client>> Create(ClientConfig config, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientConfig& config() const;

  // Discovery, cached; a kind not found triggers one rediscovery (a CRD just created).
  // An empty version picks the group's preferred version.
  ApiResult<ResourceMapping> Mapping(const GroupVersionKind& gvk);
  // Drops the discovery cache.
  void InvalidateDiscovery();
  // GET /version
  ApiResult<nlohmann::json> ServerVersion();

  // Namespaced kinds need `ns`; cluster-scoped ones ignore it.
  ApiResult<Object> Get(const GroupVersionKind& gvk, std::string_view ns, std::string_view name);
  // Follows continue tokens until the list is complete. ns "" lists all namespaces.
  ApiResult<ObjectList> List(const GroupVersionKind& gvk, std::string_view ns,
                             const ListOptions& options = {});
  ApiResult<Object> Create(const Object& object, const WriteOptions& options = {});
  // PUT; object's resourceVersion is the precondition when set.
  ApiResult<Object> Update(const Object& object, const WriteOptions& options = {});
  ApiResult<Object> UpdateStatus(const Object& object, const WriteOptions& options = {});
  ApiResult<Object> Patch(const GroupVersionKind& gvk, std::string_view ns, std::string_view name,
                          PatchType type, std::string_view patch, const PatchOptions& options = {});
  // Server-side apply of the whole object (apply-patch+yaml, sent as JSON).
  ApiResult<Object> Apply(const Object& object, const ApplyOptions& options = {});
  ApiResult<Done> Delete(const GroupVersionKind& gvk, std::string_view ns, std::string_view name,
                         const DeleteOptions& options = {});

  // Streams events to `handler` until the server ends the stream, the handler returns false
  // or `stop` is requested (then OK). A 410 surfaces as Reason::kGone, from the request or from
  // an ERROR event in the stream.
  ApiResult<Done> Watch(const GroupVersionKind& gvk, std::string_view ns,
                        const WatchOptions& options, const WatchHandler& handler,
                        std::stop_token stop = {});

  // Requests this client sent, retries included, sorted by verb and code: for metrics.
  std::vector<RequestCount> RequestCounts() const;

  // A raw request relative to the server ("/api/v1/namespaces"), for what has no method above.
  ApiResult<std::string> Raw(std::string_view method, std::string_view path,
                             std::string_view body = {}, std::string_view content_type = {});

 private:
  Client(std::unique_ptr<Transport> transport, std::unique_ptr<RestMapper> mapper);
  ApiResult<std::string> PathFor(const GroupVersionKind& gvk, std::string_view ns,
                                 std::string_view name, std::string_view subresource = {});
  ApiResult<Object> Write(std::string_view method, const Object& object, std::string_view query,
                          std::string_view subresource);

  std::unique_ptr<Transport> transport_;
  std::unique_ptr<RestMapper> mapper_;
};

// Percent-encodes a query parameter value as Go's url.QueryEscape does.
std::string QueryEscape(std::string_view value);

}  // namespace converge::kube
