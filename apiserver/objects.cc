// The resource verbs: get, list, watch, create, update, patch, delete, deletecollection, and
// the status subresource. Semantics follow the generic registry store of k8s.io/apiserver
// (shared/reference/kubernetes-api.md sections 2-4).

#include "apiserver/objects.h"

#include <algorithm>
#include <chrono>
#include <set>

#include <openssl/rand.h>

#include "apiserver/api.h"
#include "apiserver/defaults.h"
#include "apiserver/managed_fields.h"
#include "apiserver/protobuf.h"
#include "apiserver/scale.h"
#include "apiserver/schema.h"
#include "apiserver/strategic_merge.h"
#include "apiserver/table.h"
#include "apiserver/validation.h"
#include "base/base64.h"
#include "base/log.h"
#include "base/strings.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

constexpr int kPatchRetries = 5;
constexpr const char* kGenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

std::string RandomUid() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof(bytes));
  bytes[6] = (bytes[6] & 0x0F) | 0x40;
  bytes[8] = (bytes[8] & 0x3F) | 0x80;
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xF]);
  }
  return out;
}

std::string RandomSuffix() {
  unsigned char bytes[5];
  RAND_bytes(bytes, sizeof(bytes));
  std::string out;
  for (unsigned char byte : bytes) out.push_back(kGenerateNameAlphabet[byte % 27]);
  return out;
}

std::string Query(const Request& request, const std::string& name) {
  auto it = request.query.find(name);
  return it == request.query.end() ? "" : it->second;
}

json& Metadata(json& object) {
  json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  return metadata;
}

std::string MetaString(const json& object, std::string_view field) {
  return std::string(kube::StringAt(object, {"metadata", field}));
}

bool IsDeleting(const json& object) { return !MetaString(object, "deletionTimestamp").empty(); }

std::vector<std::string> Finalizers(const json& object) {
  std::vector<std::string> out;
  const json& metadata = object.value("metadata", json::object());
  if (metadata.contains("finalizers") && metadata["finalizers"].is_array()) {
    for (const json& item : metadata["finalizers"]) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

// Everything except metadata and status: a change here bumps metadata.generation.
json SpecPart(const json& object) {
  json copy = object;
  if (copy.is_object()) {
    copy.erase("metadata");
    copy.erase("status");
  }
  return copy;
}

// Equal except for resourceVersion and managedFields, which no-op detection ignores.
bool SameObject(json a, json b) {
  for (json* object : {&a, &b}) {
    if (object->contains("metadata")) {
      (*object)["metadata"].erase("resourceVersion");
      (*object)["metadata"].erase("managedFields");
    }
  }
  return a == b;
}

FieldValidation ParseFieldValidation(const std::string& text) {
  if (text == "Strict") return FieldValidation::kStrict;
  if (text == "Ignore") return FieldValidation::kIgnore;
  return FieldValidation::kWarn;
}

void AddWarnings(Response& response, const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) {
    std::string escaped;
    for (char c : warning) {
      if (c == '"' || c == '\\') escaped.push_back('\\');
      escaped.push_back(c);
    }
    response.headers.emplace_back("Warning", "299 - \"" + escaped + "\"");
  }
}

}  // namespace

ObjectHandler::ObjectHandler(Api& api, std::shared_ptr<const Catalog> catalog,
                             const ResourceType& type, const RequestInfo& info,
                             const Request& request)
    : api_(api), catalog_(std::move(catalog)), type_(type), info_(info), request_(request) {}

std::string ObjectHandler::Key(const std::string& name) const {
  const ResourceType* storage = catalog_->StorageType(type_.group, type_.resource);
  return (storage != nullptr ? *storage : type_).Key(info_.ns, name);
}

bool ObjectHandler::DryRun() const { return Query(request_, "dryRun") == "All"; }

json ObjectHandler::Present(json object) const {
  object["apiVersion"] = type_.GroupVersion();
  object["kind"] = type_.kind;
  return object;
}

Response ObjectHandler::Handle() {
  const std::string& verb = info_.verb;
  if (type_.create_only) {
    if (!info_.name.empty()) return ErrorResponse(ResourceNotFound());
    return verb == "create" ? Review() : ErrorResponse(MethodNotAllowed());
  }
  if (type_.token_subresource && info_.subresource == "token") {
    return verb == "create" ? CreateToken() : ErrorResponse(MethodNotAllowed());
  }
  bool scale = info_.subresource == "scale";
  if (!info_.subresource.empty() && info_.subresource != "status" && !scale) {
    return ErrorResponse(ResourceNotFound());
  }
  if (scale &&
      (!type_.scale_subresource || (verb != "get" && verb != "update" && verb != "patch"))) {
    return ErrorResponse(type_.scale_subresource ? MethodNotAllowed() : ResourceNotFound());
  }
  if (info_.subresource == "status" && !type_.status_subresource) {
    return ErrorResponse(ResourceNotFound());
  }
  if (type_.namespaced && info_.ns.empty() && verb != "list" && verb != "watch") {
    return ErrorResponse(ResourceNotFound());
  }
  if (verb == "get") return Get();
  if (verb == "list") return List();
  if (verb == "watch") return Watch();
  if (verb == "create") return Create();
  if (verb == "update") return Update();
  if (verb == "patch") return Patch();
  if (verb == "delete") return Delete();
  if (verb == "deletecollection") return DeleteCollection();
  return ErrorResponse(MethodNotAllowed());
}

