#pragma once
// sources/directory/directory.h: the plain-manifests renderer (Argo CD's `directory` source):
// every .yaml, .yml and .json file under a path of a file tree, decoded the way kubectl decodes
// manifests. It never reads outside the tree and never talks to a cluster.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kube/kube.h"
#include "sources/tree/tree.h"

namespace converge::sources::directory {

// Mirrors Argo CD's spec.source.directory.
struct Options {
  // Descend into subdirectories (default: only the files directly in the path).
  bool recurse = false;
  // Globs matched against each file's path relative to the rendered directory, with Argo CD's
  // semantics: gobwas/glob without separators, so `*` also crosses '/', and `{a,b}` lists
  // alternatives. A file is kept when it matches any include (or there is none) and no exclude.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

// The objects of every manifest file under `path` (relative to the tree root), files taken in
// the order of a depth-first walk with entries sorted by name, documents in file order.
// Fails, naming the file, document and line, on a file that is not valid YAML/JSON or holds
// anything but Kubernetes objects, on a .jsonnet file (not supported), and on a bad glob.
Result<std::vector<kube::Object>> Render(const tree::FileTree& tree, std::string_view path,
                                         const Options& options);

}  // namespace converge::sources::directory
