#pragma once
// apiserver/apiserver.h: an embedded Kubernetes-compatible API server, so Converge and its tests
// run end to end on a machine without a cluster. It is meant for the real kubectl and client-go
// style clients: HTTPS with its own CA and a bearer token, discovery (legacy and aggregated),
// OpenAPI v3, CRUD with Kubernetes' metadata semantics, watches, CRDs, field validation, and
// SQLite storage that never loses an acknowledged write.
//
// Beyond the API it runs what GitOps needs of a cluster's controllers: garbage collection,
// namespace deletion, default ServiceAccounts and simulated workloads (controllers.h). Callers
// are the admin (token in the kubeconfig) or ServiceAccounts (TokenRequest tokens), optionally
// under RBAC.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stop_token>
#include <string>

#include "base/status.h"

namespace converge::apiserver {

struct Options {
  std::filesystem::path data_dir;         // database, CA, token and kubeconfig
  std::string listen = "127.0.0.1:6443";  // host:port; port 0 picks a free port
  bool insecure_http = false;             // plain HTTP without a token; loopback only
  int64_t event_retention_seconds = 300;  // watch history; older starts get 410 Expired
  size_t watch_capacity = 1000;           // undelivered events before a slow watch is closed
  int threads = 512;                      // connections served at once (each watch holds one)
  bool simulate = true;                   // simulated workload controllers (KWOK-like)
  int64_t simulate_delay_ms = 1000;       // before a simulated workload reports progress
  // Authorize requests with RBAC (Roles, ClusterRoles and their bindings); otherwise every
  // authenticated caller may do everything. The admin token is in group system:masters.
  bool rbac = false;
};

class Server {
 public:
  // Opens storage, creates credentials and the kubeconfig (DATA_DIR/kubeconfig), binds the
  // port. Fails with kInvalid for bad options, kUnavailable when the port or files are unusable.
  static Result<std::unique_ptr<Server>> Start(const Options& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::string url() const;  // "https://127.0.0.1:6443"
  int port() const;
  std::filesystem::path kubeconfig() const;

  // Serves requests until `stop` is requested. Call once, from the thread that owns the server.
  void Serve(std::stop_token stop);
  // Runs the controllers (garbage collection, namespaces, simulated workloads) and event
  // compaction until `stop` is requested.
  void RunControllers(std::stop_token stop);

 private:
  struct State;
  explicit Server(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace converge::apiserver
