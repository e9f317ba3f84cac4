#pragma once
// kube/client/transport.h (internal): HTTP to one API server. Connections are kept alive and
// reused (one request at a time each), every request waits for the rate limiter and carries a
// fresh credential, and failures that retrying can fix are retried with backoff: 429 (after
// its Retry-After), 5xx and dropped connections for idempotent requests, and a 401 once after
// rerunning the exec plugin.
//
// Thread-safe: mutex_ guards the idle connections, counts_mu_ the request counts.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client/client.h"
#include "kube/client/credentials.h"
#include "kube/client/rate_limiter.h"

namespace httplib {
class ClientImpl;
}

namespace converge::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path and query below the server's URL, "/api/v1/namespaces?limit=5"
  std::string body;
  std::string content_type;
  std::string accept = "application/json";
  // Safe to send again after it may have reached the server (GET, PUT, DELETE, apply).
  bool idempotent = false;
  // The Kubernetes verb, for the request counts ("list", "apply", ...); "" reads the method.
  std::string verb;
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

class Transport {
 public:
  static Result<std::unique_ptr<Transport>> Create(const ClientConfig& config,
                                                   const ClientOptions& options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // A 2xx response, or the error: the server's metav1.Status or what failed on the way.
  ApiResult<HttpResponse> Send(const HttpRequest& request);

  // For watches: streams the body of a 200 response to `on_data` as it arrives, until the
  // server ends it, `on_data` returns false or `stop` is requested (all OK). Not retried.
  ApiResult<Done> Stream(const HttpRequest& request, std::chrono::seconds read_timeout,
                         const std::function<bool(std::string_view)>& on_data,
                         std::stop_token stop);

  // Attempts sent (retries included) by verb and HTTP status, "error" when none came.
  std::vector<RequestCount> RequestCounts() const;

  const ClientConfig& config() const { return config_; }
  const ClientOptions& options() const { return options_; }
  CredentialSource& credentials() { return credentials_; }

 private:
  struct Endpoint {
    bool tls = true;
    std::string host;  // without brackets
    int port = 443;
    std::string base_path;  // "" or "/k8s/clusters/c-1", without a trailing slash
  };

  Transport(ClientConfig config, ClientOptions options, Endpoint endpoint);
  Result<std::unique_ptr<httplib::ClientImpl>> Connect(const Credential& credential) const;
  Result<std::unique_ptr<httplib::ClientImpl>> Acquire(const Credential& credential);
  void Release(std::unique_ptr<httplib::ClientImpl> connection, const Credential& credential);
  std::string Describe(const HttpRequest& request) const;
  void Count(const HttpRequest& request, int status);

  ClientConfig config_;
  ClientOptions options_;
  Endpoint endpoint_;
  CredentialSource credentials_;
  RateLimiter limiter_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<httplib::ClientImpl>> idle_;  // guarded by mutex_
  Credential pooled_for_;  // guarded by mutex_: the client certificate idle_ was built with
  mutable std::mutex counts_mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> counts_;  // guarded by counts_mu_
};

}  // namespace converge::kube