ApiResult<StoredObject> ObjectHandler::Load(const std::string& name) const {
  Result<std::optional<StoredObject>> stored = api_.store_.Get(Key(name));
  if (!stored.ok()) return InternalError(stored.status().message());
  if (!stored->has_value()) return NotFound(type_, name);
  return std::move(**stored);
}

Response ObjectHandler::Get() {
  ApiResult<StoredObject> stored = Load(info_.name);
  if (!stored.ok()) return ErrorResponse(stored.error());
  if (info_.subresource == "scale") return JsonResponse(200, ScaleOf(type_, stored->object));
  if (WantsTable(request_.accept)) {
    return TableResponse(type_, {Present(stored->object)}, std::to_string(stored->revision));
  }
  return JsonResponse(200, Present(std::move(stored->object)));
}

ApiResult<ObjectFilter> ObjectHandler::Filter() const {
  ObjectFilter filter;
  Result<kube::LabelSelector> labels = kube::LabelSelector::Parse(Query(request_, "labelSelector"));
  if (!labels.ok()) return BadRequest(labels.status().message());
  filter.labels = std::move(*labels);
  std::string fields = Query(request_, "fieldSelector");
  size_t pos = 0;
  while (pos < fields.size()) {
    size_t end = fields.find(',', pos);
    if (end == std::string::npos) end = fields.size();
    std::string term = fields.substr(pos, end - pos);
    pos = end + 1;
    if (term.empty()) continue;
    bool negate = false;
    size_t op = term.find("!=");
    size_t value_at = op + 2;
    if (op != std::string::npos) {
      negate = true;
    } else if ((op = term.find("==")) != std::string::npos) {
      value_at = op + 2;
    } else if ((op = term.find('=')) != std::string::npos) {
      value_at = op + 1;
    } else {
      return BadRequest("invalid field selector: '" + term + "'");
    }
    std::string field = term.substr(0, op);
    if (field != "metadata.name" && field != "metadata.namespace") {
      return BadRequest("\"" + field +
                        "\" is not a known field selector: only \"metadata.name\", "
                        "\"metadata.namespace\"");
    }
    filter.fields.push_back({field, term.substr(value_at), negate});
  }
  return filter;
}

bool ObjectFilter::Matches(const json& object) const {
  const json& metadata = object.value("metadata", json::object());
  if (!labels.Matches(metadata.value("labels", json::object()))) return false;
  for (const FieldTerm& term : fields) {
    std::string have = metadata.value(term.field == "metadata.name" ? "name" : "namespace", "");
    if ((have == term.value) == term.negate) return false;
  }
  return true;
}

std::string ObjectHandler::ListPrefix() const {
  const ResourceType* storage = catalog_->StorageType(type_.group, type_.resource);
  std::string prefix = (storage != nullptr ? *storage : type_).KeyPrefix();
  return type_.namespaced && !info_.ns.empty() ? prefix + info_.ns + "/" : prefix;
}

Response ObjectHandler::List() {
  ApiResult<ObjectFilter> filter = Filter();
  if (!filter.ok()) return ErrorResponse(filter.error());
  size_t limit = 0;
  std::string limit_text = Query(request_, "limit");
  if (!limit_text.empty()) limit = static_cast<size_t>(std::max(0L, std::atol(limit_text.c_str())));

  std::string after;
  int64_t list_revision = 0;
  std::string token = Query(request_, "continue");
  if (!token.empty()) {
    std::optional<std::string> decoded = Base64UrlDecode(token);
    json parsed = decoded ? json::parse(*decoded, nullptr, false) : json();
    if (!parsed.is_object() || !parsed.contains("start") || !parsed.contains("rv")) {
      return ErrorResponse(BadRequest("continue key is not valid: invalid continue token"));
    }
    after = parsed["start"].get<std::string>();
    list_revision = parsed["rv"].get<int64_t>();
    if (list_revision < api_.store_.CompactedRevision()) {
      return ErrorResponse(Expired(
          "The provided continue parameter is too old to display a consistent list result. You "
          "can start a new list without the continue parameter, or use the continue token in "
          "this response to retrieve the remainder of the results. Continuing with the provided "
          "token results in an inconsistent list - objects that were created, modified, or "
          "deleted between the time the first chunk was returned and now may show up in the "
          "list."));
    }
  }

  std::vector<json> items;
  std::string next_key;
  int64_t remaining = 0;
  std::string prefix = ListPrefix();
  // Selectors filter after reading, so keep reading pages until `limit` items matched.
  while (true) {
    Result<ListPage> page = api_.store_.List(prefix, after, limit == 0 ? 0 : limit - items.size());
    if (!page.ok()) return ErrorResponse(InternalError(page.status().message()));
    if (list_revision == 0) list_revision = page->revision;
    for (StoredObject& stored : page->items) {
      if (filter->Matches(stored.object)) items.push_back(Present(std::move(stored.object)));
    }
    if (page->last_key.empty()) break;
    after = page->last_key;
    if (limit != 0 && items.size() >= limit) {
      next_key = page->last_key;
      remaining = filter->Empty() ? page->remaining : 0;
      break;
    }
  }
  if (WantsTable(request_.accept)) {
    Response response = TableResponse(type_, items, std::to_string(list_revision));
    if (!next_key.empty()) {
      json table = json::parse(response.body);
      table["metadata"]["continue"] =
          Base64UrlEncode(json{{"rv", list_revision}, {"start", next_key}}.dump());
      response.body = kube::EncodeJson(table);
    }
    return response;
  }
  json list = {{"apiVersion", type_.GroupVersion()},
               {"kind", type_.list_kind},
               {"metadata", {{"resourceVersion", std::to_string(list_revision)}}},
               {"items", json::array()}};
  if (!next_key.empty()) {
    list["metadata"]["continue"] =
        Base64UrlEncode(json{{"rv", list_revision}, {"start", next_key}}.dump());
    if (remaining > 0) list["metadata"]["remainingItemCount"] = remaining;
  }
  for (json& item : items) list["items"].push_back(std::move(item));
  return JsonResponse(200, list);
}

