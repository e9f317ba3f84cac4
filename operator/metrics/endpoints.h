#pragma once
// operator/metrics/endpoints.h: the operator's plain HTTP endpoints for probes and Prometheus:
// /healthz (the process serves), /readyz (the controller has its caches), /metrics.

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"

namespace converge::metrics {

struct EndpointHandlers {
  std::function<bool()> ready;
  std::function<std::string()> metrics;
};

class Endpoints {
 public:
  // Binds `listen` ("host:port"; port 0 picks one) and serves on its own thread until
  // destroyed.
  static Result<std::unique_ptr<Endpoints>> Start(const std::string& listen,
                                                  EndpointHandlers handlers);
  ~Endpoints();
  int port() const;

  struct State;

 private:
  explicit Endpoints(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace converge::metrics
