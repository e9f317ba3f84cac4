#pragma once
// sources/kustomize/internal.h (internal): the pieces of a build. A build accumulates Resources
// (objects plus the rename history kustomize keeps in internal annotations), runs the
// transformers of each kustomization over them, and finishes at the top level.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "kube/kube.h"
#include "sources/kustomize/kustomize.h"

namespace converge::sources::kustomize {

using kube::StringAt;
using nlohmann::json;

// kustomize's resid.ResId: group, version, kind, name and namespace.
struct ResId {
  std::string group;
  std::string version;
  std::string kind;
  std::string name;
  std::string ns;

  bool operator==(const ResId&) const = default;
  // "ConfigMap.v1.[noGrp]/cm.[noNs]", as kustomize prints ids.
  std::string ToString() const;
};

struct Resource {
  kube::Object object;
  // Ids the object had before renames, oldest first (previousNames/Kinds/Namespaces).
  std::vector<ResId> previous;
  std::vector<std::string> prefixes;  // namePrefix values applied, innermost first
  std::vector<std::string> suffixes;
  bool needs_hash = false;  // a generated ConfigMap/Secret that gets a content hash suffix

  ResId Id() const;
  ResId OriginalId() const;
  // Renames (name and namespace), recording the current id as previous when it changes.
  void Rename(std::string_view name, std::string_view ns);
};

using ResMap = std::vector<Resource>;

ResId IdOf(const kube::Object& object);
// True for the cluster-scoped kinds of kyaml's built-in (Kubernetes 1.21) table.
bool IsClusterScoped(std::string_view api_version, std::string_view kind);
// kustomize compares namespaces with "" meaning "default".
bool SameNamespace(std::string_view a, std::string_view b);

// A field spec: which objects (empty = any) and which path ('/'-separated, "[]" ignored).
struct FieldSpec {
  std::string group;
  std::string version;
  std::string kind;
  std::string path;
  bool create = false;
};

bool GvkMatches(const FieldSpec& spec, const ResId& id);
// Calls `apply` on every node `spec.path` reaches in `object` (creating missing map fields as
// null when spec.create). Fails on a scalar in the middle of the path.
Status VisitFieldSpec(json& object, const FieldSpec& spec,
                      const std::function<Status(json&)>& apply);
// "considering field 'spec/x' of object Kind.v1.group/name.ns: problem".
std::string FieldSpecError(const FieldSpec& spec, const ResId& id, const Status& status);
// Splits a field spec path at '/' ("\/" escapes a slash), dropping "[]" suffixes.
std::vector<std::string> SplitSpecPath(std::string_view path);

// The default field spec sets (api/internal/konfig/builtinpluginconsts).
const std::vector<FieldSpec>& CommonLabelSpecs();    // commonLabels: metadata + selectors
const std::vector<FieldSpec>& TemplateLabelSpecs();  // metadata/labels + pod templates
const std::vector<FieldSpec>& CommonAnnotationSpecs();
const std::vector<FieldSpec>& ImageSpecs();
const std::vector<FieldSpec>& ReplicaSpecs();
std::vector<FieldSpec> ParseFieldSpecs(const json& list);
// The default field specs followed by a build's own.
std::vector<FieldSpec> WithExtra(const std::vector<FieldSpec>& defaults,
                                 std::span<const FieldSpec> extra);

// A name reference kustomize's table lacks: fields (referrers) naming objects of a kind.
struct NameReference {
  std::string group;
  std::string version;
  std::string kind;
  std::vector<FieldSpec> referrers;
};

// The field specs a build's `configurations` and `crds` add to kustomize's defaults. A
// kustomization's transformers see its own, its bases' and its components'.
struct TransformerConfig {
  std::vector<FieldSpec> common_labels;
  std::vector<FieldSpec> common_annotations;
  std::vector<FieldSpec> images;
  std::vector<FieldSpec> replicas;
  std::vector<NameReference> name_references;

  void Merge(const TransformerConfig& other);
};
// A `configurations` file (nameReference, commonLabels, commonAnnotations, images, replicas).
Result<TransformerConfig> ParseConfigurations(const json& document);
// A `crds` file: OpenAPI definitions whose x-kubernetes-* extensions name labels, annotations
// and references.
Result<TransformerConfig> ParseCrdDefinitions(const json& definitions);

// Transformers over a whole ResMap.
Status SetNamespace(ResMap& resources, const std::string& ns);
Status AddNamePrefixSuffix(ResMap& resources, const std::string& prefix, const std::string& suffix);
Status AddMapEntries(ResMap& resources, const json& entries, const std::vector<FieldSpec>& specs);
Status TransformImages(ResMap& resources, const json& images, std::span<const FieldSpec> extra);
Status TransformReplicas(ResMap& resources, const json& replicas, std::span<const FieldSpec> extra);

// Top-level finishing steps.
void AddHashSuffixes(ResMap& resources);
Status FixNameReferences(ResMap& resources, std::span<const NameReference> extra);
void LegacySort(ResMap& resources, const json& sort_options);

// Generators. `read` returns a file's bytes for a path relative to the kustomization.
using ReadFile = std::function<Result<std::string>(std::string_view path)>;
Result<Resource> GenerateConfigMap(const json& args, const json& global_options,
                                   const ReadFile& read);
Result<Resource> GenerateSecret(const json& args, const json& global_options, const ReadFile& read);
// Adds a generated object with its behavior (create, merge, replace).
Status AbsorbGenerated(ResMap& resources, Resource generated, std::string_view behavior);
// kustomize's content hash of a ConfigMap or Secret ("6b85g79g7g").
std::string ContentHash(const json& object);

// helmCharts. What the generator needs from the build: the tree, paths relative to the
// kustomization resolved to tree paths, and files read under the load restrictor.
struct HelmContext {
  const tree::FileTree& tree;
  std::function<Result<std::string>(std::string_view path)> resolve;
  ReadFile read;
  std::function<std::string(std::string_view tree_path)> abs;  // a path as messages show it
};
// The kustomization's helmCharts, then its deprecated helmChartInflationGenerator entries,
// each with helmGlobals' fields and the default chartHome filled in.
json HelmChartEntries(const json& kustomization);
// What `helm template` prints for one entry, as kustomize runs helm 3 with it.
Result<std::string> InflateHelmChart(const json& entry, const HelmContext& context);

// Patches.
struct Selector {
  std::string group, version, kind, name, ns;
  std::string label_selector, annotation_selector;
};
Result<Selector> ParseSelector(const json& target);
Result<std::vector<Resource*>> Select(ResMap& resources, const Selector& selector);
// kyaml merge2: strategic merge of `patch` into `target` with the built-in merge keys of `kind`.
Result<json> MergePatch(const json& target, const json& patch, const ResId& id);
Status ApplyJsonPatch(json& object, const json& operations);

// The top kustomization with Argo CD's overrides applied.
json ApplyOverrides(json kustomization, const Overrides& overrides);

Status ApplyReplacements(ResMap& resources, const json& replacements);
Status SubstituteVars(ResMap& resources, const json& vars);

}  // namespace converge::sources::kustomize
