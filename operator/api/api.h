#pragma once
// operator/api/api.h: the operator's HTTP API under /api/v1. Applications are listed and read
// from the controller's Application cache (which runs on a standby replica too); sync, rollback,
// refresh and cancellation are written to the Application as Argo CD writes them (`operation`, the
// converge.dev/refresh annotation, a Terminating operationState) and the controller carries
// them out; managed-resources and resource-tree show what the controller last compared, Secret
// data masked. GET /api/v1/stream/applications streams every change as Server-Sent Events.
// api/ never syncs or renders anything itself.

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "kube/client/client.h"
#include "operator/controller/controller.h"
#include "operator/server/server.h"

namespace converge::api {

struct Options {
  // Namespaces whose Applications are served; empty: all.
  std::vector<std::string> namespaces;
  // Events kept for streams that reconnect with Last-Event-ID; an older id gets the whole
  // state again.
  size_t replay_events = 1024;
  // A comment on an idle stream this often, so proxies and clients see it alive.
  std::chrono::milliseconds keep_alive{15000};
  // How long GET ?refresh= and POST .../refresh wait for the controller to take the refresh.
  std::chrono::milliseconds refresh_wait{10000};
  // Who the API's operations are recorded as initiated by.
  std::string username = "api";
};

class Api {
 public:
  // `client` and `controller` must outlive the Api.
  Api(kube::Client& client, const controller::Controller& controller, Options options = {});
  ~Api();

  // Follows the controller's Application cache until `stop`; the routes answer 503 until its
  // first list is in.
  void Run(std::stop_token stop);

  // The routes of /api/v1, none public.
  std::vector<server::Route> Routes();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace converge::api
