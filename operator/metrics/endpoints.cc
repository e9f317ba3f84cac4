#include "operator/metrics/endpoints.h"

#include <thread>

#include <httplib.h>

namespace converge::metrics {

struct Endpoints::State {
  httplib::Server server;
  int port = 0;
  std::thread thread;
};

Result<std::unique_ptr<Endpoints>> Endpoints::Start(const std::string& listen,
                                                    EndpointHandlers handlers) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::Invalid("listen address \"" + listen + "\" is not HOST:PORT");
  }
  std::string host = listen.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  int port = std::atoi(listen.c_str() + colon + 1);
  auto state = std::make_unique<State>();
  state->server.Get("/healthz", [](const httplib::Request&, httplib::Response& out) {
    out.set_content("ok\n", "text/plain");
  });
  state->server.Get("/readyz",
                    [ready = handlers.ready](const httplib::Request&, httplib::Response& out) {
                      bool is_ready = ready && ready();
                      out.status = is_ready ? 200 : 503;
                      out.set_content(is_ready ? "ok\n" : "starting\n", "text/plain");
                    });
  state->server.Get("/metrics", [handlers](const httplib::Request&, httplib::Response& out) {
    if (handlers.ready && !handlers.ready()) {
      out.status = 503;
      out.set_content("starting\n", "text/plain");
      return;
    }
    out.set_content(handlers.metrics ? handlers.metrics() : "",
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  state->port = port == 0 ? state->server.bind_to_any_port(host) : port;
  if (state->port < 0 || (port != 0 && !state->server.bind_to_port(host, port))) {
    return Status::Unavailable("cannot listen on " + listen);
  }
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::unique_ptr<Endpoints>(new Endpoints(std::move(state)));
}

Endpoints::Endpoints(std::unique_ptr<State> state) : state_(std::move(state)) {}

Endpoints::~Endpoints() {
  state_->server.stop();
  if (state_->thread.joinable()) state_->thread.join();
}

int Endpoints::port() const { return state_->port; }

}  // namespace converge::metrics
