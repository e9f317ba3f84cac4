// What can be checked of the Dockerfile without a container engine: the runtime stage's
// packages (with what apt installs for them) own every shared library the built `converge`
// loads (ldd, then dpkg -S), the build stage installs scripts/lib.sh's build packages and its
// CMake configuration works, and the image's user is the one the chart runs as.
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge {
namespace {

namespace fs = std::filesystem;
using testing::ProcessResult;

std::string Dockerfile() { return testing::ReadFile(testing::SourceDir() / "Dockerfile"); }

// The text from `from` up to the first line not ending in a backslash, continuations joined.
std::string Instruction(const std::string& text, size_t from) {
  std::string out;
  std::istringstream in(text.substr(from));
  for (std::string line; std::getline(in, line);) {
    bool continued = !line.empty() && line.back() == '\\';
    out += (continued ? line.substr(0, line.size() - 1) : line) + " ";
    if (!continued) break;
  }
  return out;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// The packages of the runtime stage's `apt-get install ... --no-install-recommends P... &&`.
std::set<std::string> RuntimePackages() {
  std::string text = Dockerfile();
  size_t stage = text.find("FROM debian:bookworm-slim");
  EXPECT_NE(stage, std::string::npos);
  size_t run = text.find("RUN apt-get update", stage);
  EXPECT_NE(run, std::string::npos);
  std::set<std::string> packages;
  bool listing = false;
  for (const std::string& word : Words(Instruction(text, run))) {
    if (word == "&&" && listing) break;
    if (listing) packages.insert(word);
    if (word == "--no-install-recommends") listing = true;
  }
  return packages;
}

// Package names of a Depends field: "a (>= 1), b | c" -> a, b, c.
std::vector<std::string> DependencyNames(const std::string& field) {
  std::vector<std::string> names;
  std::string current;
  bool in_version = false;
  for (char c : field + ",") {
    if (c == '(') in_version = true;
    if (c == ')') in_version = false;
    if (in_version || c == ')') continue;
    if (c == ',' || c == '|' || c == ' ') {
      if (!current.empty()) names.push_back(current.substr(0, current.find(':')));
      current.clear();
      continue;
    }
    current += c;
  }
  return names;
}

// `packages` and everything they depend on, as installed on this machine.
std::set<std::string> WithDependencies(std::set<std::string> packages) {
  std::vector<std::string> pending(packages.begin(), packages.end());
  while (!pending.empty()) {
    std::string package = pending.back();
    pending.pop_back();
    ProcessResult fields =
        testing::Run({"dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package});
    if (fields.exit_code != 0) continue;  // an alternative that is not installed here
    for (const std::string& name : DependencyNames(fields.out)) {
      if (packages.insert(name).second) pending.push_back(name);
    }
  }
  return packages;
}

// The package owning a library path; merged /usr means dpkg may know it under either prefix.
std::string OwningPackage(const std::string& path) {
  std::vector<std::string> candidates = {path, "/usr" + path, fs::weakly_canonical(path).string()};
  if (path.rfind("/usr/", 0) == 0) candidates.push_back(path.substr(4));
  for (const std::string& candidate : candidates) {
    ProcessResult owner = testing::Run({"dpkg", "-S", candidate});
    if (owner.exit_code == 0) return owner.out.substr(0, owner.out.find(':'));
  }
  return "";
}

// Resolved library paths from ldd. The sanitizer build links the sanitizer runtimes, which the
// image's Release build does not.
std::vector<std::string> LoadedLibraries(const fs::path& binary) {
  ProcessResult ldd = testing::Run({"ldd", binary.string()});
  EXPECT_EQ(ldd.exit_code, 0) << ldd.err;
  std::vector<std::string> paths;
  std::istringstream in(ldd.out);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> words = Words(line);
    if (words.size() < 3 || words[1] != "=>" || words[2].front() != '/') continue;
    if (words[0].rfind("libasan", 0) == 0 || words[0].rfind("libubsan", 0) == 0) continue;
    paths.push_back(words[2]);
  }
  return paths;
}

TEST(Dockerfile, RuntimePackagesProvideEveryLoadedLibrary) {
  std::set<std::string> listed = RuntimePackages();
  ASSERT_FALSE(listed.empty());
  EXPECT_TRUE(listed.contains("ca-certificates"));
  std::set<std::string> installed = WithDependencies(listed);
  std::vector<std::string> libraries = LoadedLibraries(testing::ConvergeBinary());
  ASSERT_GT(libraries.size(), 5u);
  for (const std::string& library : libraries) {
    std::string package = OwningPackage(library);
    EXPECT_FALSE(package.empty()) << "no package owns " << library;
    EXPECT_TRUE(installed.contains(package))
        << library << " comes from " << package << ", which the runtime stage does not install";
  }
}

TEST(Dockerfile, BuildStageInstallsTheBuildPackagesOfLibSh) {
  EXPECT_NE(Dockerfile().find("FROM debian:bookworm AS build"), std::string::npos);
  EXPECT_NE(Dockerfile().find(". scripts/lib.sh && install_packages "
                              "\"${CONVERGE_BUILD_PACKAGES[@]}\""),
            std::string::npos);
}

// The build stage's CMake configuration, with its flags as written in the Dockerfile.
TEST(Dockerfile, BuildStageConfigures) {
  std::string text = Dockerfile();
  size_t run = text.find("RUN cmake -S . -B build");
  ASSERT_NE(run, std::string::npos);
  testing::TempDir dir;
  std::vector<std::string> argv = {"cmake", "-S", testing::SourceDir().string(), "-B",
                                   (dir.path() / "build").string()};
  std::vector<std::string> words = Words(Instruction(text, run));
  for (size_t i = 6; i < words.size() && words[i] != "&&"; ++i) argv.push_back(words[i]);
  ASSERT_NE(std::find(argv.begin(), argv.end(), "-DCMAKE_BUILD_TYPE=Release"), argv.end());
  ProcessResult configured = testing::Run(argv);
  ASSERT_EQ(configured.exit_code, 0) << configured.out << configured.err;
  ProcessResult targets =
      testing::Run({"ninja", "-C", (dir.path() / "build").string(), "-t", "targets", "all"});
  EXPECT_NE(targets.out.find("operator/converge:"), std::string::npos);
}

TEST(Dockerfile, RunsAsTheChartsUser) {
  std::string values = testing::ReadFile(testing::SourceDir() / "charts/converge/values.yaml");
  EXPECT_NE(Dockerfile().find("\nUSER 65532:65532\n"), std::string::npos);
  EXPECT_NE(values.find("runAsUser: 65532\n"), std::string::npos);
  EXPECT_NE(Dockerfile().find("ENTRYPOINT [\"/usr/local/bin/converge\"]"), std::string::npos);
}

TEST(Dockerfile, DependencyNamesDropVersionsAndKeepAlternatives) {
  EXPECT_EQ(DependencyNames("libc6 (>= 2.34), libssl3 | libssl1.1, zlib1g:amd64"),
            (std::vector<std::string>{"libc6", "libssl3", "libssl1.1", "zlib1g"}));
}

}  // namespace
}  // namespace converge
