#include "apiserver/discovery.h"

#include "apiserver/typemodel.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

const std::vector<std::string>& StandardVerbs() {
  static const std::vector<std::string> kVerbs = {"create", "delete", "deletecollection", "get",
                                                  "list",   "patch",  "update",           "watch"};
  return kVerbs;
}

json ResponseKind(const ResourceType& type) {
  return {{"group", type.group}, {"version", type.version}, {"kind", type.kind}};
}

std::vector<std::string> VerbsOf(const ResourceType& type) {
  if (type.create_only) return {"create"};
  return StandardVerbs();
}

json AggregatedResource(const ResourceType& type) {
  json resource = {{"resource", type.resource},
                   {"responseKind", ResponseKind(type)},
                   {"scope", type.namespaced ? "Namespaced" : "Cluster"},
                   {"singularResource", type.singular},
                   {"verbs", VerbsOf(type)}};
  if (!type.short_names.empty()) resource["shortNames"] = type.short_names;
  if (!type.categories.empty()) resource["categories"] = type.categories;
  json subresources = json::array();
  if (type.status_subresource) {
    subresources.push_back({{"subresource", "status"},
                            {"responseKind", ResponseKind(type)},
                            {"verbs", {"get", "patch", "update"}}});
  }
  if (type.token_subresource) {
    subresources.push_back(
        {{"subresource", "token"},
         {"responseKind",
          {{"group", "authentication.k8s.io"}, {"version", "v1"}, {"kind", "TokenRequest"}}},
         {"verbs", {"create"}}});
  }
  if (type.scale_subresource) {
    subresources.push_back(
        {{"subresource", "scale"},
         {"responseKind", {{"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"}}},
         {"verbs", {"get", "patch", "update"}}});
  }
  if (!subresources.empty()) resource["subresources"] = std::move(subresources);
  return resource;
}

json GroupVersion(const std::string& group, const std::string& version) {
  return {{"groupVersion", group.empty() ? version : group + "/" + version}, {"version", version}};
}

uint64_t Fnv1a(const std::string& text) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string Hex(uint64_t value) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kDigits[value & 0xF];
    value >>= 4;
  }
  return out;
}

std::string CollectionPath(const ResourceType& type) {
  std::string base =
      type.group.empty() ? "/api/" + type.version : "/apis/" + type.group + "/" + type.version;
  return type.namespaced ? base + "/namespaces/{namespace}/" + type.resource
                         : base + "/" + type.resource;
}

json Gvk(const ResourceType& type) {
  return {{"group", type.group}, {"version", type.version}, {"kind", type.kind}};
}

