// converge app: Applications through a running operator's HTTP API, as `argocd app` does for
// Argo CD: list, get, diff, sync, history, rollback and wait. Exit codes: 0 success, 1 a failed
// or timed-out operation, differences found (diff) or an API error, 2 bad usage.
#include <ostream>

#include "base/duration.h"
#include "operator/cli/app.h"
#include "operator/cli/commands.h"

namespace converge::cli {
namespace {

using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

struct Context;

struct Subcommand {
  std::string name;
  std::string usage;  // "NAME [flags]"
  std::string summary;
  std::vector<FlagSpec> flags;
  int positional = 1;  // required arguments
  int (*run)(const Context& context);
};

// What every subcommand works with once its flags are read.
struct Context {
  const ParsedFlags& flags;
  AppSettings settings;
  apiclient::Client& client;
  Streams streams;

  const std::string& Name() const { return flags.positional()[0]; }
  std::string Path(std::string_view suffix = "") const {
    return "/api/v1/applications/" + apiclient::Escape(settings.ns) + "/" +
           apiclient::Escape(Name()) + std::string(suffix);
  }
};

std::vector<FlagSpec> WaitFlags() {
  return {{.name = "timeout",
           .value_name = "DURATION",
           .help = "give up after this long (exit 1)",
           .default_value = "5m"}};
}

// Prints `value` as -o asks, or `table` when it asks for none. Returns the exit code.
int Print(const Context& context, const json& value, const std::string& table) {
  Result<std::optional<std::string>> structured =
      FormatStructured(value, context.flags.String("output"));
  if (!structured.ok()) return Fail(context.streams, structured.status(), 2);
  context.streams.out << (*structured ? **structured : table);
  return 0;
}

Result<SteadyClock::time_point> Deadline(const ParsedFlags& flags) {
  Result<std::chrono::nanoseconds> timeout = ParseDuration(flags.String("timeout"));
  if (!timeout.ok()) return timeout.status().Wrap("--timeout");
  if (timeout->count() <= 0) return Status::Invalid("--timeout must be positive");
  return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(*timeout);
}

// Follows an operation just requested (`requested` is the Application the request returned)
// to its end and until `conditions` hold, then prints the Application as `get` does.
int WaitForOperation(const Context& context, const json& requested, WaitOptions conditions) {
  Result<SteadyClock::time_point> deadline = Deadline(context.flags);
  if (!deadline.ok()) return Fail(context.streams, deadline.status(), 2);
  conditions.operation_requested = true;
  conditions.operation_before =
      requested.value(json::json_pointer("/status/operationState"), json());
  conditions.deadline = *deadline;
  Result<json> settled = WaitForApplication(context.client, context.settings.ns, context.Name(),
                                            conditions, context.streams.err);
  if (!settled.ok()) return Fail(context.streams, settled.status());
  return Print(context, *settled, "\n" + ApplicationText(*settled));
}

int List(const Context& context) {
  std::string query;
  for (const auto& [flag, parameter] : {std::pair{"selector", "selector"},
                                        {"repo", "repo"},
                                        {"sync", "sync"},
                                        {"health", "health"}}) {
    if (!context.flags.Has(flag)) continue;
    query += (query.empty() ? "?" : "&") + std::string(parameter) + "=" +
             apiclient::Escape(context.flags.String(flag));
  }
  Result<json> list = context.client.Get("/api/v1/applications" + query);
  if (!list.ok()) return Fail(context.streams, list.status());
  std::vector<json> items = list->value("items", json::array()).get<std::vector<json>>();
  return Print(context, json(items), ListTable(items));
}

int Get(const Context& context) {
  std::string refresh = context.flags.Bool("hard-refresh") ? "?refresh=hard"
                        : context.flags.Bool("refresh")    ? "?refresh=normal"
                                                           : "";
  Result<json> application = context.client.Get(context.Path(refresh));
  if (!application.ok()) return Fail(context.streams, application.status());
  return Print(context, *application, ApplicationText(*application));
}

int Diff(const Context& context) {
  Result<json> managed = context.client.Get(context.Path("/managed-resources"));
  if (!managed.ok()) return Fail(context.streams, managed.status(), 2);
  std::string text = ManagedDiffText(*managed);
  int printed = Print(context, managed->value("items", json::array()), text);
  if (printed != 0) return printed;
  return text.empty() ? 0 : 1;
}

int History(const Context& context) {
  Result<json> history = context.client.Get(context.Path("/history"));
  if (!history.ok()) return Fail(context.streams, history.status());
  const json& items = history->value("items", json::array());
  return Print(context, items, HistoryTable(items));
}

// The answer to a sync or rollback request: the Application, or a wait for its outcome. A dry
// run changes nothing to wait for; a revision other than the target (a rollback, --revision)
// leaves the Application OutOfSync by design, so only its health is awaited.
int Requested(const Context& context, const json& application, const std::string& what,
              bool to_target) {
  if (context.flags.Bool("wait")) {
    bool dry_run = context.flags.Bool("dry-run");
    return WaitForOperation(context, application,
                            {.sync = to_target && !dry_run, .health = !dry_run});
  }
  return Print(context, application,
               what + " of " + context.settings.ns + "/" + context.Name() +
                   " requested; follow it with `converge app wait " + context.Name() + "`\n");
}

// Argo CD's --resource form, GROUP:KIND:[NAMESPACE/]NAME (GROUP empty for the core group).
Result<json> ParseResource(const std::string& text) {
  auto invalid = [&](const std::string& why) {
    return Status::Invalid("--resource \"" + text + "\": " + why);
  };
  if (text.starts_with('!') || text.find('*') != std::string::npos) {
    return invalid("exclusions (!) and wildcards (*) are not supported; name each resource");
  }
  size_t first = text.find(':');
  size_t second = first == std::string::npos ? first : text.find(':', first + 1);
  if (second == std::string::npos || text.find(':', second + 1) != std::string::npos) {
    return invalid("expected GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME");
  }
  std::string group = text.substr(0, first);
  std::string kind = text.substr(first + 1, second - first - 1);
  std::string name = text.substr(second + 1);
  std::string ns;
  if (size_t slash = name.find('/'); slash != std::string::npos) {
    ns = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  if (kind.empty() || name.empty()) return invalid("KIND and NAME must not be empty");
  json resource = {{"group", group}, {"kind", kind}, {"name", name}};
  if (!ns.empty()) resource["namespace"] = ns;
  return resource;
}

int Sync(const Context& context) {
  json body = json::object();
  for (const std::string& text : context.flags.List("resource")) {
    Result<json> resource = ParseResource(text);
    if (!resource.ok()) return Fail(context.streams, resource.status(), 2);
    body["resources"].push_back(std::move(*resource));
  }
  if (context.flags.Has("revision")) body["revision"] = context.flags.String("revision");
  if (context.flags.Bool("prune")) body["prune"] = true;
  if (context.flags.Bool("dry-run")) body["dryRun"] = true;
  for (const std::string& option : context.flags.List("sync-option")) {
    body["syncOptions"].push_back(option);
  }
  Result<json> application = context.client.Post(context.Path("/sync"), body);
  if (!application.ok()) return Fail(context.streams, application.status());
  // A sync of some resources leaves the others as they were, so only health is awaited.
  return Requested(context, *application, "sync",
                   !context.flags.Has("revision") && !body.contains("resources"));
}

int Rollback(const Context& context) {
  const std::string& id_text = context.flags.positional()[1];
  char* end = nullptr;
  long long id = std::strtoll(id_text.c_str(), &end, 10);
  if (id_text.empty() || *end != '\0' || id < 0) {
    return Fail(context.streams,
                Status::Invalid("history ID \"" + id_text +
                                "\": expected a number from `converge app history`"),
                2);
  }
  json body = {{"id", id}};
  if (context.flags.Bool("prune")) body["prune"] = true;
  if (context.flags.Bool("dry-run")) body["dryRun"] = true;
  Result<json> application = context.client.Post(context.Path("/rollback"), body);
  if (!application.ok()) return Fail(context.streams, application.status());
  return Requested(context, *application, "rollback to " + id_text, false);
}

int Wait(const Context& context) {
  Result<SteadyClock::time_point> deadline = Deadline(context.flags);
  if (!deadline.ok()) return Fail(context.streams, deadline.status(), 2);
  bool only_sync = context.flags.Bool("sync") && !context.flags.Bool("health");
  bool only_health = context.flags.Bool("health") && !context.flags.Bool("sync");
  Result<json> settled = WaitForApplication(
      context.client, context.settings.ns, context.Name(),
      {.sync = !only_health, .health = !only_sync, .deadline = *deadline}, context.streams.err);
  if (!settled.ok()) return Fail(context.streams, settled.status());
  return Print(context, *settled, "\n" + ApplicationText(*settled));
}

std::vector<FlagSpec> OperationFlags(std::vector<FlagSpec> own) {
  std::vector<FlagSpec> flags = {
      {.name = "prune",
       .type = FlagType::kBool,
       .help = "delete resources the source no longer has"},
      {.name = "dry-run", .type = FlagType::kBool, .help = "plan and validate, change nothing"},
      {.name = "wait",
       .type = FlagType::kBool,
       .help = "follow the operation to its end, then wait until Synced (syncs to the target "
               "only) and Healthy; exit 1 if it fails or --timeout passes"},
  };
  for (FlagSpec& spec : WaitFlags()) flags.push_back(std::move(spec));
  for (FlagSpec& spec : own) flags.push_back(std::move(spec));
  return flags;
}

const std::vector<Subcommand>& Subcommands() {
  static const std::vector<Subcommand> kSubcommands = {
      {"list",
       "[flags]",
       "list Applications",
       {{.name = "selector",
         .short_name = 'l',
         .value_name = "SELECTOR",
         .help = "label selector, app=web,tier!=db"},
        {.name = "repo", .value_name = "URL", .help = "only Applications of this repository"},
        {.name = "sync", .value_name = "STATUS", .help = "only Synced, OutOfSync or Unknown"},
        {.name = "health", .value_name = "STATUS", .help = "only this health (Healthy, ...)"}},
       0,
       &List},
      {"get",
       "NAME [flags]",
       "show an Application, its last operation and its resources",
       {{.name = "refresh", .type = FlagType::kBool, .help = "compare with the source again first"},
        {.name = "hard-refresh",
         .type = FlagType::kBool,
         .help = "render the source again too (no cache)"}},
       1,
       &Get},
      {"diff",
       "NAME [flags]",
       "show how the live resources differ from the source (Secret data masked); exit 1 when "
       "they do",
       {},
       1,
       &Diff},
      {"sync", "NAME [flags]", "sync an Application now",
       OperationFlags({{.name = "revision",
                        .value_name = "REV",
                        .help = "sync to this revision instead of the target"},
                       {.name = "sync-option",
                        .type = FlagType::kList,
                        .value_name = "OPTION",
                        .help = "an Argo CD sync option, e.g. ServerSideApply=true (repeatable)"},
                       {.name = "resource",
                        .type = FlagType::kList,
                        .value_name = "GROUP:KIND:[NAMESPACE/]NAME",
                        .help = "sync only this resource (repeatable; GROUP empty for core "
                                "kinds, e.g. :Service:web)"}}),
       1, &Sync},
      {"history", "NAME [flags]", "list the deployments of an Application", {}, 1, &History},
      {"rollback", "NAME ID [flags]", "sync an Application back to a deployment of its history",
       OperationFlags({}), 2, &Rollback},
      {"wait", "NAME [flags]",
       "wait until an Application is Synced and Healthy and runs no operation, showing progress",
       [] {
         std::vector<FlagSpec> flags = {
             {.name = "sync", .type = FlagType::kBool, .help = "wait for Synced only"},
             {.name = "health", .type = FlagType::kBool, .help = "wait for Healthy only"}};
         for (FlagSpec& spec : WaitFlags()) flags.push_back(std::move(spec));
         return flags;
       }(),
       1, &Wait},
  };
  return kSubcommands;
}

std::vector<FlagSpec> AllFlags(const Subcommand& subcommand) {
  std::vector<FlagSpec> flags = subcommand.flags;
  for (FlagSpec& spec : AppConnectionFlags()) flags.push_back(std::move(spec));
  flags.push_back(
      {.name = "help", .short_name = 'h', .type = FlagType::kBool, .help = "show this help"});
  for (FlagSpec& spec : LoggingFlags()) flags.push_back(std::move(spec));
  return flags;
}

void PrintAppUsage(std::ostream& out) {
  out << "Usage: converge app <command> [flags]\n\nApplications through the operator's HTTP "
         "API (converge operator, converge up).\n\nCommands:\n";
  for (const Subcommand& subcommand : Subcommands()) {
    out << "  " << subcommand.name << std::string(10 - subcommand.name.size(), ' ')
        << subcommand.summary << "\n";
  }
  out << "\nRun `converge app <command> --help` for its flags.\n";
}

int RunSubcommand(const Subcommand& subcommand, std::span<const std::string> args,
                  Streams streams) {
  std::vector<FlagSpec> specs = AllFlags(subcommand);
  Result<ParsedFlags> flags = ParseFlags(specs, args);
  if (!flags.ok()) return Fail(streams, flags.status(), 2);
  if (flags->Bool("help")) {
    streams.out << "Usage: converge app " << subcommand.name << " " << subcommand.usage << "\n\n"
                << subcommand.summary << ".\n\nFlags:\n"
                << FlagHelp(specs);
    return 0;
  }
  if (Status s = ConfigureLogging(*flags); !s.ok()) return Fail(streams, s, 2);
  if (static_cast<int>(flags->positional().size()) != subcommand.positional) {
    return Fail(streams,
                Status::Invalid("usage: converge app " + subcommand.name + " " + subcommand.usage),
                2);
  }
  Result<AppSettings> settings = ResolveAppSettings(*flags, ProcessEnvironment());
  if (!settings.ok()) return Fail(streams, settings.status(), 2);
  Result<std::unique_ptr<apiclient::Client>> client = apiclient::Client::Create(
      {.server = settings->server,
       .token = settings->token,
       .insecure_skip_tls_verify = flags->Bool("insecure-skip-tls-verify")});
  if (!client.ok()) return Fail(streams, client.status(), 2);
  return subcommand.run({*flags, std::move(*settings), **client, streams});
}

}  // namespace

int RunApp(std::span<const std::string> args, Streams streams) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    PrintAppUsage(args.empty() ? streams.err : streams.out);
    return args.empty() ? 2 : 0;
  }
  for (const Subcommand& subcommand : Subcommands()) {
    if (subcommand.name == args[0]) return RunSubcommand(subcommand, args.subspan(1), streams);
  }
  streams.err << "converge app: unknown command \"" << args[0] << "\"\n\n";
  PrintAppUsage(streams.err);
  return 2;
}

}  // namespace converge::cli
