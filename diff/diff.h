#pragma once
// diff/diff.h: whether live objects match what Git says they should be, and how they differ.
// Compares desired objects with live ones (managed-fields mode) or with the result of a
// server-side apply dry-run (dry-run mode), after normalization, ignoreDifferences rules and
// Secret masking, and prints the differences as a unified YAML diff.
//
// diff/ never talks to the cluster: live objects and dry-run results are inputs.
// Thread-compatible: concurrent const calls on one Differ are safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "kube/kube.h"

namespace converge::diff {

enum class SyncStatus {
  kSynced,      // live matches desired
  kOutOfSync,   // both exist and differ
  kMissing,     // desired, not live
  kExtraneous,  // live and tracked, no longer desired: a candidate for prune
};

// "Synced", "OutOfSync", "Missing", "Extraneous".
std::string_view SyncStatusName(SyncStatus status);

// Argo CD's ignoreDifferences entry. group "" is the core group and "*" any group; kind "*" or
// empty matches any kind; empty name and namespace match any.
struct IgnoreRule {
  std::string group;
  std::string kind;
  std::string name;
  std::string ns;
  // RFC 6901 pointers ("/spec/replicas"); a pointer that is absent in an object is skipped.
  std::vector<std::string> json_pointers;
  // The jq subset seen in Argo CD configurations: paths (.a.b, .a["k"], .a[0], .a[]),
  // pipes, select() with == != and or, not, and startswith/endswith/contains/test on strings.
  std::vector<std::string> jq_path_expressions;
  // Fields owned (in the live object's managedFields) by any of these managers.
  std::vector<std::string> managed_fields_managers;
};

struct Options {
  // The field manager Converge applies with; its fields in managedFields are compared even
  // when the desired object no longer sets them.
  std::string field_manager = "converge";
  // The Application's rules and the controller-wide ones; both apply. Empty by default.
  std::vector<IgnoreRule> ignore_differences;
  std::vector<IgnoreRule> default_ignore_differences;
};

// One difference, at a JSON pointer into the compared object. Secret data is masked.
struct Difference {
  std::string path;
  std::optional<nlohmann::json> desired;  // nullopt: desired does not set it
  std::optional<nlohmann::json> live;     // nullopt: live does not have it

  bool operator==(const Difference&) const = default;
};

struct ResourceDiff {
  kube::ResourceKey key;
  SyncStatus status = SyncStatus::kSynced;
  // Sorted by path.
  std::vector<Difference> differences;
  // What was compared, masked, for printing: the normalized desired object written in live's
  // spelling where the two are equivalent, and the live object reduced to the compared fields.
  // Both hold apiVersion, kind, metadata (name, namespace, labels, annotations) and the
  // compared fields; null when that side does not exist. Filled only when status != kSynced.
  nlohmann::json desired_view;
  nlohmann::json live_view;
};

struct Report {
  // One entry per resource key, sorted by key.
  std::vector<ResourceDiff> resources;

  // Every resource is Synced.
  bool Synced() const;
};

// Dry-run results by resource key, as returned by a server-side apply dry-run of each desired
// object (PATCH ...?dryRun=All&fieldManager=converge&force=true).
using DryRunResults = std::map<kube::ResourceKey, kube::Object>;

// A comparison configured once: ignore rules are parsed and compiled by Create.
class Differ {
 public:
  // Fails on a malformed JSON pointer or jq expression, naming the rule and expression.
  static Result<Differ> Create(Options options);

  // Managed-fields mode. Compares the fields the desired object sets plus the fields the
  // field manager owns in live's managedFields; other managers' fields (HPA replicas,
  // defaults, injected sidecars) never count. Either side may be null, not both.
  ResourceDiff Compare(const kube::Object* desired, const kube::Object* live) const;

  // Dry-run mode. `dry_run` is what the server would store if the desired object were
  // applied; every field outside metadata and status counts, and in metadata labels and
  // annotations.
  ResourceDiff CompareDryRun(const kube::Object& dry_run, const kube::Object* live) const;

  // All resources: desired objects without a live one are Missing, live ones without a
  // desired one Extraneous. With `dry_runs`, desired objects found there are compared in
  // dry-run mode. Fails on two desired (or two live) objects with the same key.
  Result<Report> CompareAll(const std::vector<kube::Object>& desired,
                            const std::vector<kube::Object>& live,
                            const DryRunResults* dry_runs = nullptr) const;

  // RespectIgnoreDifferences, as Argo CD applies it before a sync: `desired` with every field
  // the rules select for its key set to `live`'s value, or left out where live has none, so
  // that applying it leaves those fields as they are (an HPA's replicas). Lists of objects
  // with a merge key are matched item by item, other lists are taken whole from live; status
  // is never taken. `desired` unchanged when no rule matches its key.
  kube::Object KeepIgnored(const kube::Object& desired, const kube::Object& live) const;

  struct CompiledRule;
  Differ(Differ&&) noexcept;
  Differ& operator=(Differ&&) noexcept;
  ~Differ();

 private:
  Differ() = default;
  ResourceDiff Finish(const kube::Object* desired, const kube::Object* live,
                      bool dry_run_mode) const;

  Options options_;
  std::vector<CompiledRule> rules_;
};

// Secret masking as Argo CD does it: in a Secret's data and stringData (and in the
// last-applied-configuration annotation), every value is replaced by a run of '+' whose
// length is the same for equal values of a key and different for different ones, on both
// sides together. Objects of other kinds are left alone. Either side may be null.
void MaskSecrets(nlohmann::json* desired, nlohmann::json* live);

struct TextOptions {
  // ANSI colours: red removals, green additions, cyan hunk headers. Off by default.
  bool color = false;
  // Unchanged lines around each change, as diff -u's default.
  int context = 3;
};

// The unified diff of two texts, line by line, with diff -u's hunk format ("--- a", "+++ b",
// "@@ -l,n +l,n @@"), without the timestamps; "" when the texts are equal. A last line without
// a newline is marked with "\ No newline at end of file".
std::string UnifiedDiff(std::string_view a, std::string_view b, std::string_view a_name,
                        std::string_view b_name, const TextOptions& options);

// The YAML diff of one resource, live (a) against desired (b), named "live/<key>" and
// "desired/<key>"; "" when Synced.
std::string ResourceText(const ResourceDiff& resource, const TextOptions& options);

// Every resource of the report that is not Synced, in report order.
std::string ReportText(const Report& report, const TextOptions& options);

}  // namespace converge::diff
