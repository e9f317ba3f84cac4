#pragma once
// operator/cli/routes.h: the routes of the operator's one HTTP listener, the same list for
// `converge operator` and `converge up`, and the one docs/openapi.yaml is checked against
// (tests/docs/openapi_test.cc).

#include <vector>

#include "operator/api/api.h"
#include "operator/controller/controller.h"
#include "operator/server/server.h"

namespace converge::cli {

// /healthz, /readyz and /metrics from `controller`, then the /api/v1 routes of `api`.
std::vector<server::Route> ListenerRoutes(const controller::Controller& controller, api::Api& api);

}  // namespace converge::cli
