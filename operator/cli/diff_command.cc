// converge diff: renders a source and prints how the live objects differ from it, as
// `kubectl diff` does, with Secret values masked and a health summary.

#include <map>
#include <ostream>
#include <set>

#include "diff/diff.h"
#include "operator/cli/commands.h"
#include "operator/cli/source.h"
#include "sync/health/health.h"
#include "sync/sync.h"

namespace converge::cli {
namespace {

std::vector<FlagSpec> DiffFlags() {
  std::vector<FlagSpec> flags = SourceFlags();
  for (FlagSpec& spec : ClusterFlags()) flags.push_back(std::move(spec));
  for (FlagSpec& spec : ApplicationFlags()) flags.push_back(std::move(spec));
  std::vector<FlagSpec> own = {
      {.name = "server-side",
       .type = FlagType::kBool,
       .help = "compare with a server-side apply dry run of each object instead of the fields "
               "Converge manages"},
      {.name = "color", .type = FlagType::kBool, .help = "colour the diff"},
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

// The two sides of the comparison: the objects a sync would apply and the live objects tracked
// to the Application or standing where a desired one would go.
Result<sync::ComparisonSides> ReadSides(kube::Client& client, const std::string& app_id,
                                        const std::string& ns,
                                        const std::vector<kube::Object>& rendered) {
  Result<std::vector<kube::Object>> live = sync::ReadLiveObjects(client, app_id, rendered, ns);
  if (!live.ok()) return live.status();
  Result<sync::Plan> plan = sync::MakePlan(
      {.app_id = app_id, .destination_namespace = ns, .desired = rendered, .live = *live}, {});
  if (!plan.ok()) return plan.status();
  return sync::SidesOf(*plan, app_id, std::move(*live));
}

Result<diff::DryRunResults> DryRuns(kube::Client& client,
                                    const std::vector<kube::Object>& desired) {
  diff::DryRunResults out;
  for (const kube::Object& object : desired) {
    kube::ApiResult<kube::Object> dry = client.Apply(object, {.dry_run = true});
    // A kind the server does not know yet (its CRD is not applied): compared as Missing.
    if (dry.reason() == kube::Reason::kNotFound) continue;
    if (!dry.ok()) return dry.status().Wrap(kube::Describe(object) + ": dry run");
    out.emplace(object.Key(), std::move(*dry));
  }
  return out;
}

// "Health: <worst>" and a line per object that is not Healthy.
void PrintHealth(const sync::ComparisonSides& sides, std::ostream& out) {
  std::map<kube::ResourceKey, const kube::Object*> live;
  for (const kube::Object& object : sides.live) live.emplace(object.Key(), &object);
  std::vector<std::optional<sync::health::HealthStatus>> statuses;
  std::string details;
  for (const kube::Object& object : sides.desired) {
    auto found = live.find(object.Key());
    const kube::Object* counterpart = found == live.end() ? nullptr : found->second;
    std::optional<sync::health::HealthStatus> status = sync::health::Assess(counterpart, {});
    statuses.push_back(status);
    if (status && status->code != sync::health::HealthCode::kHealthy) {
      details += "  " + kube::Describe(object) + ": " +
                 std::string(sync::health::HealthCodeName(status->code)) +
                 (status->message.empty() ? "" : ": " + status->message) + "\n";
    }
  }
  out << "Health: " << sync::health::HealthCodeName(sync::health::Aggregate(statuses).code) << "\n"
      << details;
  for (const kube::ResourceKey& key : sides.shared) {
    out << "  " << key.ToString() << ": tracked by another Application; not compared\n";
  }
}

}  // namespace

int RunDiff(std::span<const std::string> args, Streams streams) {
  std::vector<FlagSpec> specs = DiffFlags();
  Result<ParsedFlags> flags = ParseFlags(specs, args);
  if (!flags.ok()) return Fail(streams, flags.status(), 2);
  if (flags->Bool("help")) {
    streams.out << "Usage: converge diff PATH --app-name NAME [flags]\n       converge diff "
                   "--repo URL [--revision REV] [--path P] --app-name NAME [flags]\n\nRenders "
                   "the source and prints the unified diff between the live objects (tracked "
                   "to the Application, or where the source would create them) and the source, "
                   "Secret values masked; then a health summary on stderr. Exit code 0 in "
                   "sync, 1 when different, 2 on error.\n\nFlags:\n"
                << FlagHelp(specs);
    return 0;
  }
  if (Status s = ConfigureLogging(*flags); !s.ok()) return Fail(streams, s, 2);
  std::string app_id = AppId(*flags);
  if (app_id.empty()) return Fail(streams, Status::Invalid("--app-name is required"), 2);
  Result<std::unique_ptr<kube::Client>> client = ConnectCluster(*flags);
  if (!client.ok()) return Fail(streams, client.status(), 2);
  Result<std::vector<kube::Object>> rendered =
      RenderSource(*flags, flags->String("git-timeout"), streams);
  if (!rendered.ok()) return Fail(streams, rendered.status(), 2);
  Result<sync::ComparisonSides> sides =
      ReadSides(**client, app_id, DestinationNamespace(*flags, **client), *rendered);
  if (!sides.ok()) return Fail(streams, sides.status(), 2);
  std::optional<diff::DryRunResults> dry_runs;
  if (flags->Bool("server-side")) {
    Result<diff::DryRunResults> results = DryRuns(**client, sides->desired);
    if (!results.ok()) return Fail(streams, results.status(), 2);
    dry_runs = std::move(*results);
  }
  Result<diff::Differ> differ = diff::Differ::Create({});
  if (!differ.ok()) return Fail(streams, differ.status(), 2);
  Result<diff::Report> report =
      differ->CompareAll(sides->desired, sides->live, dry_runs ? &*dry_runs : nullptr);
  if (!report.ok()) return Fail(streams, report.status(), 2);
  streams.out << diff::ReportText(*report, {.color = flags->Bool("color")});
  PrintHealth(*sides, streams.err);
  return report->Synced() ? 0 : 1;
}

}  // namespace converge::cli
