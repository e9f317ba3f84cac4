// The docs test: every shell block of README.md and docs/*.md is either run here or marked
// skip with a reason (tests/docs/blocks.h), so a page cannot show a command that no longer
// works. The blocks of one page run in order, like a reader typing them into one terminal: in a
// scratch directory holding copies of examples/, manifests/ and charts/, with `converge` (the
// build under test), `kubectl` and `helm` (the reference tools) first on PATH, a private HOME,
// and the variables one block exports seen by the next.

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <signal.h>

#include "base/file.h"
#include "base/process.h"
#include "tests/docs/blocks.h"
#include "tests/support/support.h"

namespace converge::docs {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// --- the extractor ---

TEST(ExtractBlocksTest, ReadsMarkersAndBodies) {
  Result<std::vector<Block>> blocks = ExtractBlocks(
      "# Page\n\n<!-- docs-test: run exit=1 timeout=30 -->\n```sh\nconverge version\n```\n\n"
      "- item\n\n  <!-- docs-test: background until=\"is up\" -->\n  ```bash\n  converge up\n"
      "  ```\n\n<!-- docs-test: skip needs a real cluster -->\n```console\nhelm install x\n```\n"
      "\n```yaml\nkind: Application\n```\n",
      "page.md");
  ASSERT_TRUE(blocks.ok()) << blocks.status().message();
  ASSERT_EQ(blocks->size(), 3u);
  EXPECT_EQ((*blocks)[0].line, 4);
  EXPECT_EQ((*blocks)[0].mode, Mode::kRun);
  EXPECT_EQ((*blocks)[0].exit_code, 1);
  EXPECT_EQ((*blocks)[0].timeout_seconds, 30);
  EXPECT_EQ((*blocks)[0].body, "converge version\n");
  EXPECT_EQ((*blocks)[1].mode, Mode::kBackground);
  EXPECT_EQ((*blocks)[1].until, "is up");
  EXPECT_EQ((*blocks)[1].body, "converge up\n");
  EXPECT_EQ((*blocks)[2].mode, Mode::kSkip);
  EXPECT_EQ((*blocks)[2].reason, "needs a real cluster");
}

TEST(ExtractBlocksTest, LongerFencesHoldShorterOnes) {
  Result<std::vector<Block>> blocks =
      ExtractBlocks("<!-- docs-test: run -->\n````sh\n```\necho\n````\n", "page.md");
  ASSERT_TRUE(blocks.ok()) << blocks.status().message();
  ASSERT_EQ(blocks->size(), 1u);
  EXPECT_EQ((*blocks)[0].body, "```\necho\n");
}

TEST(ExtractBlocksTest, RefusesUnmarkedAndStrayMarkers) {
  struct Case {
    const char* markdown;
    const char* error;
  };
  for (const Case& c : {
           Case{"text\n\n```sh\nls\n```\n", "page.md:3: a sh block needs a <!-- docs-test:"},
           Case{"<!-- docs-test: run -->\nsome text\n```sh\nls\n```\n",
                "page.md:1: marker without a block"},
           Case{"<!-- docs-test: run -->\n```yaml\na: 1\n```\n",
                "page.md:1: marker before a non-shell block"},
           Case{"<!-- docs-test: skip -->\n```sh\nls\n```\n", "page.md:1: docs-test marker: skip"},
           Case{"<!-- docs-test: background -->\n```sh\nls\n```\n", "needs until="},
           Case{"<!-- docs-test: sometimes -->\n```sh\nls\n```\n", "unknown mode \"sometimes\""},
           Case{"<!-- docs-test: run exit=x -->\n```sh\nls\n```\n", "bad setting exit=x"},
       }) {
    Result<std::vector<Block>> blocks = ExtractBlocks(c.markdown, "page.md");
    ASSERT_FALSE(blocks.ok()) << c.markdown;
    EXPECT_NE(blocks.status().message().find(c.error), std::string::npos)
        << blocks.status().message();
  }
}

// --- running a page ---

// Variables of the test's own environment a reader's terminal would not have.
constexpr const char* kUnset[] = {"KUBECONFIG",        "CONVERGE_SERVER", "CONVERGE_TOKEN",
                                  "CONVERGE_CONFIG",   "CONVERGE_UP_DIR", "CONVERGE_NAMESPACE",
                                  "CONVERGE_CACHE_DIR"};

class Page {
 public:
  explicit Page(const std::string& name) : name_(name) {
    fs::create_directories(work());
    fs::create_directories(home());
    fs::create_directories(dir_.path() / "bin");
    for (const char* folder : {"examples", "manifests", "charts"}) {
      if (fs::exists(testing::SourceDir() / folder)) {
        fs::copy(testing::SourceDir() / folder, work() / folder, fs::copy_options::recursive);
      }
    }
    fs::create_symlink(fs::absolute(testing::ConvergeBinary()), dir_.path() / "bin/converge");
    fs::create_symlink(testing::OracleDir() / "kubectl", dir_.path() / "bin/kubectl");
    fs::create_symlink(testing::OracleDir() / "helm4", dir_.path() / "bin/helm");
    const char* path = std::getenv("PATH");
    env_ = {{"HOME", home().string()},
            {"XDG_CONFIG_HOME", (home() / ".config").string()},
            {"XDG_CACHE_HOME", (home() / ".cache").string()},
            {"PATH", (dir_.path() / "bin").string() + ":" + (path ? path : "/usr/bin:/bin")},
            // A reader's git knows who they are.
            {"GIT_AUTHOR_NAME", "Docs Reader"},
            {"GIT_AUTHOR_EMAIL", "reader@example.com"},
            {"GIT_COMMITTER_NAME", "Docs Reader"},
            {"GIT_COMMITTER_EMAIL", "reader@example.com"}};
  }

