#include "kube/client/client.h"

#include "kube/client/discovery.h"
#include "kube/client/transport.h"

namespace converge::kube {
namespace {

using nlohmann::json;

constexpr char kJson[] = "application/json";

ApiResult<Object> ParseObject(const std::string& body) {
  json value = json::parse(body, nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    return ApiError{.reason = Reason::kUnknown, .message = "the server sent an unreadable object"};
  }
  return Object(std::move(value));
}

void AddQuery(std::string& query, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  query += query.empty() ? "?" : "&";
  query += name;
  query += '=';
  query += QueryEscape(value);
}

std::string WriteQuery(std::string_view field_manager, bool dry_run) {
  std::string query;
  AddQuery(query, "fieldManager", field_manager);
  if (dry_run) AddQuery(query, "dryRun", "All");
  return query;
}

const char* PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategic:
      return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

const char* PropagationName(Propagation propagation) {
  switch (propagation) {
    case Propagation::kForeground:
      return "Foreground";
    case Propagation::kBackground:
      return "Background";
    case Propagation::kOrphan:
      return "Orphan";
    case Propagation::kDefault:
      break;
  }
  return "";
}

// "/apis/GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME][/SUBRESOURCE]"
std::string ResourcePath(const ResourceMapping& mapping, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  const GroupVersionKind& gvk = mapping.gvk;
  std::string path =
      gvk.group.empty() ? "/api/" + gvk.version : "/apis/" + gvk.group + "/" + gvk.version;
  if (mapping.namespaced && !ns.empty()) path += "/namespaces/" + std::string(ns);
  path += "/" + mapping.resource;
  if (!name.empty()) path += "/" + std::string(name);
  if (!subresource.empty()) path += "/" + std::string(subresource);
  return path;
}

json DeleteBody(const DeleteOptions& options) {
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (const char* name = PropagationName(options.propagation); *name != '\0') {
    body["propagationPolicy"] = name;
  }
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (options.dry_run) body["dryRun"] = json::array({"All"});
  return body;
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Create(ClientConfig config, ClientOptions options) {
  Result<std::unique_ptr<Transport>> transport = Transport::Create(config, options);
  if (!transport.ok()) return transport.status();
  auto mapper = std::make_unique<RestMapper>(**transport);
  return std::unique_ptr<Client>(new Client(std::move(*transport), std::move(mapper)));
}

Client::Client(std::unique_ptr<Transport> transport, std::unique_ptr<RestMapper> mapper)
    : transport_(std::move(transport)), mapper_(std::move(mapper)) {}

Client::~Client() = default;

const ClientConfig& Client::config() const { return transport_->config(); }

ApiResult<ResourceMapping> Client::Mapping(const GroupVersionKind& gvk) {
  return mapper_->Find(gvk);
}

void Client::InvalidateDiscovery() { mapper_->Invalidate(); }

ApiResult<json> Client::ServerVersion() {
  ApiResult<std::string> body = Raw("GET", "/version");
  if (!body.ok()) return body.error();
  json version = json::parse(*body, nullptr, false);
  if (version.is_discarded()) {
    return ApiError{.reason = Reason::kUnknown, .message = "/version: not JSON"};
  }
  return version;
}

ApiResult<std::string> Client::PathFor(const GroupVersionKind& gvk, std::string_view ns,
                                       std::string_view name, std::string_view subresource) {
  ApiResult<ResourceMapping> mapping = mapper_->Find(gvk);
  if (!mapping.ok()) return mapping.error();
  return ResourcePath(*mapping, ns, name, subresource);
}

ApiResult<Object> Client::Get(const GroupVersionKind& gvk, std::string_view ns,
                              std::string_view name) {
  ApiResult<std::string> path = PathFor(gvk, ns, name);
  if (!path.ok()) return path.error();
  ApiResult<HttpResponse> response =
      transport_->Send({.method = "GET", .target = *path, .idempotent = true, .verb = "get"});
  if (!response.ok()) return response.error();
  return ParseObject(response->body);
}

ApiResult<ObjectList> Client::List(const GroupVersionKind& gvk, std::string_view ns,
                                   const ListOptions& options) {
  ApiResult<std::string> path = PathFor(gvk, ns, "");
  if (!path.ok()) return path.error();
  ObjectList list;
  std::string next;
  do {
    std::string query;
    AddQuery(query, "labelSelector", options.label_selector);
    AddQuery(query, "fieldSelector", options.field_selector);
    if (options.page_size > 0) AddQuery(query, "limit", std::to_string(options.page_size));
    if (next.empty()) {
      AddQuery(query, "resourceVersion", options.resource_version);
    } else {
      AddQuery(query, "continue", next);
    }
    ApiResult<HttpResponse> response = transport_->Send(
        {.method = "GET", .target = *path + query, .idempotent = true, .verb = "list"});
    if (!response.ok()) return response.error();
    json page = json::parse(response->body, nullptr, false);
    if (page.is_discarded() || !page.is_object()) {
      return ApiError{.reason = Reason::kUnknown, .message = *path + ": unreadable list"};
    }
    const json& metadata = page.value("metadata", json::object());
    list.resource_version = metadata.value("resourceVersion", "");
    next = metadata.value("continue", "");
    json& items = page["items"];
    if (items.is_array()) {
      list.items.reserve(list.items.size() + items.size());
      for (json& item : items) {
        // Items of a list carry no apiVersion/kind on the wire; objects need them.
        item["apiVersion"] =
            gvk.ApiVersion().empty() ? page.value("apiVersion", "") : gvk.ApiVersion();
        item["kind"] = gvk.kind;
        list.items.emplace_back(std::move(item));
      }
    }
  } while (!next.empty());
  return list;
}

ApiResult<Object> Client::Write(std::string_view method, const Object& object,
                                std::string_view query, std::string_view subresource) {
  GroupVersionKind gvk = GroupVersionKind::Of(object);
  bool create = method == "POST";
  ApiResult<std::string> path =
      PathFor(gvk, object.Namespace().empty() ? config().ns : object.Namespace(),
              create ? "" : object.Name(), subresource);
  if (!path.ok()) return path.error();
  ApiResult<HttpResponse> response = transport_->Send({.method = std::string(method),
                                                       .target = *path + std::string(query),
                                                       .body = object.json().dump(),
                                                       .content_type = kJson,
                                                       .idempotent = !create,
                                                       .verb = create ? "create" : "update"});
  if (!response.ok()) return response.error();
  return ParseObject(response->body);
}

ApiResult<Object> Client::Create(const Object& object, const WriteOptions& options) {
  return Write("POST", object, WriteQuery(options.field_manager, options.dry_run), "");
}

ApiResult<Object> Client::Update(const Object& object, const WriteOptions& options) {
  return Write("PUT", object, WriteQuery(options.field_manager, options.dry_run), "");
}

ApiResult<Object> Client::UpdateStatus(const Object& object, const WriteOptions& options) {
  return Write("PUT", object, WriteQuery(options.field_manager, options.dry_run), "status");
}

ApiResult<Object> Client::Patch(const GroupVersionKind& gvk, std::string_view ns,
                                std::string_view name, PatchType type, std::string_view patch,
                                const PatchOptions& options) {
  ApiResult<std::string> path = PathFor(gvk, ns, name, options.subresource);
  if (!path.ok()) return path.error();
  ApiResult<HttpResponse> response =
      transport_->Send({.method = "PATCH",
                        .target = *path + WriteQuery(options.field_manager, options.dry_run),
                        .body = std::string(patch),
                        .content_type = PatchContentType(type),
                        .verb = "patch"});
  if (!response.ok()) return response.error();
  return ParseObject(response->body);
}

ApiResult<Object> Client::Apply(const Object& object, const ApplyOptions& options) {
  GroupVersionKind gvk = GroupVersionKind::Of(object);
  std::string ns(object.Namespace());
  ApiResult<ResourceMapping> mapping = mapper_->Find(gvk);
  if (!mapping.ok()) return mapping.error();
  if (mapping->namespaced && ns.empty()) ns = config().ns;
  std::string path = ResourcePath(*mapping, ns, object.Name(), options.subresource);
  std::string query = WriteQuery(options.field_manager, options.dry_run);
  if (options.force) AddQuery(query, "force", "true");
  json body = object.json();
  if (mapping->namespaced && StringAt(body, {"metadata", "namespace"}).empty()) {
    body["metadata"]["namespace"] = ns;
  }
  // Apply is idempotent: sending the same configuration twice has the effect of once.
  ApiResult<HttpResponse> response =
      transport_->Send({.method = "PATCH",
                        .target = path + query,
                        .body = body.dump(),
                        .content_type = "application/apply-patch+yaml",
                        .idempotent = true,
                        .verb = "apply"});
  if (!response.ok()) return response.error();
  return ParseObject(response->body);
}

ApiResult<Done> Client::Delete(const GroupVersionKind& gvk, std::string_view ns,
                               std::string_view name, const DeleteOptions& options) {
  ApiResult<std::string> path = PathFor(gvk, ns, name);
  if (!path.ok()) return path.error();
  ApiResult<HttpResponse> response = transport_->Send({.method = "DELETE",
                                                       .target = *path,
                                                       .body = DeleteBody(options).dump(),
                                                       .content_type = kJson,
                                                       .idempotent = true,
                                                       .verb = "delete"});
  if (!response.ok()) return response.error();
  return Done{};
}

std::vector<RequestCount> Client::RequestCounts() const { return transport_->RequestCounts(); }

ApiResult<std::string> Client::Raw(std::string_view method, std::string_view path,
                                   std::string_view body, std::string_view content_type) {
  bool idempotent = method == "GET" || method == "PUT" || method == "DELETE" || method == "HEAD";
  ApiResult<HttpResponse> response = transport_->Send({.method = std::string(method),
                                                       .target = std::string(path),
                                                       .body = std::string(body),
                                                       .content_type = std::string(content_type),
                                                       .idempotent = idempotent});
  if (!response.ok()) return response.error();
  return std::move(response->body);
}

}  // namespace converge::kube
