#pragma once
// apiserver/protobuf.h (internal): request bodies in Kubernetes' protobuf encoding
// (application/vnd.kubernetes.protobuf: the "k8s\0" magic, then a runtime.Unknown whose raw
// bytes hold the object). kubectl 1.35's typed commands send them — create configmap, secret,
// namespace, serviceaccount, role, rolebinding, clusterrole, clusterrolebinding, token, auth
// can-i — so the kinds those commands write are decoded into JSON here. Other kinds (create
// deployment, job, service...) are refused with a message pointing at kubectl apply -f.
// Responses stay JSON, which every such client also accepts.

#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace converge::apiserver {

constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

// kInvalid for a malformed body or a kind this server cannot decode (the message names it).
Result<nlohmann::json> DecodeProtobufObject(std::string_view body);

}  // namespace converge::apiserver
