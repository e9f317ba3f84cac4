// sources/git against the git CLI in the same run, over a real `git daemon` on 127.0.0.1:
//   build/dev/bench/sources_git_bench [--commits N] [--files N] [--polls N] [--passes N]
// Generates a repository (N commits touching N files, via git fast-import), then measures:
//   fetch      a fresh mirror of main: Mirror::Resolve vs `git fetch` into an empty bare repo
//   no-op      the change check of an unchanged repository: Mirror::Resolve vs `git ls-remote`
//   tree reads reading every file of the head commit: TreeView::Read vs `git cat-file --batch`
// and prints each pair with the ratio (git time / converge time: above 1 means converge wins).

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sources/git/git.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace git = converge::sources::git;
using Clock = std::chrono::steady_clock;

struct Settings {
  int commits = 10000;
  int files = 5000;
  int polls = 50;
  int passes = 3;
};

// Runs argv with stdin/stdout redirected to files ("" keeps /dev/null); returns the exit code.
int Spawn(const std::vector<std::string>& argv, const std::string& in = "",
          const std::string& out = "", pid_t* background = nullptr) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.empty() ? "/dev/null" : in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.empty() ? "/dev/null" : out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return -1;
  if (background != nullptr) {
    *background = pid;
    return 0;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Content(int file, int version) {
  std::string text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-" +
                     std::to_string(file) + "\ndata:\n  version: \"" + std::to_string(version) +
                     "\"\n";
  return text + "  padding: \"" + std::string(120, 'x') + "\"\n";
}

std::string FilePath(int file) {
  char path[64];
  std::snprintf(path, sizeof(path), "apps/d%03d/cm-%05d.yaml", file % 100, file);
  return path;
}

// A fast-import stream: one commit adding every file, then one commit per change.
void WriteImport(const fs::path& path, const Settings& settings) {
  std::ofstream out(path, std::ios::binary);
  auto data = [&out](const std::string& text) {
    out << "data " << text.size() << "\n" << text << "\n";
  };
  for (int commit = 0; commit < settings.commits; ++commit) {
    out << "commit refs/heads/main\ncommitter Bench <bench@converge.invalid> "
        << 1700000000 + commit << " +0000\n";
    data("commit " + std::to_string(commit));
    if (commit == 0) {
      for (int file = 0; file < settings.files; ++file) {
        out << "M 100644 inline " << FilePath(file) << "\n";
        data(Content(file, 0));
      }
    } else {
      int file = commit % settings.files;
      out << "M 100644 inline " << FilePath(file) << "\n";
      data(Content(file, commit));
    }
  }
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool WaitForPort(int port) {
  for (int i = 0; i < 1000; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool up = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    close(fd);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void Report(const char* what, const char* unit, double converge, double cli, bool higher_better) {
  double ratio = higher_better ? converge / cli : cli / converge;
  std::printf("%-28s converge %12.3f %-8s git %12.3f %-8s ratio %.2fx\n", what, converge, unit, cli,
              unit, ratio);
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "sources_git_bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--commits") settings.commits = value;
    if (flag == "--files") settings.files = value;
    if (flag == "--polls") settings.polls = value;
    if (flag == "--passes") settings.passes = value;
  }
  char pattern[] = "/tmp/converge-git-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return Fail("mkdtemp failed");
  fs::path dir = pattern;
  fs::path bare = dir / "repos/app.git";
  fs::create_directories(bare);

  auto start = Clock::now();
  WriteImport(dir / "import", settings);
  if (Spawn({"/usr/bin/git", "init", "-q", "--bare", bare.string()}) != 0 ||
      Spawn({"/usr/bin/git", "-C", bare.string(), "fast-import", "--quiet"},
            (dir / "import").string()) != 0 ||
      Spawn({"/usr/bin/git", "-C", bare.string(), "symbolic-ref", "HEAD", "refs/heads/main"}) !=
          0 ||
      Spawn({"/usr/bin/git", "-C", bare.string(), "repack", "-adq"}) != 0) {
    return Fail("cannot generate the repository");
  }
  std::printf("repository: %d commits, %d files, generated in %.1fs\n", settings.commits,
              settings.files, Seconds(start));

  int port = FreePort();
  pid_t daemon = -1;
  Spawn({"/usr/bin/git", "daemon", "--reuseaddr", "--export-all",
         "--base-path=" + (dir / "repos").string(), "--listen=127.0.0.1",
         "--port=" + std::to_string(port), (dir / "repos").string()},
        "", "", &daemon);
  if (!WaitForPort(port)) return Fail("git daemon did not start");
  std::string url = "git://127.0.0.1:" + std::to_string(port) + "/app.git";

  // Fetch of a fresh mirror.
  git::Mirror mirror({.cache_dir = dir / "cache"});
  start = Clock::now();
  converge::Result<git::Commit> commit = mirror.Resolve(url, "main");
  double converge_fetch = Seconds(start);
  if (!commit.ok()) return Fail(commit.status().message());
  fs::path cli = dir / "cli.git";
  Spawn({"/usr/bin/git", "init", "-q", "--bare", cli.string()});
  start = Clock::now();
  Spawn(
      {"/usr/bin/git", "-C", cli.string(), "fetch", "-q", url, "+refs/heads/main:refs/heads/main"});
  double cli_fetch = Seconds(start);
  Report("fetch (s)", "s", converge_fetch, cli_fetch, false);

  // No-op change checks.
  start = Clock::now();
  for (int i = 0; i < settings.polls; ++i) {
    if (!mirror.Resolve(url, "main").ok()) return Fail("poll failed");
  }
  double converge_poll = Seconds(start) * 1000 / settings.polls;
  start = Clock::now();
  for (int i = 0; i < settings.polls; ++i) {
    Spawn({"/usr/bin/git", "ls-remote", url, "refs/heads/main"});
  }
  double cli_poll = Seconds(start) * 1000 / settings.polls;
  Report("no-op change check (ms)", "ms", converge_poll, cli_poll, false);
  std::printf("  fetches during %d polls: %llu\n", settings.polls,
              static_cast<unsigned long long>(mirror.stats().fetches - 1));

  // Tree reads: every file of the head commit, `passes` times.
  converge::Result<std::unique_ptr<git::TreeView>> tree = mirror.Tree(*commit, "");
  if (!tree.ok()) return Fail(tree.status().message());
  std::ofstream requests(dir / "requests");
  for (int pass = 0; pass < settings.passes; ++pass) {
    for (int file = 0; file < settings.files; ++file) {
      requests << commit->sha << ":" << FilePath(file) << "\n";
    }
  }
  requests.close();
  int reads = settings.passes * settings.files;
  size_t bytes = 0;
  start = Clock::now();
  for (int pass = 0; pass < settings.passes; ++pass) {
    converge::Result<std::unique_ptr<git::TreeView>> view = mirror.Tree(*commit, "");
    for (int file = 0; file < settings.files; ++file) {
      converge::Result<std::string> text = (*view)->Read(FilePath(file));
      if (!text.ok()) return Fail(text.status().message());
      bytes += text->size();
    }
  }
  double converge_reads = reads / Seconds(start);
  start = Clock::now();
  Spawn({"/usr/bin/git", "-C", bare.string(), "cat-file", "--batch"}, (dir / "requests").string(),
        (dir / "batch-out").string());
  double cli_reads = reads / Seconds(start);
  Report("tree reads (files/s)", "/s", converge_reads, cli_reads, true);
  std::printf("  %d reads, %zu bytes\n", reads, bytes);

  kill(daemon, SIGTERM);
  waitpid(daemon, nullptr, 0);
  fs::remove_all(dir);
  return 0;
}
