#include "operator/server/server.h"

namespace converge::server {

std::vector<Route> ProbeRoutes(std::function<bool()> ready, std::function<std::string()> metrics) {
  auto text = [](int status, std::string body) {
    return Response{.status = status, .content_type = "text/plain", .body = std::move(body)};
  };
  return {
      {.method = "GET",
       .pattern = "/healthz",
       .handler = [text](const Request&) { return text(200, "ok\n"); },
       .public_route = true},
      {.method = "GET",
       .pattern = "/readyz",
       .handler =
           [text, ready](const Request&) {
             return ready() ? text(200, "ok\n") : text(503, "starting\n");
           },
       .public_route = true},
      {.method = "GET",
       .pattern = "/metrics",
       .handler =
           [text, ready, metrics](const Request&) {
             if (!ready()) return text(503, "starting\n");
             Response out = text(200, metrics());
             out.content_type = "text/plain; version=0.0.4; charset=utf-8";
             return out;
           },
       .public_route = true},
  };
}

}  // namespace converge::server
