// The converge binary: one executable, one subcommand per job (DESIGN.md).

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "operator/cli/commands.h"

int main(int argc, char** argv) {
  // A peer that goes away mid-response must cost one failed write, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  return converge::cli::Main(args, {.out = std::cout, .err = std::cerr});
}
