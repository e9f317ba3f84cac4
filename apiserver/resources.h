#pragma once
// apiserver/resources.h (internal): the resource types the server serves: the built-in ones and
// those that CustomResourceDefinitions add. Discovery, OpenAPI, routing and storage keys all
// read this one table.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace converge::apiserver {

struct ResourceType {
  std::string group;      // "" for the core group
  std::string version;    // "v1"
  std::string resource;   // plural, lower case: "deployments"
  std::string singular;   // "deployment"
  std::string kind;       // "Deployment"
  std::string list_kind;  // "DeploymentList"
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool status_subresource = false;
  bool scale_subresource = false;
  // Custom resources: the CRD's subresources.scale (specReplicasPath, statusReplicasPath,
  // labelSelectorPath). Built-in kinds use .spec.replicas, .status.replicas and .spec.selector.
  nlohmann::json scale_paths;
  // metadata.generation is maintained (set to 1, bumped on spec changes).
  bool has_generation = false;
  // A review-style resource that only answers POST and stores nothing (access reviews).
  bool create_only = false;
  // serviceaccounts/token.
  bool token_subresource = false;
  // Built-in kinds: the class of the type model (apiserver/typemodel) describing the object.
  std::string model;
  // Custom resources: the CRD that defines them and the version's openAPIV3Schema.
  std::string crd_name;
  nlohmann::json schema;
  // Custom resources: the version's additionalPrinterColumns (empty: NAME and AGE only).
  nlohmann::json printer_columns = nlohmann::json::array();
  // The version objects are stored in; other served versions of a CRD convert trivially.
  bool storage_version = true;

  bool custom() const { return !crd_name.empty(); }
  std::string GroupVersion() const { return group.empty() ? version : group + "/" + version; }
  // "deployments.apps", "configmaps": how errors name the resource.
  std::string QualifiedResource() const {
    return group.empty() ? resource : resource + "." + group;
  }
  // "Deployment.apps", "Service": how validation errors name the kind.
  std::string QualifiedKind() const { return group.empty() ? kind : kind + "." + group; }
  // The prefix of storage keys: "/registry/apps/deployments/".
  std::string KeyPrefix() const;
  std::string Key(const std::string& ns, const std::string& name) const;
};

// One group of the discovery documents, versions in preference order.
struct GroupInfo {
  std::string name;
  std::vector<std::string> versions;
};

// An immutable view of all served resources. Handlers take one per request.
class Catalog {
 public:
  const ResourceType* Find(const std::string& group, const std::string& version,
                           const std::string& resource) const;
  const ResourceType* FindKind(const std::string& group, const std::string& version,
                               const std::string& kind) const;
  // The storage version's type of a group/resource, whatever version was asked for.
  const ResourceType* StorageType(const std::string& group, const std::string& resource) const;
  // Groups in discovery order: the core group, the built-in groups, then CRD groups by name.
  const std::vector<GroupInfo>& groups() const { return groups_; }
  // Resources of one group version, in the order they were added.
  std::vector<const ResourceType*> InGroupVersion(const std::string& group,
                                                  const std::string& version) const;
  const std::vector<ResourceType>& all() const { return types_; }
  // Changes whenever the set of served resources changes.
  uint64_t generation() const { return generation_; }

 private:
  friend class Registry;
  void Index();
  std::vector<ResourceType> types_;
  uint64_t generation_ = 1;
  std::vector<GroupInfo> groups_;
};

// The mutable registry: built-ins plus CRDs. Thread-safe; readers get snapshots.
class Registry {
 public:
  Registry();
  std::shared_ptr<const Catalog> Snapshot() const;
  // Registers (or re-registers) the served versions of a CustomResourceDefinition.
  Status AddCrd(const nlohmann::json& crd);
  void RemoveCrd(const std::string& crd_name);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Catalog> catalog_;  // guarded by mutex_
};

// The types built into every cluster, in discovery order.
std::vector<ResourceType> BuiltinResources();

}  // namespace converge::apiserver
