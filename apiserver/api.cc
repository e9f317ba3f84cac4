#include "apiserver/api.h"

#include <chrono>
#include <ctime>

#include "apiserver/discovery.h"
#include "apiserver/objects.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

Response Text(int status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(body);
  return response;
}

Response PageNotFound() { return Text(404, "404 page not found\n"); }

}  // namespace

Response JsonResponse(int status, const json& body) {
  Response response;
  response.status = status;
  response.body = kube::EncodeJson(body);
  return response;
}

Response ErrorResponse(const ApiError& error) { return JsonResponse(error.code, error.ToStatus()); }

std::string NowRfc3339() { return FormatRfc3339(UnixSeconds()); }

std::string HumanDuration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 120) return std::to_string(seconds) + "s";
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t rest = seconds % 60;
    return std::to_string(minutes) + "m" + (rest == 0 ? "" : std::to_string(rest) + "s");
  }
  if (minutes < 180) return std::to_string(minutes) + "m";
  int64_t hours = seconds / 3600;
  if (hours < 8) {
    int64_t rest = minutes % 60;
    return std::to_string(hours) + "h" + (rest == 0 ? "" : std::to_string(rest) + "m");
  }
  if (hours < 48) return std::to_string(hours) + "h";
  int64_t days = hours / 24;
  if (hours < 192) {
    int64_t rest = hours % 24;
    return std::to_string(days) + "d" + (rest == 0 ? "" : std::to_string(rest) + "h");
  }
  if (days < 365 * 2) return std::to_string(days) + "d";
  int64_t years = days / 365;
  if (days < 365 * 8) {
    int64_t rest = days % 365;
    return std::to_string(years) + "y" + (rest == 0 ? "" : std::to_string(rest) + "d");
  }
  return std::to_string(years) + "y";
}

Api::Api(Store& store, Registry& registry, WatchHub& hub, ApiOptions options)
    : store_(store), registry_(registry), hub_(hub), options_(std::move(options)) {}

std::optional<UserInfo> Api::AuthenticateToken(const std::string& token) const {
  if (options_.token_key.empty()) return std::nullopt;
  std::optional<TokenClaims> claims = VerifyToken(options_.token_key, token, UnixSeconds());
  if (!claims) return std::nullopt;
  const ResourceType* accounts = registry_.Snapshot()->Find("", "v1", "serviceaccounts");
  Result<std::optional<StoredObject>> account = store_.Get(accounts->Key(claims->ns, claims->name));
  if (!account.ok() || !account->has_value()) return std::nullopt;
  if (kube::StringAt((*account)->object, {"metadata", "uid"}) != claims->uid) return std::nullopt;
  return ServiceAccountUser(*claims);
}

std::optional<Response> Api::Deny(const RequestInfo& info, const Request& request) {
  if (!options_.rbac) return std::nullopt;
  Attributes attributes;
  if (info.is_resource) {
    attributes.verb = info.verb;
    attributes.group = info.group;
    attributes.resource = info.resource;
    attributes.subresource = info.subresource;
    // As Kubernetes reads a namespace's own path: the namespace is the object itself.
    attributes.ns = info.resource == "namespaces" ? info.name : info.ns;
    attributes.name = info.name;
  } else {
    attributes.resource_request = false;
    attributes.path = request.path;
    attributes.verb = AsciiLower(request.method);
  }
  if (Authorize(store_, request.user, attributes)) return std::nullopt;
  log::Debug("request denied", {{"user", request.user.name}, {"path", request.path}});
  return ErrorResponse(AccessDenied(attributes.group, attributes.resource, attributes.name,
                                    DenialReason(request.user, attributes)));
}

