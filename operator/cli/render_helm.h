#pragma once
// operator/cli/render_helm.h (internal): `converge render` for Helm charts, with helm
// template's flags.

#include <string_view>
#include <vector>

#include "kube/kube.h"
#include "operator/cli/flags.h"
#include "sources/tree/tree.h"

namespace converge::cli {

// --release-name, -f, --set*, --kube-version, --api-versions, --include-crds, --no-hooks,
// --skip-tests, --show-only. .Release.Namespace is --namespace where the command has it (render's
// -n, diff's and sync's destination namespace, as Argo CD passes it), else "default".
std::vector<FlagSpec> HelmRenderFlags();

struct HelmOutput {
  std::string text;                   // exactly what `helm template` prints
  std::vector<kube::Object> objects;  // the printed documents, when asked for
};

// Renders the chart at `chart_path` of `tree` (a directory or .tgz); `objects` is filled when
// `want_objects`. -f and --set-file paths are read from the local disk, as helm reads them.
Result<HelmOutput> RenderHelm(const sources::tree::FileTree& tree, std::string_view chart_path,
                              const ParsedFlags& flags, bool want_objects);

}  // namespace converge::cli
