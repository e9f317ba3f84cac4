// converge sync: renders a source, plans and executes one sync against a cluster, and prints
// the per-resource results (the one-shot reconcile users run from CI or to debug).

#include <charconv>
#include <iomanip>
#include <ostream>

#include "operator/cli/commands.h"
#include "operator/cli/source.h"
#include "sync/sync.h"

namespace converge::cli {
namespace {

std::vector<FlagSpec> SyncFlags() {
  std::vector<FlagSpec> flags = SourceFlags();
  for (FlagSpec& spec : ClusterFlags()) flags.push_back(std::move(spec));
  for (FlagSpec& spec : ApplicationFlags()) flags.push_back(std::move(spec));
  std::vector<FlagSpec> own = {
      {.name = "prune",
       .type = FlagType::kBool,
       .help = "delete objects tracked to the Application that the source no longer has"},
      {.name = "allow-empty",
       .type = FlagType::kBool,
       .help = "with --prune: allow a sync that prunes every tracked object"},
      {.name = "dry-run",
       .type = FlagType::kBool,
       .help = "dry-run every task on the server and report the plan; write nothing"},
      {.name = "approve-prune",
       .type = FlagType::kBool,
       .help = "approve pruning objects whose sync options say Prune=confirm"},
      {.name = "sync-option",
       .type = FlagType::kList,
       .value_name = "KEY=VALUE",
       .help = "an Argo CD sync option, e.g. CreateNamespace=true, Replace=true, PruneLast=true"},
      {.name = "timeout",
       .value_name = "SECONDS",
       .help = "limit for the whole sync, health waits included; 0 for none",
       .default_value = "300"},
      {.name = "sync-wave-delay",
       .value_name = "DURATION",
       .help = "pause after applying a wave before judging its health, so that other "
               "controllers can react (Argo CD's ARGOCD_SYNC_WAVE_DELAY)",
       .default_value = "2s"},
      {.name = "retry-limit",
       .value_name = "N",
       .help = "retry a failed sync N times with Argo CD's backoff (5s x 2^n, at most 3m)",
       .default_value = "0"},
      {.name = "git-timeout",
       .value_name = "SECONDS",
       .help = "with --repo: limit for each network operation",
       .default_value = "60"},
      {.name = "help", .short_name = 'h', .type = FlagType::kBool, .help = "show this help"},
  };
  for (FlagSpec& spec : own) flags.push_back(std::move(spec));
  for (FlagSpec& spec : LoggingFlags()) flags.push_back(std::move(spec));
  return flags;
}

Result<int> ParseCount(const ParsedFlags& flags, std::string_view name) {
  std::string text = flags.String(name);
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    return Status::Invalid("--" + std::string(name) + " must be a whole number, not \"" + text +
                           "\"");
  }
  return value;
}

std::string HookColumn(const sync::ResourceResult& result) {
  return result.hook_phase ? std::string(sync::OperationPhaseName(*result.hook_phase)) : "";
}

void PrintResults(const sync::Outcome& outcome, std::ostream& out) {
  out << std::left << std::setw(9) << "PHASE" << std::setw(6) << "WAVE" << std::setw(14) << "STATUS"
      << std::setw(11) << "HOOK"
      << "MESSAGE\n";
  for (const sync::ResourceResult& result : outcome.resources) {
    out << std::setw(9) << sync::PhaseName(result.phase) << std::setw(6) << result.wave
        << std::setw(14) << sync::ResultStatusName(result.status) << std::setw(11)
        << HookColumn(result) << result.message << "\n";
  }
  out << "\nPhase:   " << sync::OperationPhaseName(outcome.phase)
      << "\nMessage: " << outcome.message << "\n";
}

struct SyncRequest {
  std::string app_id;
  std::string destination_namespace;
  sync::Options options;
  std::vector<kube::Object> desired;
};

// One attempt: reads the live objects, plans, executes.
sync::Outcome Attempt(kube::Client& client, const SyncRequest& request,
                      const sync::ExecuteOptions& execute) {
  auto error = [&](const Status& status) {
    sync::Outcome outcome{.phase = sync::OperationPhase::kError, .message = status.message()};
    outcome.started_at = outcome.finished_at = std::chrono::system_clock::now();
    return outcome;
  };
  Result<std::vector<kube::Object>> live =
      sync::ReadLiveObjects(client, request.app_id, request.desired, request.destination_namespace);
  if (!live.ok()) return error(live.status());
  Result<sync::Plan> plan = sync::MakePlan({.app_id = request.app_id,
                                            .destination_namespace = request.destination_namespace,
                                            .desired = request.desired,
                                            .live = std::move(*live)},
                                           request.options);
  if (!plan.ok()) return error(plan.status());
  return sync::Execute(*plan, client, execute);
}

Result<SyncRequest> ReadRequest(const ParsedFlags& flags, const kube::Client& client,
                                Streams streams) {
  SyncRequest request{.app_id = AppId(flags),
                      .destination_namespace = DestinationNamespace(flags, client)};
  request.options.prune = flags.Bool("prune");
  request.options.allow_empty = flags.Bool("allow-empty");
  request.options.dry_run = flags.Bool("dry-run");
  if (Status s = sync::ApplySyncOptions(flags.List("sync-option"), request.options); !s.ok()) {
    return s;
  }
  Result<RenderedSource> desired = RenderSource(flags, flags.String("git-timeout"), streams);
  if (!desired.ok()) return desired.status();
  request.desired = std::move(desired->objects);
  return request;
}

}  // namespace

