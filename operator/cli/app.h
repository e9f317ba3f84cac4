#pragma once
// operator/cli/app.h (internal to operator/cli): the pieces of `converge app`, which talks to
// a running operator's HTTP API rather than to the cluster: where the API is and which token to
// use, the tables it prints, and waiting on the live status stream.

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "operator/apiclient/apiclient.h"
#include "operator/cli/flags.h"

namespace converge::cli {

// --- settings (app_settings.cc) ---

// Reads an environment variable; nullopt when unset or empty.
using Environment = std::function<std::optional<std::string>(std::string_view)>;
Environment ProcessEnvironment();

struct AppSettings {
  std::string server;
  std::string token;
  std::string ns;
  std::string config_file;  // the file read, "" when none
};

// The flags every `converge app` command takes: --server, --token, --config, -n/--namespace,
// -o/--output, --insecure-skip-tls-verify.
std::vector<FlagSpec> AppConnectionFlags();

// Each setting from its flag, else its variable (CONVERGE_SERVER, CONVERGE_TOKEN,
// CONVERGE_NAMESPACE), else the config file (server:, token:) — --config, CONVERGE_CONFIG,
// $XDG_CONFIG_HOME/converge/config.yaml or ~/.config/converge/config.yaml; the namespace
// defaults to "converge". Fails when no server is set anywhere, or the config file named by
// --config/CONVERGE_CONFIG cannot be read, or any config file is not a YAML mapping of strings.
Result<AppSettings> ResolveAppSettings(const ParsedFlags& flags, const Environment& env);

// --- output (app_output.cc) ---

// Columns separated by at least two spaces, as Go's tabwriter prints Argo CD's tables.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// `converge app list`: NAME CLUSTER NAMESPACE STATUS HEALTH SYNCPOLICY CONDITIONS REPO PATH
// TARGET, one row per Application in the order given.
std::string ListTable(const std::vector<nlohmann::json>& applications);
// `converge app get`: the summary lines, the last operation, and a row per resource.
std::string ApplicationText(const nlohmann::json& application);
// `converge app history`: ID DATE REVISION per deployment, oldest first, under its source.
std::string HistoryTable(const nlohmann::json& history);
// `converge app diff`: "===== group/Kind namespace/name ======" and the diff of each resource
// that differs, in the order given. Empty when nothing differs.
std::string ManagedDiffText(const nlohmann::json& managed_resources);

// Output of a value as -o json|yaml asks; nullopt for "wide" or "" (the table).
Result<std::optional<std::string>> FormatStructured(const nlohmann::json& value,
                                                    std::string_view output);

// --- waiting (app_wait.cc) ---

struct WaitOptions {
  bool sync = true;    // until sync.status is Synced
  bool health = true;  // until health.status is Healthy
  // An operation the caller has just requested: the wait ends only once the Application no
  // longer carries it and its operationState is no longer `operation_before` (the state the
  // request's response showed: a stream may start from a cache that predates the request), and
  // a Failed/Error result ends the wait with an error.
  bool operation_requested = false;
  nlohmann::json operation_before;
  std::chrono::steady_clock::time_point deadline;
};

// Follows the Application's status on the event stream, printing a line for each phase change
// and each resource whose status, health or message changes, until the conditions hold (the
// final Application), the operation fails (kConflict with its message), the Application is
// deleted (kNotFound) or the deadline passes (kUnavailable).
Result<nlohmann::json> WaitForApplication(apiclient::Client& client, const std::string& ns,
                                          const std::string& name, const WaitOptions& options,
                                          std::ostream& progress);

// Whether `application` meets the sync and health conditions of `options` and runs no
// operation.
bool ApplicationSettled(const nlohmann::json& application, const WaitOptions& options);

}  // namespace converge::cli
