#pragma once
// apiserver/objects.h (internal): one resource request (a verb on a resource type) against the
// store. Created per request; not shared between threads.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiserver/api.h"
#include "kube/kube.h"

namespace converge::apiserver {

struct FieldTerm {
  std::string field;  // metadata.name or metadata.namespace
  std::string value;
  bool negate = false;
};

// labelSelector and fieldSelector of a list, watch or deletecollection.
struct ObjectFilter {
  kube::LabelSelector labels;
  std::vector<FieldTerm> fields;
  bool Matches(const nlohmann::json& object) const;
  bool Empty() const { return labels.Empty() && fields.empty(); }
};

struct DeleteOptions {
  std::string propagation;  // Background (default), Foreground, Orphan
  std::string uid;          // preconditions
  std::string resource_version;
  bool dry_run = false;
};

class ObjectHandler {
 public:
  ObjectHandler(Api& api, std::shared_ptr<const Catalog> catalog, const ResourceType& type,
                const RequestInfo& info, const Request& request);
  Response Handle();

  // Deletes one object as DELETE does; used by the namespace controller too.
  ApiResult<nlohmann::json> DeleteOne(const std::string& name, const DeleteOptions& options);

 private:
  Response Get();
  Response List();
  Response Watch();
  Response Create();
  Response Update();
  Response Patch();
  Response Delete();
  Response DeleteCollection();
  // reviews.cc: access and identity reviews, and serviceaccounts/token.
  Response Review();
  Response CreateToken();

  std::string Key(const std::string& name) const;
  std::string ListPrefix() const;
  bool DryRun() const;
  nlohmann::json Present(nlohmann::json object) const;
  ApiResult<StoredObject> Load(const std::string& name) const;
  ApiResult<ObjectFilter> Filter() const;
  // The request body as JSON (JSON, YAML or protobuf), any kind.
  ApiResult<nlohmann::json> ParseBody() const;
  // The body as an object of this resource type.
  ApiResult<nlohmann::json> DecodeBody() const;
  ApiResult<bool> CheckNamespace(nlohmann::json& object) const;
  ApiResult<bool> CheckNamespaceLifecycle(const std::string& name) const;
  void PrepareForCreate(nlohmann::json& object) const;
  ApiResult<bool> PrepareCrd(nlohmann::json& crd) const;
  void AfterWrite(const nlohmann::json& object);
  enum class Write { kUpdate, kPatch, kApply };
  // The update path of PUT, PATCH and apply: `object` is the complete desired object.
  Response ApplyUpdate(nlohmann::json object, Write write);
  std::string Manager() const;
  // A successful write's response, shown as the Scale of the object (the /scale subresource).
  Response AsScale(Response response) const;
  Response CreateObject(nlohmann::json object, bool from_apply);
  bool HoldsNamespaceFinalizer(const nlohmann::json& object) const;
  ApiError StorageError(const Status& status, const std::string& name) const;
  ApiResult<DeleteOptions> ParseDeleteOptions() const;
  ApiResult<bool> AllocateServiceAddresses(nlohmann::json& service, const nlohmann::json* old);
  Response Apply();
  void RemoveCustomResources(const nlohmann::json& crd);

  Api& api_;
  std::shared_ptr<const Catalog> catalog_;
  const ResourceType& type_;
  RequestInfo info_;
  const Request& request_;
};

}  // namespace converge::apiserver
