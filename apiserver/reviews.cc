// Requests that ask about the caller rather than store objects: SelfSubjectAccessReview
// (kubectl auth can-i), SelfSubjectRulesReview (can-i --list), SelfSubjectReview (auth whoami),
// and the TokenRequest subresource of ServiceAccounts (kubectl create token).

#include "apiserver/objects.h"
#include "base/clock.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultTokenSeconds = 3600;
constexpr int64_t kMinTokenSeconds = 600;
constexpr int64_t kMaxTokenSeconds = int64_t{1} << 32;

Attributes ResourceAttributes(const json& spec) {
  Attributes attributes;
  attributes.verb = spec.value("verb", "");
  attributes.group = spec.value("group", "");
  attributes.resource = spec.value("resource", "");
  attributes.subresource = spec.value("subresource", "");
  attributes.ns = spec.value("namespace", "");
  attributes.name = spec.value("name", "");
  return attributes;
}

Attributes NonResourceAttributes(const json& spec) {
  Attributes attributes;
  attributes.resource_request = false;
  attributes.verb = spec.value("verb", "");
  attributes.path = spec.value("path", "");
  return attributes;
}

json UserInfoJson(const UserInfo& user) {
  json info = {{"username", user.name}, {"groups", user.groups}};
  if (!user.uid.empty()) info["uid"] = user.uid;
  return info;
}

}  // namespace

Response ObjectHandler::Review() {
  ApiResult<json> body = DecodeBody();
  if (!body.ok()) return ErrorResponse(body.error());
  json review = Present(std::move(*body));
  review["metadata"] = {{"creationTimestamp", nullptr}};
  const json& spec = review.value("spec", json::object());
  const UserInfo& user = request_.user;
  const Store& store = api_.store_;
  if (type_.kind == "SelfSubjectAccessReview") {
    bool resource = spec.contains("resourceAttributes");
    if (resource == spec.contains("nonResourceAttributes")) {
      return ErrorResponse(Invalid(
          type_, "",
          {InvalidValue("spec.resourceAttributes", spec.value("resourceAttributes", json()),
                        "exactly one of nonResourceAttributes or resourceAttributes must be "
                        "specified")}));
    }
    Attributes attributes = resource ? ResourceAttributes(spec["resourceAttributes"])
                                     : NonResourceAttributes(spec["nonResourceAttributes"]);
    bool allowed = !api_.options_.rbac || Authorize(store, user, attributes);
    review["status"] = {{"allowed", allowed}};
  } else if (type_.kind == "SelfSubjectRulesReview") {
    std::string ns = spec.value("namespace", "");
    // Without RBAC every authenticated caller may do everything, as the admin may.
    review["status"] = RulesFor(store, api_.options_.rbac ? user : AdminUser(), ns);
  } else {
    review["status"] = {{"userInfo", UserInfoJson(user)}};
  }
  return JsonResponse(201, review);
}

Response ObjectHandler::CreateToken() {
  ApiResult<StoredObject> account = Load(info_.name);
  if (!account.ok()) return ErrorResponse(account.error());
  ApiResult<json> body = ParseBody();
  if (!body.ok()) return ErrorResponse(body.error());
  std::string kind = body->value("kind", "");
  if (!kind.empty() && kind != "TokenRequest") {
    return ErrorResponse(BadRequest("the kind in the data (" + kind +
                                    ") does not match the expected kind (TokenRequest)"));
  }
  ResourceType token_type;
  token_type.group = "authentication.k8s.io";
  token_type.kind = "TokenRequest";
  json spec = body->value("spec", json::object());
  json expiration = spec.value("expirationSeconds", json(kDefaultTokenSeconds));
  if (!expiration.is_number_integer()) {
    return ErrorResponse(Invalid(token_type, info_.name,
                                 {InvalidValue("spec.expirationSeconds", expiration,
                                               "must be an integer number of seconds")}));
  }
  int64_t seconds = expiration.get<int64_t>();
  if (seconds < kMinTokenSeconds || seconds > kMaxTokenSeconds) {
    return ErrorResponse(
        Invalid(token_type, info_.name,
                {InvalidValue("spec.expirationSeconds", expiration,
                              seconds < kMinTokenSeconds
                                  ? "may not specify a duration less than 10 minutes"
                                  : "may not specify a duration larger than 2^32 seconds")}));
  }
  json audiences = spec.value("audiences", json::array());
  if (!audiences.is_array() || audiences.empty()) audiences = json::array({kTokenIssuer});
  TokenClaims claims;
  claims.ns = info_.ns;
  claims.name = info_.name;
  claims.uid = std::string(kube::StringAt(account->object, {"metadata", "uid"}));
  claims.expires = UnixSeconds() + seconds;
  for (const json& audience : audiences) {
    if (audience.is_string()) claims.audiences.push_back(audience.get<std::string>());
  }
  spec["audiences"] = audiences;
  spec["expirationSeconds"] = seconds;
  if (!spec.contains("boundObjectRef")) spec["boundObjectRef"] = nullptr;
  json response = {
      {"kind", "TokenRequest"},
      {"apiVersion", "authentication.k8s.io/v1"},
      {"metadata",
       {{"name", info_.name}, {"namespace", info_.ns}, {"creationTimestamp", NowRfc3339()}}},
      {"spec", spec},
      {"status",
       {{"token", IssueToken(api_.options_.token_key, claims)},
        {"expirationTimestamp", FormatRfc3339(claims.expires)}}}};
  return JsonResponse(201, response);
}

}  // namespace converge::apiserver
