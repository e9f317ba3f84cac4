#include "operator/cli/routes.h"

namespace converge::cli {

std::vector<server::Route> ListenerRoutes(const controller::Controller& controller, api::Api& api) {
  std::vector<server::Route> routes = server::ProbeRoutes(
      [&controller] { return controller.Ready(); }, [&controller] { return controller.Metrics(); });
  for (server::Route& route : api.Routes()) routes.push_back(std::move(route));
  return routes;
}

}  // namespace converge::cli
