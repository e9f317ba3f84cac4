#include <algorithm>
#include <ostream>

#include "base/log.h"
#include "operator/cli/commands.h"

namespace converge::cli {
namespace {

constexpr std::string_view kVersion = "0.1.0";

int RunVersion(std::span<const std::string> /*args*/, Streams streams) {
  streams.out << "converge " << kVersion << "\n";
  return 0;
}

void PrintUsage(std::ostream& out) {
  out << "Converge: a GitOps reconciliation operator.\n\nUsage:\n  converge <command> [flags]\n\n"
         "Commands:\n";
  for (const Command& command : Commands()) {
    out << "  " << command.name << std::string(10 - std::min<size_t>(command.name.size(), 9), ' ')
        << command.summary << "\n";
  }
  out << "\nRun `converge <command> --help` for the flags of a command.\n";
}

int RunHelp(std::span<const std::string> /*args*/, Streams streams) {
  PrintUsage(streams.out);
  return 0;
}

}  // namespace

std::vector<FlagSpec> LoggingFlags() {
  return {
      {.name = "log-level",
       .value_name = "LEVEL",
       .help = "debug, info, warn, error or off",
       .default_value = "info"},
      {.name = "log-format",
       .value_name = "FORMAT",
       .help = "text or json (one object per line)",
       .default_value = "text"},
  };
}

Status ConfigureLogging(const ParsedFlags& flags) {
  Result<log::Level> level = log::ParseLevel(flags.String("log-level"));
  if (!level.ok()) return level.status();
  Result<log::Format> format = log::ParseFormat(flags.String("log-format"));
  if (!format.ok()) return format.status();
  log::Configure({.level = *level, .format = *format});
  return Status();
}

int Fail(Streams streams, const Status& status, int code) {
  streams.err << "converge: error: " << log::Redact(status.message()) << "\n";
  return code;
}

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"app", "list, inspect, sync and roll back Applications through the operator's API", &RunApp},
      {"apiserver", "run the embedded Kubernetes API server (kubectl works against it)",
       &RunApiserver},
      {"diff", "show how the cluster differs from a source (like kubectl diff)", &RunDiff},
      {"operator", "run the controller that keeps Applications in sync", &RunOperator},
      {"render", "print the manifests a source renders to (like helm template, kustomize build)",
       &RunRender},
      {"sync", "sync a source to the cluster once: dry run, waves, hooks, prune", &RunSync},
      {"up", "the zero-setup demo: API server, example Git repository, operator", &RunUp},
      {"version", "print the version", &RunVersion},
      {"help", "show this help", &RunHelp},
  };
  return kCommands;
}

int Main(std::span<const std::string> args, Streams streams) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    PrintUsage(args.empty() ? streams.err : streams.out);
    return args.empty() ? 2 : 0;
  }
  for (const Command& command : Commands()) {
    if (command.name == args[0]) {
      return command.run(args.subspan(1), streams);
    }
  }
  streams.err << "converge: unknown command \"" << args[0] << "\"\n\n";
  PrintUsage(streams.err);
  return 2;
}

}  // namespace converge::cli