ApiResult<json> ObjectHandler::ParseBody() const {
  std::string_view content_type = request_.content_type;
  if (content_type.rfind(kProtobufContentType, 0) == 0) {
    Result<json> decoded = DecodeProtobufObject(request_.body);
    if (!decoded.ok()) return BadRequest(decoded.status().message());
    return std::move(*decoded);
  }
  bool yaml = content_type.find("yaml") != std::string_view::npos;
  if (!yaml && !content_type.empty() && content_type.find("json") == std::string_view::npos) {
    return UnsupportedMediaType(
        {"application/json", "application/yaml", std::string(kProtobufContentType)});
  }
  json body;
  if (yaml) {
    Result<std::vector<kube::Document>> documents = kube::DecodeStream(request_.body, "body");
    if (!documents.ok()) return BadRequest(documents.status().message());
    if (documents->empty()) return BadRequest("the request body is empty");
    body = std::move((*documents)[0].value);
  } else {
    body = json::parse(request_.body, nullptr, false);
    if (body.is_discarded()) {
      return BadRequest(
          "couldn't get version/kind; json parse error: invalid JSON in the "
          "request body");
    }
  }
  if (!body.is_object()) {
    return BadRequest(
        "couldn't get version/kind; json parse error: the request body must be a "
        "JSON object");
  }
  return body;
}

ApiResult<json> ObjectHandler::DecodeBody() const {
  ApiResult<json> parsed = ParseBody();
  if (!parsed.ok()) return parsed;
  json body = std::move(*parsed);
  std::string api_version = body.value("apiVersion", "");
  std::string kind = body.value("kind", "");
  if (!api_version.empty() && api_version != type_.GroupVersion()) {
    return BadRequest("the API version in the data (" + api_version +
                      ") does not match the expected API version (" + type_.GroupVersion() + ")");
  }
  if (!kind.empty() && kind != type_.kind) {
    return BadRequest("the kind in the data (" + kind + ") does not match the expected kind (" +
                      type_.kind + ")");
  }
  body["apiVersion"] = type_.GroupVersion();
  body["kind"] = type_.kind;
  return body;
}

// Namespace of the object vs the URL: an empty one inherits, a different one is refused.
ApiResult<bool> ObjectHandler::CheckNamespace(json& object) const {
  json& metadata = Metadata(object);
  if (!type_.namespaced) {
    metadata.erase("namespace");
    return true;
  }
  std::string ns = metadata.value("namespace", "");
  if (ns.empty()) {
    metadata["namespace"] = info_.ns;
  } else if (ns != info_.ns) {
    return BadRequest(
        "the namespace of the provided object does not match the namespace sent "
        "on the request");
  }
  return true;
}

// Namespaced writes need an existing namespace that is not terminating.
ApiResult<bool> ObjectHandler::CheckNamespaceLifecycle(const std::string& name) const {
  if (!type_.namespaced) return true;
  const ResourceType* namespaces = catalog_->Find("", "v1", "namespaces");
  Result<std::optional<StoredObject>> ns = api_.store_.Get(namespaces->Key("", info_.ns));
  if (!ns.ok()) return InternalError(ns.status().message());
  if (!ns->has_value()) return NamespaceNotFound(info_.ns);
  if (IsDeleting((*ns)->object)) {
    ApiError error = Forbidden(type_, name,
                               "unable to create new content in namespace " + info_.ns +
                                   " because it is being terminated");
    error.causes.push_back({"NamespaceTerminating",
                            "namespace " + info_.ns + " is being terminated",
                            "metadata.namespace"});
    return error;
  }
  return true;
}

Response ObjectHandler::Create() {
  if (!info_.subresource.empty()) return ErrorResponse(MethodNotAllowed());
  ApiResult<json> body = DecodeBody();
  if (!body.ok()) return ErrorResponse(body.error());
  json object = std::move(*body);
  if (ApiResult<bool> ok = CheckNamespace(object); !ok.ok()) return ErrorResponse(ok.error());
  ApiResult<DecodeOutcome> decoded =
      CheckDecode(type_, object, ParseFieldValidation(Query(request_, "fieldValidation")));
  if (!decoded.ok()) return ErrorResponse(decoded.error());
  Response response = CreateObject(std::move(object), /*from_apply=*/false);
  AddWarnings(response, decoded->warnings);
  return response;
}

