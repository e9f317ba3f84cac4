#pragma once
// sources/helm/internal.h (internal): what the files of sources/helm share.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sources/helm/helm.h"
#include "sources/helm/template/value.h"

namespace converge::sources::helm {

// Go's path/filepath.Match with '/' as the separator: `*`, `?`, `[...]` with `^` negation and
// `\` escapes. A malformed pattern matches nothing.
bool PathMatch(std::string_view pattern, std::string_view name);

// Go's strings.TrimSpace.
std::string_view TrimSpace(std::string_view text);

// The entries of a gzip-compressed tar archive, regular files only, names as stored.
Result<std::vector<File>> ReadTarGz(std::string_view bytes);

// A YAML stream read as Helm reads values files: each document through sigs.k8s.io/yaml, maps
// merged deeply in order. Numbers become float64.
Result<tmpl::Value> ReadValues(std::string_view text, std::string_view source);

// A fresh common.Values-typed map holding `map`'s entries (shared, not copied).
tmpl::Value AsValues(const tmpl::Value& map);

// Helm's values coalescing (pkg/chart/common/util/coalesce.go) and dependency processing
// (pkg/chart/v2/util/dependencies.go).
//
// Drops disabled dependencies (tags, then conditions), renames aliased ones and applies
// import-values, leaving each chart's `values` as Helm's ProcessDependenciesWithMerge does.
Status ProcessDependencies(Chart& chart, const tmpl::Value& user_values);
// The values templates see: `user_values` coalesced over the chart's, sub-charts included.
Result<tmpl::Value> CoalesceValues(const Chart& chart, const tmpl::Value& user_values);
// Deep merge of `src` into `dst` where `dst` wins (util.MergeTables / CoalesceTables).
tmpl::Value MergeTables(tmpl::Value dst, const tmpl::Value& src, bool merge);

// Checks each chart's values.schema.json against its coalesced values (ValidateAgainstSchema).
Status ValidateValues(const Chart& chart, const tmpl::Value& values);

// --set parsing (pkg/strvals): parses one flag value into `target`.
enum class SetMode { kTyped, kString, kJson, kLiteral };
Status ParseSet(std::string_view text, SetMode mode, tmpl::Value& target);
// --set-file: each value names a file whose content becomes a string.
Status ParseSetFile(std::string_view text,
                    const std::function<Result<std::string>(const std::string&)>& read_file,
                    tmpl::Value& target);

// The documents of one rendered file as Helm 4.1.4 splits them (releaseutil.SplitManifests).
std::vector<std::string> SplitManifests(std::string_view text);

// The built-in objects.
tmpl::Value MakeCapabilities(const Options& options, Status& status);
tmpl::Value MakeFiles(const std::vector<File>& files);
tmpl::Value MakeChartObject(const Chart& chart, bool is_root);

}  // namespace converge::sources::helm
