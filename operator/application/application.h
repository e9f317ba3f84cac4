#pragma once
// operator/application/application.h: the Application resource (applications.converge.dev,
// manifests/crds/) read into plain values. Field names follow Argo CD's Application so its
// users' manifests work unchanged apart from apiVersion; ParseSpec checks what the CRD schema
// cannot (one of source/sources, the destination cluster, durations, sync options) and names
// the offending field in Argo CD's "spec.x.y" form.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "diff/diff.h"
#include "kube/kube.h"
#include "sync/sync.h"

namespace converge::app {

inline constexpr char kGroup[] = "converge.dev";
inline constexpr char kVersion[] = "v1alpha1";
inline constexpr char kKind[] = "Application";
inline constexpr char kResourcesFinalizer[] = "resources-finalizer.converge.dev";
inline const kube::GroupVersionKind kApplicationGvk{kGroup, kVersion, kKind};
// Set by users, the API and webhooks ("normal" or "hard"); removed by the controller once done.
inline constexpr char kRefreshAnnotation[] = "converge.dev/refresh";
// Approves the deletion of Delete=confirm objects: an RFC 3339 time no earlier than the
// Application's deletionTimestamp. Argo CD's spelling is read as well.
inline constexpr char kDeletionApprovedAnnotation[] = "converge.dev/deletion-approved";
inline constexpr char kArgoDeletionApprovedAnnotation[] = "argocd.argoproj.io/deletion-approved";
// The only cluster for now: the one Converge runs in, by Argo CD's two spellings.
inline constexpr char kInClusterServer[] = "https://kubernetes.default.svc";
inline constexpr char kInClusterName[] = "in-cluster";

struct HelmParameter {
  std::string name;
  std::string value;
  bool force_string = false;  // --set-string instead of --set
};

struct HelmFileParameter {
  std::string name;
  std::string path;  // relative to the source path
};

struct HelmSource {
  std::vector<std::string> value_files;
  std::string values;                           // a YAML document
  std::optional<nlohmann::json> values_object;  // wins over `values`
  std::vector<HelmParameter> parameters;
  std::vector<HelmFileParameter> file_parameters;
  std::string release_name;  // the Application's name when empty
  bool skip_crds = false;
  bool skip_tests = false;
  bool skip_schema_validation = false;
  bool ignore_missing_value_files = false;
  std::string ns;  // the destination namespace when empty
  std::string kube_version;
  std::vector<std::string> api_versions;
};

struct KustomizeReplica {
  std::string name;
  int64_t count = 0;
};

struct KustomizeSource {
  std::string name_prefix;
  std::string name_suffix;
  std::vector<std::string> images;  // "[old=]name[:tag][@digest]"
  std::map<std::string, std::string> common_labels;
  std::map<std::string, std::string> common_annotations;
  bool force_common_labels = false;
  bool force_common_annotations = false;
  bool label_without_selector = false;
  std::string ns;
  std::vector<KustomizeReplica> replicas;
  nlohmann::json patches = nlohmann::json::array();  // kustomize's own patch entries
  std::vector<std::string> components;
  std::string kube_version;
  std::vector<std::string> api_versions;
};

struct DirectorySource {
  bool recurse = false;
  std::string include;  // Argo CD globs, "{a,b}" alternatives
  std::string exclude;
};

struct Source {
  std::string repo_url;
  std::string target_revision = "HEAD";
  std::string path;   // "" is the repository root
  std::string chart;  // Helm repositories (not supported yet: refused by Validate)
  std::string ref;    // names a source whose files others read as "$ref/..."
  std::optional<HelmSource> helm;
  std::optional<KustomizeSource> kustomize;
  std::optional<DirectorySource> directory;
};

struct Automated {
  bool prune = false;
  bool self_heal = false;
  bool allow_empty = false;
  bool enabled = true;  // Argo CD: absent means on
};

struct SyncPolicy {
  std::optional<Automated> automated;
  std::vector<std::string> sync_options;
  sync::Options options;  // sync_options read, prune/allow_empty from `automated`
  std::optional<sync::RetryPolicy> retry;
  std::map<std::string, std::string> managed_namespace_labels;
  std::map<std::string, std::string> managed_namespace_annotations;
};

struct Destination {
  std::string server;
  std::string name;
  std::string ns;
};

struct Spec {
  // `source` and `sources` as one list: a single source is a list of one.
  std::vector<Source> sources;
  Destination destination;
  SyncPolicy sync_policy;
  std::vector<diff::IgnoreRule> ignore_differences;
  int64_t revision_history_limit = 10;
};

// Reads `spec` (the Application's .spec). kInvalid names the first bad field:
// "spec.syncPolicy.retry.backoff.duration: time: invalid duration \"5x\"".
Result<Spec> ParseSpec(const nlohmann::json& spec);

// The retry Argo CD applies to automated syncs whose Application sets none.
sync::RetryPolicy DefaultAutomatedRetry();

}  // namespace converge::app