// The create path of POST and of an apply that finds nothing: `object` is decoded and checked.
Response ObjectHandler::CreateObject(json object, bool from_apply) {
  json& metadata = Metadata(object);
  std::string name = metadata.value("name", "");
  std::string generate_name = metadata.value("generateName", "");
  if (name.empty() && generate_name.empty()) {
    return ErrorResponse(
        Invalid(type_, "", {Required("metadata.name", "name or generateName is required")}));
  }
  if (!metadata.value("resourceVersion", "").empty()) {
    return ErrorResponse(BadRequest("resourceVersion should not be set on objects to be created"));
  }
  if (ApiResult<bool> ok = CheckNamespaceLifecycle(name.empty() ? generate_name : name); !ok.ok()) {
    return ErrorResponse(ok.error());
  }
  PrepareForCreate(object);
  ApplyDefaults(type_, object);
  if (ApiResult<bool> ok = AllocateServiceAddresses(object, nullptr); !ok.ok()) {
    return ErrorResponse(ok.error());
  }
  if (type_.resource == "customresourcedefinitions" && type_.group == "apiextensions.k8s.io") {
    if (ApiResult<bool> ok = PrepareCrd(object); !ok.ok()) return ErrorResponse(ok.error());
  }

  for (int attempt = 0; attempt < 8; ++attempt) {
    json candidate = object;
    json& meta = Metadata(candidate);
    if (name.empty()) {
      std::string prefix = generate_name.substr(0, std::min<size_t>(generate_name.size(), 58));
      meta["name"] = prefix + RandomSuffix();
    }
    std::string final_name = meta["name"].get<std::string>();
    std::vector<Cause> causes = ValidateObject(type_, candidate);
    if (!causes.empty()) return ErrorResponse(Invalid(type_, final_name, std::move(causes)));
    if (!from_apply) RecordUpdate(type_, nullptr, candidate, Manager(), "");
    Response response;
    if (DryRun()) {
      response = JsonResponse(201, Present(candidate));
    } else {
      Result<StoredObject> stored = api_.store_.Create(Key(final_name), candidate);
      if (!stored.ok() && stored.status().code() == StatusCode::kConflict) {
        if (!name.empty()) return ErrorResponse(AlreadyExists(type_, final_name));
        continue;
      }
      if (!stored.ok()) return ErrorResponse(InternalError(stored.status().message()));
      AfterWrite(stored->object);
      response = JsonResponse(201, Present(stored->object));
    }
    return response;
  }
  return ErrorResponse(AlreadyExists(type_, generate_name));
}

void ObjectHandler::PrepareForCreate(json& object) const {
  json& metadata = Metadata(object);
  metadata["uid"] = RandomUid();
  metadata["creationTimestamp"] = NowRfc3339();
  metadata.erase("deletionTimestamp");
  metadata.erase("deletionGracePeriodSeconds");
  if (type_.has_generation) {
    metadata["generation"] = 1;
  } else {
    metadata.erase("generation");
  }
  if (type_.status_subresource) object.erase("status");
  if (type_.resource == "namespaces" && !type_.custom()) {
    std::string name = metadata.value("name", "");
    metadata["labels"]["kubernetes.io/metadata.name"] = name;
    object["spec"]["finalizers"] = json::array({"kubernetes"});
    object["status"] = {{"phase", "Active"}};
  }
}

ApiResult<bool> ObjectHandler::PrepareCrd(json& crd) const {
  const json& spec = crd.value("spec", json::object());
  std::string group = spec.value("group", "");
  std::string plural = spec.value("names", json::object()).value("plural", "");
  std::string expected = plural + "." + group;
  std::string name = MetaString(crd, "name");
  if (name != expected) {
    return Invalid(
        type_, name,
        {InvalidValue("metadata.name", name, "must be spec.names.plural+\".\"+spec.group")});
  }
  int storage_versions = 0;
  for (const json& version : spec.value("versions", json::array())) {
    if (version.value("storage", false)) ++storage_versions;
  }
  if (storage_versions != 1) {
    return Invalid(type_, name,
                   {InvalidValue("spec.versions", spec.value("versions", json::array()),
                                 "must have exactly one version marked as storage version")});
  }
  json names = spec.value("names", json::object());
  if (!names.contains("singular")) {
    std::string singular = AsciiLower(names.value("kind", ""));
    names["singular"] = singular;
  }
  if (!names.contains("listKind")) names["listKind"] = names.value("kind", "") + "List";
  std::string now = NowRfc3339();
  crd["status"] = {{"acceptedNames", names},
                   {"conditions", json::array({{{"type", "NamesAccepted"},
                                                {"status", "True"},
                                                {"reason", "NoConflicts"},
                                                {"message", "no conflicts found"},
                                                {"lastTransitionTime", now}},
                                               {{"type", "Established"},
                                                {"status", "True"},
                                                {"reason", "InitialNamesAccepted"},
                                                {"message", "the initial names have been accepted"},
                                                {"lastTransitionTime", now}}})},
                   {"storedVersions", json::array()}};
  for (const json& version : spec.value("versions", json::array())) {
    if (version.value("storage", false)) {
      crd["status"]["storedVersions"].push_back(version.value("name", ""));
    }
  }
  return true;
}

void ObjectHandler::AfterWrite(const json& object) {
  if (type_.resource == "customresourcedefinitions" && type_.group == "apiextensions.k8s.io") {
    if (Status s = api_.registry_.AddCrd(object); !s.ok()) {
      log::Warn("cannot register custom resource",
                {{"crd", MetaString(object, "name")}, {"error", s.message()}});
    }
  }
}

