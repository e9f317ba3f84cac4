#pragma once
// tests/support/support.h: what the tests share: scratch directories, the shared corpus, and the
// reference tools (helm, kubectl) that act as oracles. Never part of the product.

#include <filesystem>
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
