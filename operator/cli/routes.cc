#include "operator/cli/routes.h"

#include "base/strings.h"

namespace converge::cli {
namespace {

// POST /api/webhook: public, as the providers sign their requests instead.
server::Route WebhookRoute(webhook::Handler& webhooks) {
  return {
      .method = "POST",
      .pattern = "/api/webhook",
      .handler =
          [&webhooks](const server::Request& request) {
            webhook::Response answer = webhooks.Handle(
                {.header =
                     [&request](std::string_view name) { return request.Header(AsciiLower(name)); },
                 .body = request.body});
            server::Response response;
            response.status = answer.status;
            response.body = std::move(answer.body);
            return response;
          },
      .public_route = true};
}

}  // namespace

std::vector<server::Route> ListenerRoutes(const controller::Controller& controller, api::Api& api,
                                          webhook::Handler* webhooks) {
  std::vector<server::Route> routes =
      server::ProbeRoutes([&controller] { return controller.Ready(); },
                          [&controller, webhooks] {
                            std::string out = controller.Metrics();
                            if (webhooks != nullptr) webhooks->WriteMetrics(out);
                            return out;
                          });
  for (server::Route& route : api.Routes()) routes.push_back(std::move(route));
  if (webhooks != nullptr) routes.push_back(WebhookRoute(*webhooks));
  return routes;
}

}  // namespace converge::cli