Response ObjectHandler::Update() {
  if (info_.subresource == "scale") {
    ApiResult<json> scale = ParseBody();
    if (!scale.ok()) return ErrorResponse(scale.error());
    ApiResult<StoredObject> current = Load(info_.name);
    if (!current.ok()) return ErrorResponse(current.error());
    ApiResult<json> scaled = WithScale(type_, std::move(current->object), *scale);
    if (!scaled.ok()) return ErrorResponse(scaled.error());
    return AsScale(ApplyUpdate(std::move(*scaled), Write::kUpdate));
  }
  ApiResult<json> body = DecodeBody();
  if (!body.ok()) return ErrorResponse(body.error());
  ApiResult<DecodeOutcome> decoded =
      CheckDecode(type_, *body, ParseFieldValidation(Query(request_, "fieldValidation")));
  if (!decoded.ok()) return ErrorResponse(decoded.error());
  Response response = ApplyUpdate(std::move(*body), Write::kUpdate);
  AddWarnings(response, decoded->warnings);
  return response;
}

Response ObjectHandler::ApplyUpdate(json object, Write write) {
  const std::string& name = info_.name;
  if (ApiResult<bool> ok = CheckNamespace(object); !ok.ok()) return ErrorResponse(ok.error());
  json& metadata = Metadata(object);
  std::string body_name = metadata.value("name", "");
  if (body_name.empty()) {
    metadata["name"] = name;
  } else if (body_name != name) {
    return ErrorResponse(BadRequest("the name of the object (" + body_name +
                                    ") does not match the name on the URL (" + name + ")"));
  }
  ApiResult<StoredObject> current = Load(name);
  if (!current.ok()) return ErrorResponse(current.error());
  std::string wanted_rv = metadata.value("resourceVersion", "");
  if (wanted_rv.empty() && type_.custom() && write == Write::kUpdate) {
    return ErrorResponse(Invalid(
        type_, name,
        {InvalidValue("metadata.resourceVersion", "0x0", "must be specified for an update")}));
  }
  if (!wanted_rv.empty() && wanted_rv != std::to_string(current->revision)) {
    return ErrorResponse(StaleResourceVersion(type_, name));
  }
  const json& old = current->object;
  if (!MetaString(object, "uid").empty() && MetaString(object, "uid") != MetaString(old, "uid")) {
    return ErrorResponse(StaleResourceVersion(type_, name));
  }

  json updated = std::move(object);
  json& meta = Metadata(updated);
  const json& old_meta = old["metadata"];
  for (const char* field : {"uid", "creationTimestamp", "deletionTimestamp",
                            "deletionGracePeriodSeconds", "generateName"}) {
    if (old_meta.contains(field)) {
      meta[field] = old_meta[field];
    } else {
      meta.erase(field);
    }
  }
  bool status_only = info_.subresource == "status";
  if (status_only) {
    // The status endpoint changes status and nothing else.
    json merged = old;
    if (updated.contains("status")) {
      merged["status"] = updated["status"];
    } else {
      merged.erase("status");
    }
    updated = std::move(merged);
  } else if (type_.status_subresource) {
    if (old.contains("status")) {
      updated["status"] = old["status"];
    } else {
      updated.erase("status");
    }
  }
  ApplyDefaults(type_, updated);
  if (ApiResult<bool> ok = AllocateServiceAddresses(updated, &old); !ok.ok()) {
    return ErrorResponse(ok.error());
  }
  if (type_.has_generation) {
    int64_t generation = old_meta.value("generation", int64_t{1});
    bool bumps = SpecPart(updated) != SpecPart(old);
    // Deployments also count annotation changes (the deployment strategy's rule).
    if (type_.resource == "deployments" && !type_.custom()) {
      bumps = bumps || updated["metadata"].value("annotations", json::object()) !=
                           old_meta.value("annotations", json::object());
    }
    if (!status_only && bumps) ++generation;
    Metadata(updated)["generation"] = generation;
  }
  if (IsDeleting(old)) {
    std::vector<std::string> before = Finalizers(old);
    for (const std::string& finalizer : Finalizers(updated)) {
      if (std::find(before.begin(), before.end(), finalizer) == before.end()) {
        return ErrorResponse(Invalid(
            type_, name,
            {ForbiddenField("metadata.finalizers",
                            "no new finalizers can be added if the object is being deleted, "
                            "found new finalizers []string{\"" +
                                finalizer + "\"}")}));
      }
    }
  }
  if (type_.resource == "namespaces" && !type_.custom() && !status_only) {
    Metadata(updated)["labels"]["kubernetes.io/metadata.name"] = name;
  }
  std::vector<Cause> causes = ValidateObject(type_, updated);
  if (!status_only) {
    for (Cause& cause : ValidateUpdate(type_, updated, old)) causes.push_back(std::move(cause));
  }
  if (!causes.empty()) return ErrorResponse(Invalid(type_, name, std::move(causes)));

  if (write == Write::kApply) {
    // Apply computed ownership already; a change of owners alone is a write too.
    if (updated == old ||
        (SameObject(updated, old) && updated["metadata"].value("managedFields", json()) ==
                                         old_meta.value("managedFields", json()))) {
      return JsonResponse(200, Present(old));
    }
  } else {
    if (SameObject(updated, old)) return JsonResponse(200, Present(old));
    RecordUpdate(type_, &old, updated, Manager(), info_.subresource);
  }
  if (DryRun()) return JsonResponse(200, Present(updated));

  if (IsDeleting(updated) && Finalizers(updated).empty() && !HoldsNamespaceFinalizer(updated)) {
    Result<StoredObject> deleted = api_.store_.Delete(current->key, current->revision);
    if (!deleted.ok()) return ErrorResponse(StorageError(deleted.status(), name));
    return JsonResponse(200, Present(deleted->object));
  }
  Result<StoredObject> stored = api_.store_.Update(current->key, updated, current->revision);
  if (!stored.ok()) return ErrorResponse(StorageError(stored.status(), name));
  AfterWrite(stored->object);
  return JsonResponse(200, Present(stored->object));
}

