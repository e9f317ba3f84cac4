#include <cstdlib>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <unistd.h>

#include "base/file.h"
#include "tests/support/support.h"

namespace converge::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate =
        fs::temp_directory_path() /
        ("converge-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    if (fs::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  ADD_FAILURE() << "cannot create a temporary directory";
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

fs::path TempDir::Write(std::string_view relative, std::string_view content) const {
  fs::path file = path_ / relative;
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << content;
  return file;
}

std::string ReadFile(const fs::path& path) { return converge::ReadFile(path).value_or(""); }

fs::path SourceDir() {
  if (const char* dir = std::getenv("CONVERGE_SOURCE_DIR")) return dir;
  return fs::current_path();
}

fs::path CorpusDir() {
  std::vector<fs::path> candidates;
  if (const char* shared = std::getenv("CONVERGE_SHARED")) candidates.emplace_back(shared);
  candidates.push_back(SourceDir().parent_path() / "shared");
  candidates.emplace_back("/work/shared");
  for (const fs::path& candidate : candidates) {
    if (fs::is_directory(candidate / "corpus")) return candidate / "corpus";
  }
  ADD_FAILURE() << "the shared corpus is missing: set CONVERGE_SHARED to the folder that holds "
                   "corpus/ and tools/";
  return "/nonexistent-corpus";
}

fs::path OracleDir() {
  if (const char* dir = std::getenv("CONVERGE_ORACLES")) return dir;
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "/root") / ".cache/oracles/bin";
}

fs::path ConvergeBinary() {
  const char* binary = std::getenv("CONVERGE_BINARY");
  if (binary == nullptr) {
    ADD_FAILURE() << "CONVERGE_BINARY is not set; run the tests through ctest";
    return "/nonexistent-converge";
  }
  return binary;
}

}  // namespace converge::testing
