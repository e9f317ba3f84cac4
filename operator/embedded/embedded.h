#pragma once
// operator/embedded/embedded.h: files of the repository compiled into the converge binary, so
// that `converge up` works from any directory: the CRDs (manifests/crds/) and the example
// applications (examples/). Generated at configure time by operator/embedded/CMakeLists.txt.

#include <span>
#include <string_view>

namespace converge::embedded {

struct File {
  std::string_view path;  // relative to the repository root: "examples/plain/service.yaml"
  std::string_view content;
};

// Sorted by path.
std::span<const File> Files();

}  // namespace converge::embedded