bool ObjectHandler::HoldsNamespaceFinalizer(const json& object) const {
  if (type_.resource != "namespaces" || type_.custom()) return false;
  const json& spec = object.value("spec", json::object());
  return spec.contains("finalizers") && spec["finalizers"].is_array() &&
         !spec["finalizers"].empty();
}

ApiError ObjectHandler::StorageError(const Status& status, const std::string& name) const {
  if (status.code() == StatusCode::kConflict) return StaleResourceVersion(type_, name);
  if (status.code() == StatusCode::kNotFound) return NotFound(type_, name);
  return InternalError(status.message());
}

Response ObjectHandler::Patch() {
  std::string content_type = request_.content_type;
  size_t semicolon = content_type.find(';');
  if (semicolon != std::string::npos) content_type.resize(semicolon);
  bool merge = content_type == "application/merge-patch+json";
  bool json_patch = content_type == "application/json-patch+json";
  bool strategic = content_type == "application/strategic-merge-patch+json" && !type_.custom();
  bool scale = info_.subresource == "scale";
  if (content_type == "application/apply-patch+yaml" && !scale) return Apply();
  if (!merge && !json_patch && !strategic) {
    std::vector<std::string> accepted = {"application/json-patch+json",
                                         "application/merge-patch+json",
                                         "application/apply-patch+yaml"};
    if (!type_.custom()) accepted.push_back("application/strategic-merge-patch+json");
    return ErrorResponse(UnsupportedMediaType(accepted));
  }
  json patch = json::parse(request_.body, nullptr, false);
  if (patch.is_discarded()) return ErrorResponse(BadRequest("the patch is not valid JSON"));
  if (json_patch && !patch.is_array()) {
    return ErrorResponse(
        BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch"));
  }
  for (int attempt = 0; attempt < kPatchRetries; ++attempt) {
    ApiResult<StoredObject> current = Load(info_.name);
    if (!current.ok()) return ErrorResponse(current.error());
    Metadata(current->object)["resourceVersion"] = std::to_string(current->revision);
    // A patch to /scale applies to the Scale view; a Scale has no lists, so a strategic merge
    // patch is a merge patch there.
    const json target = scale ? ScaleOf(type_, current->object) : current->object;
    json patched;
    try {
      if (json_patch) {
        patched = target.patch(patch);
      } else if (merge || scale) {
        patched = target;
        patched.merge_patch(patch);
      } else {
        Result<json> result = StrategicMergePatch(current->object, patch, Schema::For(type_));
        if (!result.ok()) return ErrorResponse(BadRequest(result.status().message()));
        patched = std::move(*result);
      }
    } catch (const json::exception& error) {
      std::string message = error.what();
      size_t close = message.find("] ");
      if (close != std::string::npos) message.erase(0, close + 2);
      return ErrorResponse(Invalid(type_, info_.name, {{"FieldValueInvalid", message, ""}}));
    }
    if (scale) {
      ApiResult<json> scaled = WithScale(type_, current->object, patched);
      if (!scaled.ok()) return ErrorResponse(scaled.error());
      patched = std::move(*scaled);
    }
    // resourceVersion in the patch is a precondition; otherwise the patch applies to what was
    // read, and a concurrent write makes us read again.
    std::string wanted = MetaString(patched, "resourceVersion");
    bool precondition = wanted != MetaString(current->object, "resourceVersion");
    if (!precondition) Metadata(patched)["resourceVersion"] = std::to_string(current->revision);
    ApiResult<DecodeOutcome> decoded =
        CheckDecode(type_, patched, ParseFieldValidation(Query(request_, "fieldValidation")));
    if (!decoded.ok()) return ErrorResponse(decoded.error());
    Response response = ApplyUpdate(std::move(patched), Write::kPatch);
    if (response.status == 409 && !precondition) continue;
    AddWarnings(response, decoded->warnings);
    if (scale) return AsScale(std::move(response));
    return response;
  }
  return ErrorResponse(StaleResourceVersion(type_, info_.name));
}

Response ObjectHandler::AsScale(Response response) const {
  if (response.status != 200) return response;
  json object = json::parse(response.body, nullptr, false);
  if (object.is_discarded()) return response;
  Response scale = JsonResponse(200, ScaleOf(type_, object));
  scale.headers = std::move(response.headers);
  return scale;
}

std::string ObjectHandler::Manager() const {
  std::string manager = Query(request_, "fieldManager");
  return manager.empty() ? DefaultManager(request_.user_agent) : manager;
}

// Server-side apply: the body is the manager's whole intent for the fields it names.
Response ObjectHandler::Apply() {
  std::string manager = Query(request_, "fieldManager");
  if (manager.empty() || manager.size() > 128) {
    ApiError error = Invalid(type_, "", {Required("fieldManager", "is required for apply patch")});
    error.message =
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is "
        "required for apply patch";
    if (!manager.empty()) {
      error.message =
          "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Too long: may "
          "not be more than 128 bytes";
    }
    return ErrorResponse(error);
  }
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(request_.body, "apply body");
  if (!documents.ok()) return ErrorResponse(BadRequest(documents.status().message()));
  if (documents->empty() || !(*documents)[0].value.is_object()) {
    return ErrorResponse(BadRequest("the apply body must be an object"));
  }
  json config = std::move((*documents)[0].value);
  std::string api_version = config.value("apiVersion", "");
  std::string kind = config.value("kind", "");
  if (api_version != type_.GroupVersion() || kind != type_.kind) {
    return ErrorResponse(BadRequest("the API version and kind in the data (" + api_version + ", " +
                                    kind + ") do not match the request (" + type_.GroupVersion() +
                                    ", " + type_.kind + ")"));
  }
  if (config["metadata"].is_object() && config["metadata"].contains("managedFields")) {
    return ErrorResponse(BadRequest("metadata.managedFields must be nil"));
  }
  if (ApiResult<bool> ok = CheckNamespace(config); !ok.ok()) return ErrorResponse(ok.error());
  std::string body_name = MetaString(config, "name");
  if (!body_name.empty() && body_name != info_.name) {
    return ErrorResponse(BadRequest("the name of the object (" + body_name +
                                    ") does not match the name on the URL (" + info_.name + ")"));
  }
  Metadata(config)["name"] = info_.name;
  ApiResult<DecodeOutcome> decoded =
      CheckDecode(type_, config, ParseFieldValidation(Query(request_, "fieldValidation")));
  if (!decoded.ok()) return ErrorResponse(decoded.error());
  ApplyRequest apply{.manager = manager,
                     .force = Query(request_, "force") == "true",
                     .subresource = info_.subresource};
  for (int attempt = 0; attempt < kPatchRetries; ++attempt) {
    Result<std::optional<StoredObject>> stored = api_.store_.Get(Key(info_.name));
    if (!stored.ok()) return ErrorResponse(InternalError(stored.status().message()));
    const json* live = stored->has_value() ? &(*stored)->object : nullptr;
    ApiResult<json> merged = ServerSideApply(type_, live, config, apply);
    if (!merged.ok()) return ErrorResponse(merged.error());
    Response response;
    if (live == nullptr) {
      response = CreateObject(std::move(*merged), /*from_apply=*/true);
    } else {
      Metadata(*merged)["resourceVersion"] = std::to_string((*stored)->revision);
      response = ApplyUpdate(std::move(*merged), Write::kApply);
      if (response.status == 409 &&
          response.body.find("FieldManagerConflict") == std::string::npos) {
        continue;
      }
    }
    if (live == nullptr && response.status == 409) continue;
    AddWarnings(response, decoded->warnings);
    return response;
  }
  return ErrorResponse(StaleResourceVersion(type_, info_.name));
}

// Service cluster IPs and node ports, as the registry allocates them: kept from `old` on
// updates, otherwise the next free ones.
ApiResult<bool> ObjectHandler::AllocateServiceAddresses(json& service, const json* old) {
  if (type_.resource != "services" || type_.custom()) return true;
  json& spec = service["spec"];
  std::string type = spec.value("type", "ClusterIP");
  if (old != nullptr && old->contains("spec")) {
    const json& old_spec = (*old)["spec"];
    for (const char* field : {"clusterIP", "clusterIPs"}) {
      if ((!spec.contains(field) || spec[field].is_null()) && old_spec.contains(field)) {
        spec[field] = old_spec[field];
      }
    }
  }
  bool headless = spec.value("clusterIP", "") == "None";
  if (type != "ExternalName" && !headless && spec.value("clusterIP", "").empty()) {
    std::set<std::string> taken;
    Result<ListPage> services = api_.store_.List(type_.KeyPrefix(), "", 0);
    if (services.ok()) {
      for (const StoredObject& existing : services->items) {
        taken.insert(std::string(kube::StringAt(existing.object, {"spec", "clusterIP"})));
      }
    }
    for (int host = 10; host < 65000; ++host) {
      std::string ip = "10.96." + std::to_string(host / 256) + "." + std::to_string(host % 256);
      if (host % 256 == 0 || taken.count(ip)) continue;
      spec["clusterIP"] = ip;
      break;
    }
  }
  if (spec.contains("clusterIP") && !spec.contains("clusterIPs")) {
    spec["clusterIPs"] = json::array({spec["clusterIP"]});
  }
  if ((type == "NodePort" || type == "LoadBalancer") && spec.contains("ports") &&
      spec["ports"].is_array()) {
    int next =
        30000 + static_cast<int>(std::hash<std::string>{}(MetaString(service, "name")) % 2000);
    for (json& port : spec["ports"]) {
      if (!port.is_object() || port.contains("nodePort")) continue;
      port["nodePort"] = next++;
    }
  }
  return true;
}

ApiResult<DeleteOptions> ObjectHandler::ParseDeleteOptions() const {
  DeleteOptions options;
  options.propagation = Query(request_, "propagationPolicy");
  if (!request_.body.empty()) {
    json body = json::parse(request_.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return BadRequest("the body of a delete must be DeleteOptions");
    }
    options.propagation = body.value("propagationPolicy", options.propagation);
    if (body.contains("orphanDependents") && body["orphanDependents"].is_boolean() &&
        options.propagation.empty()) {
      options.propagation = body["orphanDependents"].get<bool>() ? "Orphan" : "Background";
    }
    if (body.contains("preconditions") && body["preconditions"].is_object()) {
      options.uid = body["preconditions"].value("uid", "");
      options.resource_version = body["preconditions"].value("resourceVersion", "");
    }
    if (body.contains("dryRun") && body["dryRun"].is_array()) {
      for (const json& item : body["dryRun"]) options.dry_run = options.dry_run || item == "All";
    }
  }
  options.dry_run = options.dry_run || DryRun();
  return options;
}

Response ObjectHandler::Delete() {
  ApiResult<DeleteOptions> options = ParseDeleteOptions();
  if (!options.ok()) return ErrorResponse(options.error());
  ApiResult<json> result = DeleteOne(info_.name, *options);
  if (!result.ok()) return ErrorResponse(result.error());
  return JsonResponse(200, *result);
}

ApiResult<json> ObjectHandler::DeleteOne(const std::string& name, const DeleteOptions& options) {
  ApiResult<StoredObject> current = Load(name);
  if (!current.ok()) return current.error();
  const json& object = current->object;
  std::string uid = MetaString(object, "uid");
  if (!options.uid.empty() && options.uid != uid) {
    return Conflict(type_, name,
                    "Precondition failed: UID in precondition: " + options.uid +
                        ", UID in object meta: " + uid);
  }
  if (!options.resource_version.empty() &&
      options.resource_version != std::to_string(current->revision)) {
    return Conflict(
        type_, name,
        "Precondition failed: ResourceVersion in precondition: " + options.resource_version +
            ", ResourceVersion in object meta: " + std::to_string(current->revision));
  }
  bool is_namespace = type_.resource == "namespaces" && !type_.custom();
  if (is_namespace && (name == "default" || name == "kube-system" || name == "kube-public")) {
    return Forbidden(type_, name, "this namespace may not be deleted");
  }
  // Foreground and Orphan propagation leave the object to the garbage collector (controllers.cc)
  // through a finalizer; Background deletes now and the collector removes dependents after.
  std::vector<std::string> finalizers = Finalizers(object);
  if ((options.propagation == "Foreground" || options.propagation == "Orphan") &&
      !IsDeleting(object)) {
    std::string finalizer = options.propagation == "Foreground" ? "foregroundDeletion" : "orphan";
    if (std::find(finalizers.begin(), finalizers.end(), finalizer) == finalizers.end()) {
      finalizers.push_back(finalizer);
    }
  }
  if (!finalizers.empty() || is_namespace) {
    // Graceful: mark the object and let finalizers (or the namespace controller) finish.
    if (IsDeleting(object)) return Present(object);
    json marked = object;
    json& metadata = Metadata(marked);
    metadata["deletionTimestamp"] = NowRfc3339();
    metadata["deletionGracePeriodSeconds"] = 0;
    if (!finalizers.empty()) metadata["finalizers"] = finalizers;
    if (is_namespace) marked["status"]["phase"] = "Terminating";
    if (options.dry_run) return Present(marked);
    Result<StoredObject> stored = api_.store_.Update(current->key, marked, current->revision);
    if (!stored.ok()) return StorageError(stored.status(), name);
    return Present(stored->object);
  }
  if (!options.dry_run) {
    if (type_.resource == "customresourcedefinitions" && type_.group == "apiextensions.k8s.io") {
      RemoveCustomResources(object);
    }
    Result<StoredObject> deleted = api_.store_.Delete(current->key, current->revision);
    if (!deleted.ok()) return StorageError(deleted.status(), name);
  }
  json details = {{"name", name}, {"kind", type_.resource}, {"uid", uid}};
  if (!type_.group.empty()) details["group"] = type_.group;
  return json{{"kind", "Status"},
              {"apiVersion", "v1"},
              {"metadata", json::object()},
              {"status", "Success"},
              {"details", details}};
}

void ObjectHandler::RemoveCustomResources(const json& crd) {
  const json& spec = crd.value("spec", json::object());
  std::string group = spec.value("group", "");
  std::string plural = spec.value("names", json::object()).value("plural", "");
  ResourceType probe;
  probe.group = group;
  probe.resource = plural;
  Result<ListPage> page = api_.store_.List(probe.KeyPrefix(), "", 0);
  if (page.ok()) {
    for (const StoredObject& stored : page->items) {
      (void)api_.store_.Delete(stored.key, 0);
    }
  }
  api_.registry_.RemoveCrd(MetaString(crd, "name"));
}

Response ObjectHandler::DeleteCollection() {
  ApiResult<DeleteOptions> options = ParseDeleteOptions();
  if (!options.ok()) return ErrorResponse(options.error());
  ApiResult<ObjectFilter> filter = Filter();
  if (!filter.ok()) return ErrorResponse(filter.error());
  Result<ListPage> page = api_.store_.List(ListPrefix(), "", 0);
  if (!page.ok()) return ErrorResponse(InternalError(page.status().message()));
  json list = {{"apiVersion", type_.GroupVersion()},
               {"kind", type_.list_kind},
               {"metadata", {{"resourceVersion", std::to_string(page->revision)}}},
               {"items", json::array()}};
  for (const StoredObject& stored : page->items) {
    if (!filter->Matches(stored.object)) continue;
    std::string name = MetaString(stored.object, "name");
    RequestInfo info = info_;
    info.ns = MetaString(stored.object, "namespace");
    ObjectHandler one(api_, catalog_, type_, info, request_);
    ApiResult<json> result = one.DeleteOne(name, *options);
    if (result.ok()) list["items"].push_back(Present(stored.object));
  }
  return JsonResponse(200, list);
}

}  // namespace converge::apiserver
