#pragma once
// sources/kustomize/kustomize.h: the Kustomize renderer, `kustomize build` (v5.7.1, as embedded in
// kubectl 1.35) done in-process over a read-only file tree: kustomizations with their resources,
// bases and components, generators (helmCharts through sources/helm, as `--enable-helm` with
// helm 3 renders them), the built-in transformers and kustomize's output format.
// It never reads outside the tree, never runs plugins or programs and never fetches remote
// bases or charts (they are refused with an error).
//
// Thread-compatible: Build only reads the tree.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kube/kube.h"
#include "sources/tree/tree.h"

namespace converge::sources::kustomize {

// Argo CD's spec.source.kustomize: edits made to a copy of the top kustomization before the
// build, as Argo CD makes them with `kustomize edit`.
struct Overrides {
  std::string name_prefix;  // replaces namePrefix when set
  std::string name_suffix;  // replaces nameSuffix when set
  std::string namespace_;   // replaces namespace when set
  // `kustomize edit set image` arguments: "nginx:1.2", "nginx=repo/nginx:1.2",
  // "nginx@sha256:...". An entry for the same name is replaced.
  std::vector<std::string> images;
  nlohmann::json common_labels = nlohmann::json::object();       // merged into commonLabels
  nlohmann::json common_annotations = nlohmann::json::object();  // merged into commonAnnotations
  nlohmann::json replicas = nlohmann::json::array();  // [{name, count}], replacing same names
  nlohmann::json patches = nlohmann::json::array();   // appended to patches
  std::vector<std::string> components;                // appended when not already listed
};

struct Options {
  // How messages name the tree's root, like kustomize's absolute paths ("/repo"). Paths in
  // messages are this joined with the tree path. Default "": tree paths as they are.
  std::string display_root;
  // --load-restrictor=LoadRestrictionsNone: files may come from outside their kustomization's
  // directory (still inside the tree). Default false: kustomize's LoadRestrictionsRootOnly.
  bool no_load_restrictor = false;
  Overrides overrides;
};

// Whether `dir` holds one of kustomize's three kustomization file names.
bool IsKustomization(const tree::FileTree& tree, std::string_view dir);

// Builds the kustomization in `dir` (relative to the tree root) as `kustomize build` does, in
// output order. Errors carry kustomize's wording for the first line where it has one.
Result<std::vector<kube::Object>> Build(const tree::FileTree& tree, std::string_view dir,
                                        const Options& options);

// The objects as `kustomize build` prints them: YAML documents separated by "---\n", nothing
// for an empty build.
std::string Print(const std::vector<kube::Object>& objects);

}  // namespace converge::sources::kustomize
