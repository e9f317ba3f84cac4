#pragma once
// tests/support/support.h: what the tests share: scratch directories, the shared corpus, and the
// reference tools (helm, kubectl) that act as oracles. Never part of the product.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace converge::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `relative`, creating parent directories. Returns the full path.
  std::filesystem::path Write(std::string_view relative, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::filesystem::path& path);

// The repository root (tests run from it; CONVERGE_SOURCE_DIR overrides).
std::filesystem::path SourceDir();

// ../shared/corpus of the workplace: $CONVERGE_SHARED/corpus, else ../shared next to the
// repository, else /work/shared. Fails the calling test when it cannot be found.
std::filesystem::path CorpusDir();

// The directory holding helm3, helm4 and kubectl as installed by shared/tools/install-oracles:
// $CONVERGE_ORACLES, else ~/.cache/oracles/bin.
std::filesystem::path OracleDir();

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program (no shell) and collects its output.
ProcessResult Run(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {});

// The converge binary under test ($CONVERGE_BINARY, set by CTest).
std::filesystem::path ConvergeBinary();

// A child process whose standard output is read as it comes. Killed (SIGKILL) and reaped on
// destruction if still running.
class Process {
 public:
  // stderr goes to `stderr_file` (or /dev/null).
  static std::unique_ptr<Process> Start(const std::vector<std::string>& argv,
                                        const std::filesystem::path& stderr_file = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Reads output until it contains `needle` (true) or `timeout` passes or the pipe closes.
  bool WaitForOutput(std::string_view needle, std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }
  void Signal(int signal_number);
  // Waits for exit; returns the exit code (128+signal when killed).
  int Wait();
  pid_t pid() const { return pid_; }

 private:
  Process() = default;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string output_;
};

// `converge apiserver` in its own data directory on a free port, as the tests and a user run
// it. The kubectl oracle gets a private cache directory.
class ApiServer {
 public:
  explicit ApiServer(std::vector<std::string> extra_flags = {});
  ~ApiServer();

  const std::string& url() const { return url_; }
  std::filesystem::path data_dir() const { return dir_.path() / "data"; }
  std::filesystem::path kubeconfig() const { return data_dir() / "kubeconfig"; }
  std::string token() const;
  // The server's port; kept across Restart().
  int port() const { return port_; }

  // kubectl --kubeconfig ... ARGS
  ProcessResult Kubectl(std::vector<std::string> args) const;
  std::unique_ptr<Process> KubectlInBackground(std::vector<std::string> args) const;
  // Writes `yaml` to a file in the scratch directory and returns its path.
  std::filesystem::path File(const std::string& name, const std::string& yaml) const;

  void Kill();     // SIGKILL, as a crash
  void Restart();  // start again on the same data directory and port

 private:
  void Launch(const std::string& listen);
  TempDir dir_;
  std::vector<std::string> flags_;
  std::unique_ptr<Process> process_;
  std::string url_;
  int port_ = 0;
};

// Looks at `condition` every `interval` until it holds (true) or `limit` passes (false). For
// what a process under test brings about: the limit only keeps a broken one from hanging the
// suite, it asserts nothing about speed.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds interval = std::chrono::milliseconds(100),
                std::chrono::seconds limit = std::chrono::seconds(90));

// --- Helm as the oracle for sigs.k8s.io/yaml (helm 4.1.4 reads values with it) ---

// What Helm makes of each YAML file: all files of `files` (name -> content) are read in one
// `helm template` run through `.Files.Get | fromYaml`, the function that reads one document the
// way values files are read. Returns name -> {"json": toJson bytes, "yaml": toYaml bytes} or
// name -> {"error": message}.
nlohmann::json HelmReadYamlFiles(const std::vector<std::pair<std::string, std::string>>& files);

// What Helm makes of a whole values file, documents merged (the multi-document path:
// apimachinery's YAMLReader, then sigs.k8s.io/yaml per document). {"json": ...} or {"error"}.
nlohmann::json HelmReadValuesFile(std::string_view content);

}  // namespace converge::testing
