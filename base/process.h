#pragma once
// base/process.h: running a program to completion and collecting what it prints, without a
// shell (credential plugins, reference tools in tests).

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace converge {

struct Command {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH unless it contains a '/'
  // Set in the child's environment on top of this process's own.
  std::vector<std::pair<std::string, std::string>> env;
  std::filesystem::path cwd;  // empty: this process's
};

struct CommandOutput {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out;
  std::string err;
};

// Runs `command` with stdin from /dev/null and waits for it. kNotFound when the program
// cannot be started; a non-zero exit is a normal result.
Result<CommandOutput> RunCommand(const Command& command);

}  // namespace converge