  ~Page() {
    for (const auto& process : background_) Stop(*process);
  }

  // Runs one block; failures name the page and line.
  void Run(const Block& block) {
    fs::path script = WriteScript(block, /*keep_state=*/block.mode == Mode::kRun);
    std::string where = block.file + ":" + std::to_string(block.line);
    if (block.mode == Mode::kBackground) {
      RunInBackground(block, script, where);
      return;
    }
    std::vector<std::string> argv = Unsetting();
    argv.insert(argv.end(), {"timeout", "-k", "10", std::to_string(block.timeout_seconds), "bash",
                             "-eo", "pipefail", script.string()});
    Result<CommandOutput> run = RunCommand({.argv = argv, .env = env_, .cwd = work()});
    ASSERT_TRUE(run.ok()) << where << ": " << run.status().message();
    EXPECT_EQ(run->exit_code, block.exit_code)
        << where << ": the block exited " << run->exit_code
        << (run->exit_code == 124 ? " (timed out)" : "") << "\n--- block\n"
        << block.body << "--- stdout\n"
        << run->out << "--- stderr\n"
        << run->err;
  }

 private:
  fs::path work() const { return dir_.path() / "work"; }
  fs::path home() const { return dir_.path() / "home"; }
  fs::path state() const { return dir_.path() / "state.sh"; }

  std::vector<std::string> Unsetting() const {
    std::vector<std::string> argv = {"/usr/bin/env"};
    for (const char* name : kUnset) argv.insert(argv.end(), {"-u", name});
    return argv;
  }

  // The block between the state the earlier blocks left (exported variables, directory) and
  // the saving of its own.
  fs::path WriteScript(const Block& block, bool keep_state) {
    fs::path script = dir_.path() / ("block-" + std::to_string(block.line) + ".sh");
    std::ofstream out(script);
    out << "if [ -f '" << state().string() << "' ]; then source '" << state().string() << "'; fi\n"
        << block.body;
    if (keep_state) {
      out << "\n{ export -p; printf 'cd %q\\n' \"$PWD\"; } > '" << state().string() << "'\n";
    }
    return script;
  }

  void RunInBackground(const Block& block, const fs::path& script, const std::string& where) {
    fs::path log = dir_.path() / ("block-" + std::to_string(block.line) + ".err");
    std::vector<std::string> argv = Unsetting();
    for (const auto& [key, value] : env_) argv.push_back(key + "=" + value);
    // setsid: the block's shell leads a process group, so that stopping it stops what it ran.
    argv.insert(argv.end(), {"setsid", "bash", "-c", "cd \"$1\" && exec bash -eo pipefail \"$2\"",
                             "bash", work().string(), script.string()});
    background_.push_back(testing::Process::Start(argv, log));
    testing::Process& process = *background_.back();
    EXPECT_TRUE(process.WaitForOutput(block.until, std::chrono::seconds(block.timeout_seconds)))
        << where << ": the block never printed \"" << block.until << "\"\n--- block\n"
        << block.body << "--- stdout\n"
        << process.output() << "--- stderr\n"
        << testing::ReadFile(log);
  }

  static void Stop(testing::Process& process) {
    if (process.pid() <= 0) return;
    ::kill(-process.pid(), SIGTERM);
    // The pipe closes once everything the block started has exited.
    process.WaitForOutput("\x01never printed\x01", std::chrono::seconds(20));
    ::kill(-process.pid(), SIGKILL);
    process.Wait();
  }

  std::string name_;
  TempDir dir_;
  std::vector<std::pair<std::string, std::string>> env_;
  std::vector<std::unique_ptr<testing::Process>> background_;
};

// README.md and every page of docs/, relative to the repository root.
std::vector<std::string> Pages() {
  std::vector<std::string> pages = {"README.md"};
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(testing::SourceDir() / "docs", error)) {
    if (entry.path().extension() == ".md")
      pages.push_back("docs/" + entry.path().filename().string());
  }
  std::sort(pages.begin() + 1, pages.end());
  return pages;
}

class DocsPageTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DocsPageTest, EveryRunnableBlockWorks) {
  const std::string& page = GetParam();
  Result<std::vector<Block>> blocks =
      ExtractBlocks(testing::ReadFile(testing::SourceDir() / page), page);
  ASSERT_TRUE(blocks.ok()) << blocks.status().message();
  int run = 0, skipped = 0;
  Page session(page);
  for (const Block& block : *blocks) {
    if (block.mode == Mode::kSkip) {
      ++skipped;
      continue;
    }
    ++run;
    session.Run(block);
    if (::testing::Test::HasFailure()) break;  // later blocks build on this one
  }
  std::cout << page << ": " << run << " blocks run, " << skipped << " skipped\n";
}

// Relative links of a page ("[text](other.md#part)") name files that exist.
TEST_P(DocsPageTest, LinksNameExistingFiles) {
  const std::string& page = GetParam();
  std::string text = testing::ReadFile(testing::SourceDir() / page);
  fs::path base = (testing::SourceDir() / page).parent_path();
  for (size_t at = text.find("]("); at != std::string::npos; at = text.find("](", at + 2)) {
    size_t end = text.find(')', at);
    if (end == std::string::npos) break;
    std::string target = text.substr(at + 2, end - at - 2);
    if (target.empty() || target.find("://") != std::string::npos || target[0] == '#') continue;
    target = target.substr(0, target.find('#'));
    EXPECT_TRUE(fs::exists(base / target)) << page << ": link to missing " << target;
  }
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Pages, DocsPageTest, ::testing::ValuesIn(Pages()), TestName);

}  // namespace
}  // namespace converge::docs
