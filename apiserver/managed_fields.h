#pragma once
// apiserver/managed_fields.h (internal): metadata.managedFields and server-side apply
// (shared/reference/kubernetes-api.md section 5): who owns which fields, how an apply merges
// into the live object, prunes what its manager stopped applying and detects conflicts, and
// how ordinary writes (Update operations) take ownership of what they change.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiserver/api_error.h"
#include "apiserver/fieldset.h"
#include "apiserver/resources.h"

namespace converge::apiserver {

struct ManagedEntry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  std::string time;
  std::string subresource;
  FieldSet fields;
};

// The fields of `value` that managers can own: not apiVersion, kind or server-set metadata, and
// not status unless the write goes through the status subresource (then status only).
FieldSet TrackedFields(const ResourceType& type, const nlohmann::json& value,
                       const std::string& subresource);

std::vector<ManagedEntry> ReadManagedFields(const nlohmann::json& object);
// Stores `entries` (sorted: operation, time, manager; empty ones dropped) in `object`.
void WriteManagedFields(nlohmann::json& object, std::vector<ManagedEntry> entries);

// An ordinary write by `manager`: it takes ownership of every field whose value it changed,
// other managers lose those fields, and removed fields leave every set. `old` is null on create.
// When the write itself sets managedFields to something new, that becomes the starting point
// (kubectl rewrites them when it moves client-side-apply ownership; "[{}]" clears them).
void RecordUpdate(const ResourceType& type, const nlohmann::json* old, nlohmann::json& updated,
                  const std::string& manager, const std::string& subresource);

struct ApplyRequest {
  std::string manager;
  bool force = false;
  std::string subresource;
};

// Merges the applied configuration into `live` (null: create). Returns the new object with its
// managedFields, or 409 Conflict with FieldManagerConflict causes.
ApiResult<nlohmann::json> ServerSideApply(const ResourceType& type, const nlohmann::json* live,
                                          const nlohmann::json& config,
                                          const ApplyRequest& request);

// The field manager a request without ?fieldManager= gets: the User-Agent up to the first '/'.
std::string DefaultManager(const std::string& user_agent);

}  // namespace converge::apiserver
