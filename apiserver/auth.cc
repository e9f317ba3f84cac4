#include "apiserver/auth.h"

#include <algorithm>
#include <functional>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/base64.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

std::string Sign(const std::string& key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool Contains(const json& list, const std::string& value) {
  if (!list.is_array()) return false;
  return std::any_of(list.begin(), list.end(),
                     [&](const json& item) { return item == value || item == "*"; });
}

bool SubjectMatches(const json& subject, const UserInfo& user,
                    const std::string& binding_namespace) {
  std::string kind = subject.value("kind", "");
  std::string name = subject.value("name", "");
  if (kind == "User") return name == user.name;
  if (kind == "Group")
    return std::find(user.groups.begin(), user.groups.end(), name) != user.groups.end();
  if (kind == "ServiceAccount") {
    std::string ns = subject.value("namespace", binding_namespace);
    return user.name == "system:serviceaccount:" + ns + ":" + name;
  }
  return false;
}

bool ResourceMatches(const json& resources, const Attributes& attributes) {
  std::string combined = attributes.subresource.empty()
                             ? attributes.resource
                             : attributes.resource + "/" + attributes.subresource;
  if (!resources.is_array()) return false;
  for (const json& item : resources) {
    if (!item.is_string()) continue;
    std::string rule = item.get<std::string>();
    if (rule == "*" || rule == combined) return true;
    if (!attributes.subresource.empty() && rule == "*/" + attributes.subresource) return true;
  }
  return false;
}

bool PathMatches(const json& urls, const std::string& path) {
  if (!urls.is_array()) return false;
  for (const json& item : urls) {
    if (!item.is_string()) continue;
    std::string rule = item.get<std::string>();
    if (rule == "*" || rule == path) return true;
    if (!rule.empty() && rule.back() == '*' && path.rfind(rule.substr(0, rule.size() - 1), 0) == 0)
      return true;
  }
  return false;
}

bool RuleAllows(const json& rule, const Attributes& attributes) {
  if (!Contains(rule.value("verbs", json::array()), attributes.verb)) return false;
  if (!attributes.resource_request)
    return PathMatches(rule.value("nonResourceURLs", json::array()), attributes.path);
  if (!Contains(rule.value("apiGroups", json::array()), attributes.group)) return false;
  if (!ResourceMatches(rule.value("resources", json::array()), attributes)) return false;
  const json& names = rule.value("resourceNames", json::array());
  // Names match exactly; "*" is not a wildcard here.
  return names.empty() || std::any_of(names.begin(), names.end(),
                                      [&](const json& name) { return name == attributes.name; });
}

std::optional<json> Load(const Store& store, const std::string& key) {
  Result<std::optional<StoredObject>> stored = store.Get(key);
  if (!stored.ok() || !stored->has_value()) return std::nullopt;
  return (*stored)->object;
}

using RuleVisitor = std::function<bool(const json& rule)>;

// Visits the rules of the role a binding refers to; true when `visit` stopped the walk.
bool VisitRole(const Store& store, const json& role_ref, const std::string& ns,
               const RuleVisitor& visit) {
  std::string kind = role_ref.value("kind", "");
  std::string name = role_ref.value("name", "");
  std::string key = kind == "ClusterRole"
                        ? "/registry/rbac.authorization.k8s.io/clusterroles/" + name
                        : "/registry/rbac.authorization.k8s.io/roles/" + ns + "/" + name;
  std::optional<json> role = Load(store, key);
  if (!role) return false;
  const json& rules = role->value("rules", json::array());
  return std::any_of(rules.begin(), rules.end(), visit);
}

bool VisitBindings(const Store& store, const std::string& prefix, const UserInfo& user,
                   const RuleVisitor& visit) {
  Result<ListPage> bindings = store.List(prefix, "", 0);
  if (!bindings.ok()) return false;
  for (const StoredObject& binding : bindings->items) {
    std::string ns(kube::StringAt(binding.object, {"metadata", "namespace"}));
    const json& subjects = binding.object.value("subjects", json::array());
    bool bound = std::any_of(subjects.begin(), subjects.end(), [&](const json& subject) {
      return SubjectMatches(subject, user, ns);
    });
    if (bound && VisitRole(store, binding.object.value("roleRef", json::object()), ns, visit))
      return true;
  }
  return false;
}

// The bootstrap policy every cluster grants: discovery and health for everyone, self reviews for
// every authenticated user (system:discovery, system:public-info-viewer, system:basic-user).
const json& PublicRules() {
  static const json rules =
      json::array({{{"verbs", {"get"}},
                    {"nonResourceURLs",
                     {"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                      "/openapi/*", "/readyz", "/version", "/version/"}}},
                   {{"verbs", {"create"}},
                    {"apiGroups", {"authorization.k8s.io"}},
                    {"resources", {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}}},
                   {{"verbs", {"create"}},
                    {"apiGroups", {"authentication.k8s.io"}},
                    {"resources", {"selfsubjectreviews"}}}});
  return rules;
}

bool IsMaster(const UserInfo& user) {
  return std::find(user.groups.begin(), user.groups.end(), "system:masters") != user.groups.end();
}

// Every rule granted to `user` in `ns` (cluster-wide grants when ns is empty), public rules first.
bool VisitGrants(const Store& store, const UserInfo& user, const std::string& ns,
                 const RuleVisitor& visit) {
  const json& public_rules = PublicRules();
  if (std::any_of(public_rules.begin(), public_rules.end(), visit)) return true;
  if (VisitBindings(store, "/registry/rbac.authorization.k8s.io/clusterrolebindings/", user, visit))
    return true;
  return !ns.empty() &&
         VisitBindings(store, "/registry/rbac.authorization.k8s.io/rolebindings/" + ns + "/", user,
                       visit);
}

}  // namespace

std::string IssueToken(const std::string& key, const TokenClaims& claims) {
  json payload = {{"iss", kTokenIssuer},
                  {"sub", "system:serviceaccount:" + claims.ns + ":" + claims.name},
                  {"aud", claims.audiences},
                  {"exp", claims.expires},
                  {"kubernetes.io",
                   {{"namespace", claims.ns},
                    {"serviceaccount", {{"name", claims.name}, {"uid", claims.uid}}}}}};
  std::string signed_part =
      Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + Base64UrlEncode(payload.dump());
  return signed_part + "." + Base64UrlEncode(Sign(key, signed_part));
}

std::optional<TokenClaims> VerifyToken(const std::string& key, const std::string& token,
                                       int64_t now) {
  size_t first = token.find('.');
  size_t second = token.rfind('.');
  if (first == std::string::npos || second == first) return std::nullopt;
  std::string signed_part = token.substr(0, second);
  std::optional<std::string> signature = Base64UrlDecode(token.substr(second + 1));
  std::string expected = Sign(key, signed_part);
  if (!signature || signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  std::optional<std::string> payload_text =
      Base64UrlDecode(token.substr(first + 1, second - first - 1));
  json payload = payload_text ? json::parse(*payload_text, nullptr, false) : json();
  if (!payload.is_object()) return std::nullopt;
  TokenClaims claims;
  claims.expires = payload.value("exp", int64_t{0});
  if (claims.expires <= now) return std::nullopt;
  const json& account = payload.value("kubernetes.io", json::object());
  claims.ns = account.value("namespace", "");
  claims.name = account.value("serviceaccount", json::object()).value("name", "");
  claims.uid = account.value("serviceaccount", json::object()).value("uid", "");
  for (const json& audience : payload.value("aud", json::array())) {
    if (audience.is_string()) claims.audiences.push_back(audience.get<std::string>());
  }
  return claims;
}

UserInfo ServiceAccountUser(const TokenClaims& claims) {
  return {.name = "system:serviceaccount:" + claims.ns + ":" + claims.name,
          .uid = claims.uid,
          .groups = {"system:serviceaccounts", "system:serviceaccounts:" + claims.ns,
                     "system:authenticated"}};
}

UserInfo AdminUser() {
  return {
      .name = "converge-admin", .uid = "", .groups = {"system:masters", "system:authenticated"}};
}

UserInfo AnonymousUser() {
  return {.name = "system:anonymous", .uid = "", .groups = {"system:unauthenticated"}};
}

bool Authorize(const Store& store, const UserInfo& user, const Attributes& attributes) {
  if (IsMaster(user)) return true;
  std::string ns = attributes.resource_request ? attributes.ns : "";
  return VisitGrants(store, user, ns,
                     [&](const json& rule) { return RuleAllows(rule, attributes); });
}

json RulesFor(const Store& store, const UserInfo& user, const std::string& ns) {
  json resource_rules = json::array();
  json non_resource_rules = json::array();
  if (IsMaster(user)) {
    resource_rules.push_back({{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}});
    non_resource_rules.push_back({{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}});
  }
  VisitGrants(store, user, ns, [&](const json& rule) {
    if (rule.contains("nonResourceURLs")) {
      non_resource_rules.push_back({{"verbs", rule.value("verbs", json::array())},
                                    {"nonResourceURLs", rule["nonResourceURLs"]}});
    } else {
      json item = {{"verbs", rule.value("verbs", json::array())},
                   {"apiGroups", rule.value("apiGroups", json::array())},
                   {"resources", rule.value("resources", json::array())}};
      if (rule.contains("resourceNames")) item["resourceNames"] = rule["resourceNames"];
      resource_rules.push_back(std::move(item));
    }
    return false;
  });
  return {{"resourceRules", resource_rules},
          {"nonResourceRules", non_resource_rules},
          {"incomplete", false}};
}

std::string DenialReason(const UserInfo& user, const Attributes& attributes) {
  std::string who = "User \"" + user.name + "\" cannot " + attributes.verb;
  if (!attributes.resource_request) return who + " path \"" + attributes.path + "\"";
  std::string resource = attributes.subresource.empty()
                             ? attributes.resource
                             : attributes.resource + "/" + attributes.subresource;
  std::string where = attributes.ns.empty() ? " at the cluster scope"
                                            : " in the namespace \"" + attributes.ns + "\"";
  return who + " resource \"" + resource + "\" in API group \"" + attributes.group + "\"" + where;
}

}  // namespace converge::apiserver