Response Api::Handle(const Request& request) {
  const std::string& path = request.path;
  RequestInfo info = ParseRequestInfo(request.method, path, request.query);
  if (std::optional<Response> denied = Deny(info, request)) return std::move(*denied);
  if (path == "/healthz" || path == "/livez" || path == "/readyz") return Text(200, "ok");
  if (path == "/version") return JsonResponse(200, VersionInfo());
  if (StartsWith(path, "/openapi/") || path == "/api" || path == "/apis" || path == "/api/v1" ||
      (StartsWith(path, "/apis/") && SplitPath(path).size() <= 3)) {
    return HandleDiscovery(request);
  }
  if (!info.is_resource) return PageNotFound();
  return HandleResource(info, request);
}

Response Api::HandleDiscovery(const Request& request) {
  std::shared_ptr<const Catalog> catalog = registry_.Snapshot();
  const std::string& path = request.path;
  if (request.method != "GET") return ErrorResponse(MethodNotAllowed());
  if (path == "/api" || path == "/apis") {
    bool core = path == "/api";
    if (WantsAggregated(request.accept)) {
      bool v2beta1 = request.accept.find("v=v2;") == std::string::npos &&
                     request.accept.find("v=v2beta1") != std::string::npos;
      Response response = JsonResponse(200, AggregatedDiscovery(*catalog, core, v2beta1));
      response.content_type =
          v2beta1 ? "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
                  : kAggregatedContentType;
      return response;
    }
    return JsonResponse(
        200, core ? LegacyCoreVersions(options_.server_address) : LegacyGroups(*catalog));
  }
  if (path == "/openapi/v3") return JsonResponse(200, OpenApiIndex(*catalog, openapi_cache_));
  if (StartsWith(path, "/openapi/v3/")) {
    std::shared_ptr<const std::string> document =
        OpenApiDocument(*catalog, path.substr(std::string("/openapi/v3/").size()), openapi_cache_);
    if (!document) return PageNotFound();
    Response response;
    response.body = *document;
    response.headers.emplace_back("Cache-Control", "public, immutable");
    return response;
  }
  if (StartsWith(path, "/openapi/")) return PageNotFound();
  std::vector<std::string> parts = SplitPath(path);
  json body;
  if (parts.size() == 2 && parts[0] == "api") {
    body = ResourceList(*catalog, "", parts[1]);
  } else if (parts.size() == 2) {
    body = LegacyGroup(*catalog, parts[1]);
  } else if (parts.size() == 3) {
    body = ResourceList(*catalog, parts[1], parts[2]);
  }
  if (body.is_null()) return PageNotFound();
  return JsonResponse(200, body);
}

Response Api::HandleResource(const RequestInfo& info, const Request& request) {
  std::shared_ptr<const Catalog> catalog = registry_.Snapshot();
  const ResourceType* type = catalog->Find(info.group, info.version, info.resource);
  if (type == nullptr) return ErrorResponse(ResourceNotFound());
  ObjectHandler handler(*this, catalog, *type, info, request);
  return handler.Handle();
}

