#pragma once
// operator/controller/events.h: Kubernetes Events on an Application, as `kubectl describe`
// and `kubectl get events` show them: a sync starting, succeeding or failing, and objects it
// pruned. Recording is best effort: a failure is logged and never stops a reconcile.

#include <string_view>

#include "kube/client/client.h"

namespace converge::controller {

enum class EventType { kNormal, kWarning };

void RecordEvent(kube::Client& client, const kube::Object& application, EventType type,
                 std::string_view reason, std::string_view message);

}  // namespace converge::controller
