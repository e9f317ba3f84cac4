#pragma once
// tests/docs/blocks.h: the fenced shell blocks of a Markdown page and what the docs test does
// with each. docs/README.md describes the convention for writers: every ```sh, ```bash,
// ```shell or ```console block follows a marker line
//   <!-- docs-test: run [exit=N] [timeout=S] -->           run it; it must exit N (default 0)
//   <!-- docs-test: background until="TEXT" [timeout=S] --> start it, wait until its output
//                                                           shows TEXT, stop it after the page
//   <!-- docs-test: skip REASON -->                         never run (REASON says why)
// so that a command cannot be added to the docs without deciding whether the test runs it.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace converge::docs {

enum class Mode { kRun, kBackground, kSkip };

struct Block {
  std::string file;
  int line = 0;  // of the opening fence, 1-based
  Mode mode = Mode::kRun;
  int exit_code = 0;
  int timeout_seconds = 180;
  std::string until;   // kBackground: the output that says it is ready
  std::string reason;  // kSkip
  std::string body;    // the commands, the fence's indentation removed
};

// The shell blocks of `markdown` in page order. kInvalid names "file:line" for a shell block
// without a marker, a marker that is not followed by a fenced block, or a malformed marker.
Result<std::vector<Block>> ExtractBlocks(std::string_view markdown, std::string_view file);

}  // namespace converge::docs