int RunSync(std::span<const std::string> args, Streams streams) {
  ParsedFlags flags;
  std::optional<int> done = StartApplicationCommand(
      SyncFlags(), args,
      "Usage: converge sync PATH --app-name NAME [flags]\n       converge sync --repo URL "
      "[--revision REV] [--path P] --app-name NAME [flags]\n\nRenders the source and syncs it "
      "to the cluster once, as the operator would: server-side dry run of everything, then "
      "server-side apply wave by wave with health waits, hooks and (with --prune) prune. "
      "Progress goes to stderr, the results table to stdout. Exit code 0 when the sync "
      "succeeded, 1 when it failed, 2 on bad usage.",
      streams, flags);
  if (done) return *done;
  Result<int> timeout = ParseCount(flags, "timeout");
  if (!timeout.ok()) return Fail(streams, timeout.status(), 2);
  Result<int> retries = ParseCount(flags, "retry-limit");
  if (!retries.ok()) return Fail(streams, retries.status(), 2);
  Result<std::chrono::milliseconds> wave_delay = DurationFlag(flags, "sync-wave-delay");
  if (!wave_delay.ok()) return Fail(streams, wave_delay.status(), 2);
  Result<std::unique_ptr<kube::Client>> client = ConnectCluster(flags);
  if (!client.ok()) return Fail(streams, client.status());
  Result<SyncRequest> request = ReadRequest(flags, **client, streams);
  if (!request.ok()) return Fail(streams, request.status());
  sync::ExecuteOptions execute{.app_id = request->app_id,
                               .sync = request->options,
                               .timeout = std::chrono::seconds(*timeout),
                               .wave_delay = *wave_delay,
                               .progress = [&](const sync::ResourceResult& result) {
                                 streams.err
                                     << sync::ResultStatusName(result.status)
                                     << (result.hook_phase ? " (" + HookColumn(result) + ")" : "")
                                     << " " << result.message << "\n";
                               }};
  if (flags.Bool("approve-prune")) {
    execute.prune_approved = [](std::chrono::system_clock::time_point) { return true; };
  }
  sync::OperationState state =
      sync::RunWithRetry({.limit = *retries}, sync::SystemClock(), {},
                         [&] { return Attempt(**client, *request, execute); });
  for (size_t i = 0; i + 1 < state.attempts.size(); ++i) {
    streams.err << "attempt " << i + 1 << ": " << sync::OperationPhaseName(state.attempts[i].phase)
                << ": " << state.attempts[i].message << "; retrying\n";
  }
  PrintResults(state.outcome, streams.out);
  return state.outcome.phase == sync::OperationPhase::kSucceeded ? 0 : 1;
}

}  // namespace converge::cli