Status Api::Bootstrap() {
  std::shared_ptr<const Catalog> catalog = registry_.Snapshot();
  const ResourceType* crds =
      catalog->Find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  Result<ListPage> stored = store_.List(crds->KeyPrefix(), "", 0);
  if (!stored.ok()) return stored.status();
  for (const StoredObject& crd : stored->items) {
    if (Status s = registry_.AddCrd(crd.object); !s.ok()) {
      log::Warn("stored CRD cannot be served", {{"key", crd.key}, {"error", s.message()}});
    }
  }
  // What every cluster starts with: its namespaces, and the cluster-admin role held by
  // system:masters that installers (Flux, many charts) bind their controllers to.
  json bootstrap_labels = {{"kubernetes.io/bootstrapping", "rbac-defaults"}};
  json bootstrap_annotations = {{"rbac.authorization.kubernetes.io/autoupdate", "true"}};
  std::vector<std::pair<std::string, json>> objects;
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    objects.emplace_back(
        "/api/v1/namespaces",
        json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
  }
  objects.emplace_back("/apis/rbac.authorization.k8s.io/v1/clusterroles",
                       json{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                            {"kind", "ClusterRole"},
                            {"metadata",
                             {{"name", "cluster-admin"},
                              {"labels", bootstrap_labels},
                              {"annotations", bootstrap_annotations}}},
                            {"rules",
                             {{{"apiGroups", {"*"}}, {"resources", {"*"}}, {"verbs", {"*"}}},
                              {{"nonResourceURLs", {"*"}}, {"verbs", {"*"}}}}}});
  objects.emplace_back("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                       json{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                            {"kind", "ClusterRoleBinding"},
                            {"metadata",
                             {{"name", "cluster-admin"},
                              {"labels", bootstrap_labels},
                              {"annotations", bootstrap_annotations}}},
                            {"roleRef",
                             {{"apiGroup", "rbac.authorization.k8s.io"},
                              {"kind", "ClusterRole"},
                              {"name", "cluster-admin"}}},
                            {"subjects",
                             {{{"apiGroup", "rbac.authorization.k8s.io"},
                               {"kind", "Group"},
                               {"name", "system:masters"}}}}});
  for (const auto& [path, object] : objects) {
    Request request;
    request.method = "POST";
    request.path = path;
    request.content_type = "application/json";
    request.user = AdminUser();
    request.body = object.dump();
    Response response = Handle(request);
    if (response.status != 201 && response.status != 409) {
      return Status::Internal("cannot create " + object.value("kind", "") + "/" +
                              std::string(kube::StringAt(object, {"metadata", "name"})) + ": " +
                              response.body);
    }
  }
  return Status();
}

void Api::RunMaintenance() {
  std::shared_ptr<const Catalog> catalog = registry_.Snapshot();
  const ResourceType* namespaces = catalog->Find("", "v1", "namespaces");
  Result<ListPage> page = store_.List(namespaces->KeyPrefix(), "", 0);
  if (page.ok()) {
    for (const StoredObject& ns : page->items) {
      if (!ns.object.value("metadata", json::object()).value("deletionTimestamp", "").empty()) {
        FinishNamespace(*catalog, ns);
      }
    }
  }
  Result<int64_t> compacted =
      store_.Compact(std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  if (!compacted.ok()) log::Warn("compaction failed", {{"error", compacted.status().message()}});
}

// The namespace controller: delete everything in a terminating namespace, then the namespace.
void Api::FinishNamespace(const Catalog& catalog, const StoredObject& ns) {
  std::string name = ns.object["metadata"].value("name", "");
  bool empty = true;
  std::shared_ptr<const Catalog> snapshot = registry_.Snapshot();
  for (const ResourceType& type : catalog.all()) {
    if (!type.namespaced || !type.storage_version) continue;
    Result<ListPage> objects = store_.List(type.KeyPrefix() + name + "/", "", 0);
    if (!objects.ok() || objects->items.empty()) continue;
    empty = false;
    for (const StoredObject& object : objects->items) {
      Request request;
      request.method = "DELETE";
      request.user = AdminUser();
      RequestInfo info;
      info.is_resource = true;
      info.group = type.group;
      info.version = type.version;
      info.resource = type.resource;
      info.ns = name;
      info.name = object.object["metadata"].value("name", "");
      info.verb = "delete";
      ObjectHandler handler(*this, snapshot, type, info, request);
      (void)handler.DeleteOne(info.name, DeleteOptions{});
    }
  }
  if (!empty) return;
  json finished = ns.object;
  finished["spec"]["finalizers"] = json::array();
  if (finished["metadata"].value("finalizers", json::array()).empty()) {
    Result<StoredObject> deleted = store_.Delete(ns.key, ns.revision);
    if (!deleted.ok() && deleted.status().code() != StatusCode::kNotFound &&
        deleted.status().code() != StatusCode::kConflict) {
      log::Warn("cannot remove namespace",
                {{"namespace", name}, {"error", deleted.status().message()}});
    }
  } else if (finished != ns.object) {
    (void)store_.Update(ns.key, finished, ns.revision);
  }
}

}  // namespace converge::apiserver
