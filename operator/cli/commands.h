#pragma once
// operator/cli/commands.h: the subcommands of the converge binary. Each takes its arguments
// (after the subcommand name) and the streams to write to, and returns the process exit code:
// 0 success, 1 failure, 2 bad usage.

#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "operator/cli/flags.h"

namespace converge::cli {

struct Streams {
  std::ostream& out;
  std::ostream& err;
};

using CommandFunction = int (*)(std::span<const std::string> args, Streams streams);

struct Command {
  std::string name;
  std::string summary;
  CommandFunction run;
};

// Flags every subcommand accepts: --log-level and --log-format. Parsing them configures the
// process logger.
std::vector<FlagSpec> LoggingFlags();
Status ConfigureLogging(const ParsedFlags& flags);

int RunApp(std::span<const std::string> args, Streams streams);
int RunRender(std::span<const std::string> args, Streams streams);
int RunApiserver(std::span<const std::string> args, Streams streams);
int RunSync(std::span<const std::string> args, Streams streams);
int RunDiff(std::span<const std::string> args, Streams streams);
int RunOperator(std::span<const std::string> args, Streams streams);
int RunUp(std::span<const std::string> args, Streams streams);

// Prints "converge: error: MESSAGE" (credentials redacted) and returns `code`.
int Fail(Streams streams, const Status& status, int code = 1);

// All subcommands, in the order `converge help` lists them.
const std::vector<Command>& Commands();

// Dispatches argv[1..] to a subcommand.
int Main(std::span<const std::string> args, Streams streams);

}  // namespace converge::cli
