#pragma once
// apiserver/auth.h (internal): who is calling and what they may do. Identities come from the
// admin token (group system:masters) or from ServiceAccount tokens issued by the TokenRequest
// subresource (HS256 JWTs signed with a key in the data directory). With RBAC on, requests are
// checked against Roles, ClusterRoles and their bindings as Kubernetes' RBAC authorizer does.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiserver/storage.h"

namespace converge::apiserver {

struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
  bool authenticated() const { return !name.empty(); }
};

// What a request does, as the authorizer sees it.
struct Attributes {
  std::string verb;  // get, list, watch, create, update, patch, delete, deletecollection
  bool resource_request = true;
  std::string group;
  std::string resource;
  std::string subresource;
  std::string ns;
  std::string name;
  std::string path;  // non-resource requests
};

// The issuer of ServiceAccount tokens, also their audience when a TokenRequest names none.
constexpr const char* kTokenIssuer = "https://kubernetes.default.svc.cluster.local";

struct TokenClaims {
  std::string ns;
  std::string name;
  std::string uid;
  int64_t expires = 0;  // seconds since the epoch
  std::vector<std::string> audiences;
};

// A signed token for a ServiceAccount; `key` is the signing secret.
std::string IssueToken(const std::string& key, const TokenClaims& claims);
// The claims of a token this server issued and that has not expired, or nullopt.
std::optional<TokenClaims> VerifyToken(const std::string& key, const std::string& token,
                                       int64_t now);

UserInfo ServiceAccountUser(const TokenClaims& claims);
// The identity of the admin token and of in-process callers (group system:masters).
UserInfo AdminUser();
// Requests without credentials, which reach only health, version and discovery.
UserInfo AnonymousUser();

// RBAC: true when a binding grants `user` the request. Reads bindings and roles from `store`.
bool Authorize(const Store& store, const UserInfo& user, const Attributes& attributes);

// What `user` may do in `ns`, as a SelfSubjectRulesReview status: resourceRules,
// nonResourceRules, incomplete.
nlohmann::json RulesFor(const Store& store, const UserInfo& user, const std::string& ns);

// Kubernetes' words for a denial: "User \"x\" cannot list resource \"configmaps\" in API group
// \"\" in the namespace \"default\"".
std::string DenialReason(const UserInfo& user, const Attributes& attributes);

}  // namespace converge::apiserver
