#pragma once
// operator/cli/routes.h: the routes of the operator's one HTTP listener, built in one place for
// `converge operator` and `converge up`, and the list docs/openapi.yaml is checked against
// (tests/docs/openapi_test.cc).

#include <vector>

#include "operator/api/api.h"
#include "operator/controller/controller.h"
#include "operator/server/server.h"
#include "operator/webhook/webhook.h"

namespace converge::cli {

// /healthz, /readyz and /metrics from `controller` (with the counters of `webhooks`), the
// /api/v1 routes of `api`, and POST /api/webhook when `webhooks` is given (converge up has no
// webhook secrets and serves none).
std::vector<server::Route> ListenerRoutes(const controller::Controller& controller, api::Api& api,
                                          webhook::Handler* webhooks);

}  // namespace converge::cli