json ParameterList(bool namespaced, bool item) {
  json parameters = json::array();
  if (item)
    parameters.push_back(
        {{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
  if (namespaced)
    parameters.push_back({{"name", "namespace"},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
  for (const char* query : {"dryRun", "fieldManager", "fieldValidation"}) {
    parameters.push_back({{"name", query}, {"in", "query"}, {"schema", {{"type", "string"}}}});
  }
  return parameters;
}

// The paths kubectl's field-validation verifier looks for: PATCH (and POST/PUT) operations
// tagged with the kind, taking a fieldValidation parameter.
json Paths(const std::vector<const ResourceType*>& types) {
  json paths = json::object();
  for (const ResourceType* type : types) {
    std::string collection = CollectionPath(*type);
    json body_types = {{"application/json", json::object()}, {"application/yaml", json::object()}};
    json patch_types = {{"application/json-patch+json", json::object()},
                        {"application/merge-patch+json", json::object()},
                        {"application/apply-patch+yaml", json::object()}};
    if (!type->custom()) patch_types["application/strategic-merge-patch+json"] = json::object();
    json op = {{"x-kubernetes-group-version-kind", Gvk(*type)},
               {"responses", {{"200", {{"description", "OK"}}}}}};
    json post = op;
    post["parameters"] = ParameterList(type->namespaced, false);
    post["requestBody"] = {{"content", body_types}};
    post["x-kubernetes-action"] = "post";
    paths[collection]["post"] = std::move(post);
    json put = op;
    put["parameters"] = ParameterList(type->namespaced, true);
    put["requestBody"] = {{"content", body_types}};
    put["x-kubernetes-action"] = "put";
    json patch = op;
    patch["parameters"] = ParameterList(type->namespaced, true);
    patch["requestBody"] = {{"content", patch_types}};
    patch["x-kubernetes-action"] = "patch";
    paths[collection + "/{name}"]["put"] = std::move(put);
    paths[collection + "/{name}"]["patch"] = std::move(patch);
  }
  return paths;
}

json Document(const std::vector<const ResourceType*>& types) {
  std::vector<std::string> models;
  for (const ResourceType* type : types) {
    if (!type->custom()) models.push_back(type->model);
  }
  json schemas = typemodel::Schemas(models);
  for (const ResourceType* type : types) {
    std::string name;
    if (type->custom()) {
      name = type->group + "." + type->version + "." + type->kind;
      json schema = type->schema.is_object() ? type->schema : json{{"type", "object"}};
      schemas[name] = std::move(schema);
    } else {
      name = typemodel::GoTypeName(type->model);
    }
    if (schemas.contains(name)) {
      schemas[name]["x-kubernetes-group-version-kind"] = json::array({Gvk(*type)});
    }
  }
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "Kubernetes"}, {"version", "v1.33.0"}}},
          {"paths", Paths(types)},
          {"components", {{"schemas", std::move(schemas)}}}};
}

std::string PathOf(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

}  // namespace

json VersionInfo() {
  return {{"major", "1"},
          {"minor", "33"},
          {"emulationMajor", "1"},
          {"emulationMinor", "33"},
          {"minCompatibilityMajor", "1"},
          {"minCompatibilityMinor", "32"},
          {"gitVersion", "v1.33.0+converge"},
          {"gitCommit", "converge"},
          {"gitTreeState", "clean"},
          {"buildDate", "2026-11-29T00:00:00Z"},
          {"goVersion", "none (C++20)"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

bool WantsAggregated(const std::string& accept) {
  return accept.find("as=APIGroupDiscoveryList") != std::string::npos;
}

json AggregatedDiscovery(const Catalog& catalog, bool core, bool v2beta1) {
  json items = json::array();
  for (const GroupInfo& group : catalog.groups()) {
    if (group.name.empty() != core) continue;
    json versions = json::array();
    for (const std::string& version : group.versions) {
      json resources = json::array();
      for (const ResourceType* type : catalog.InGroupVersion(group.name, version)) {
        resources.push_back(AggregatedResource(*type));
      }
      versions.push_back(
          {{"version", version}, {"resources", std::move(resources)}, {"freshness", "Current"}});
    }
    items.push_back({{"metadata", {{"name", group.name}, {"creationTimestamp", nullptr}}},
                     {"versions", std::move(versions)}});
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", v2beta1 ? "apidiscovery.k8s.io/v2beta1" : "apidiscovery.k8s.io/v2"},
          {"metadata", json::object()},
          {"items", std::move(items)}};
}

json LegacyCoreVersions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

json LegacyGroups(const Catalog& catalog) {
  json groups = json::array();
  for (const GroupInfo& group : catalog.groups()) {
    if (group.name.empty()) continue;
    groups.push_back(LegacyGroup(catalog, group.name));
    groups.back().erase("kind");
    groups.back().erase("apiVersion");
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

json LegacyGroup(const Catalog& catalog, const std::string& name) {
  for (const GroupInfo& group : catalog.groups()) {
    if (group.name != name || name.empty()) continue;
    json versions = json::array();
    for (const std::string& version : group.versions)
      versions.push_back(GroupVersion(name, version));
    return {{"kind", "APIGroup"},
            {"apiVersion", "v1"},
            {"name", name},
            {"versions", versions},
            {"preferredVersion", versions[0]}};
  }
  return nullptr;
}

json ResourceList(const Catalog& catalog, const std::string& group, const std::string& version) {
  std::vector<const ResourceType*> types = catalog.InGroupVersion(group, version);
  if (types.empty()) return nullptr;
  json resources = json::array();
  for (const ResourceType* type : types) {
    json resource = {{"name", type->resource},
                     {"singularName", type->singular},
                     {"namespaced", type->namespaced},
                     {"kind", type->kind},
                     {"verbs", VerbsOf(*type)}};
    if (!type->short_names.empty()) resource["shortNames"] = type->short_names;
    if (!type->categories.empty()) resource["categories"] = type->categories;
    resources.push_back(std::move(resource));
    if (type->status_subresource) {
      resources.push_back({{"name", type->resource + "/status"},
                           {"singularName", ""},
                           {"namespaced", type->namespaced},
                           {"kind", type->kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
    if (type->token_subresource) {
      resources.push_back({{"name", type->resource + "/token"},
                           {"singularName", ""},
                           {"namespaced", true},
                           {"group", "authentication.k8s.io"},
                           {"version", "v1"},
                           {"kind", "TokenRequest"},
                           {"verbs", {"create"}}});
    }
    if (type->scale_subresource) {
      resources.push_back({{"name", type->resource + "/scale"},
                           {"singularName", ""},
                           {"namespaced", type->namespaced},
                           {"group", "autoscaling"},
                           {"version", "v1"},
                           {"kind", "Scale"},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", std::move(resources)}};
}

std::shared_ptr<const std::string> OpenApiCache::Find(uint64_t generation,
                                                      const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_) return nullptr;
  auto it = documents_.find(path);
  return it == documents_.end() ? nullptr : it->second;
}

void OpenApiCache::Put(uint64_t generation, const std::string& path,
                       std::shared_ptr<const std::string> document) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_) {
    generation_ = generation;
    documents_.clear();
  }
  documents_[path] = std::move(document);
}

json OpenApiIndex(const Catalog& catalog, OpenApiCache& cache) {
  json paths = json::object();
  for (const GroupInfo& group : catalog.groups()) {
    for (const std::string& version : group.versions) {
      std::string path = PathOf(group.name, version);
      std::shared_ptr<const std::string> document = OpenApiDocument(catalog, path, cache);
      if (!document) continue;
      paths[path] = {
          {"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + Hex(Fnv1a(*document))}};
    }
  }
  return {{"paths", std::move(paths)}};
}

std::shared_ptr<const std::string> OpenApiDocument(const Catalog& catalog, const std::string& path,
                                                   OpenApiCache& cache) {
  if (auto cached = cache.Find(catalog.generation(), path)) return cached;
  for (const GroupInfo& group : catalog.groups()) {
    for (const std::string& version : group.versions) {
      if (PathOf(group.name, version) != path) continue;
      auto document = std::make_shared<const std::string>(
          kube::EncodeJson(Document(catalog.InGroupVersion(group.name, version))));
      cache.Put(catalog.generation(), path, document);
      return document;
    }
  }
  return nullptr;
}

}  // namespace converge::apiserver
