// Sync options: one row per Argo CD spelling, mapped to the fields of Options (app level) and
// ResourceOptions (a resource's sync-options annotation).

#include "sync/options.h"

#include <functional>

namespace converge::sync {
namespace {

Deletion ToDeletion(std::string_view value) {
  return value == "false"     ? Deletion::kKeep
         : value == "confirm" ? Deletion::kConfirm
                              : Deletion::kDelete;
}

struct Row {
  std::string_view key;
  std::vector<std::string_view> values;  // accepted values, in Argo CD's spelling
  std::function<void(std::string_view value, Options&)> app;
  std::function<void(std::string_view value, ResourceOptions&)> resource;
};

const std::vector<Row>& Table() {
  static const std::vector<Row> table = {
      {"ApplyOutOfSyncOnly",
       {"true", "false"},
       [](std::string_view v, Options& o) { o.apply_out_of_sync_only = v == "true"; },
       nullptr},
      {"ClientSideApplyMigration",
       {"true", "false"},
       [](std::string_view, Options&) {},
       [](std::string_view, ResourceOptions&) {}},
      {"CreateNamespace",
       {"true", "false"},
       [](std::string_view v, Options& o) { o.create_namespace = v == "true"; },
       nullptr},
      {"Delete",
       {"true", "false", "confirm"},
       [](std::string_view v, Options& o) { o.deletion = ToDeletion(v); },
       [](std::string_view v, ResourceOptions& o) { o.deletion = ToDeletion(v); }},
      {"FailOnSharedResource",
       {"true", "false"},
       [](std::string_view v, Options& o) { o.fail_on_shared_resource = v == "true"; },
       nullptr},
      {"Force",
       {"true", "false"},
       [](std::string_view v, Options& o) { o.force = v == "true"; },
       [](std::string_view v, ResourceOptions& o) { o.force = v == "true"; }},
      {"Prune",
       {"true", "false", "confirm"},
       nullptr,
       [](std::string_view v, ResourceOptions& o) {
         o.prune = v != "false";
         o.prune_confirm = v == "confirm";
       }},
      {"PruneLast",
       {"true", "false"},
       [](std::string_view v, Options& o) { o.prune_last = v == "true"; },
       [](std::string_view v, ResourceOptions& o) { o.prune_last = v == "true"; }},
      {"PrunePropagationPolicy",
       {"foreground", "background", "orphan"},
       [](std::string_view v, Options& o) {
         o.prune_propagation = v == "background" ? PrunePropagation::kBackground
                               : v == "orphan"   ? PrunePropagation::kOrphan
                                                 : PrunePropagation::kForeground;
       },
       nullptr},
      {"Replace",
       {"true", "false"},
       [](std::string_view v, Options& o) { o.replace = v == "true"; },
       [](std::string_view v, ResourceOptions& o) { o.replace = v == "true"; }},
      {"RespectIgnoreDifferences",
       {"true", "false"},
       [](std::string_view v, Options& o) { o.respect_ignore_differences = v == "true"; },
       [](std::string_view v, ResourceOptions& o) { o.respect_ignore_differences = v == "true"; }},
      // Converge always applies server-side; the option is accepted for compatibility.
      {"ServerSideApply",
       {"true", "false"},
       [](std::string_view, Options&) {},
       [](std::string_view, ResourceOptions&) {}},
      {"SkipDryRunOnMissingResource",
       {"true", "false"},
       [](std::string_view v, Options& o) { o.skip_dry_run_on_missing_resource = v == "true"; },
       [](std::string_view v, ResourceOptions& o) { o.skip_dry_run = v == "true"; }},
      {"Validate",
       {"true", "false"},
       [](std::string_view v, Options& o) { o.validate = v == "true"; },
       [](std::string_view v, ResourceOptions& o) { o.validate = v == "true"; }},
  };
  return table;
}

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

// Finds the row for "Key=value" and checks the value. `level` names where it was written.
Result<const Row*> Lookup(std::string_view item, std::string_view level, std::string& value) {
  size_t equals = item.find('=');
  if (equals == std::string_view::npos) {
    return Status::Invalid(std::string(level) + ": sync option \"" + std::string(item) +
                           "\" is not Key=value");
  }
  std::string key = Trim(item.substr(0, equals));
  value = Trim(item.substr(equals + 1));
  for (const Row& row : Table()) {
    if (row.key != key) continue;
    for (std::string_view accepted : row.values) {
      if (accepted == value) return &row;
    }
    std::string expected;
    for (std::string_view accepted : row.values) {
      expected += (expected.empty() ? "" : ", ") + std::string(accepted);
    }
    return Status::Invalid(std::string(level) + ": sync option " + key + "=" + value +
                           ": expected one of " + expected);
  }
  return Status::Invalid(std::string(level) + ": unknown sync option " + key);
}

}  // namespace

Status ApplySyncOptions(const std::vector<std::string>& items, Options& options) {
  for (const std::string& item : items) {
    std::string value;
    Result<const Row*> row = Lookup(item, "syncOptions", value);
    if (!row.ok()) return row.status();
    if ((*row)->app) (*row)->app(value, options);
  }
  return Status();
}

// Reads a resource's comma-separated sync-options annotation over `defaults`.
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string item = Trim(text.substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

Result<ResourceOptions> ReadResourceOptions(std::string_view annotation, const std::string& where,
                                            ResourceOptions defaults) {
  for (const std::string& item : SplitList(annotation)) {
    std::string value;
    Result<const Row*> row = Lookup(item, where, value);
    if (!row.ok()) return row.status();
    if (!(*row)->resource) {
      return Status::Invalid(where + ": sync option " + item +
                             " applies to the Application, not to one resource");
    }
    (*row)->resource(value, defaults);
  }
  return defaults;
}

}  // namespace converge::sync
