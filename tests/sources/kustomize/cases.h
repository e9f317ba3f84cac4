#pragma once
// tests/sources/kustomize/cases.h: the feature suite's cases. Each case is one file under
// tests/sources/kustomize/cases/, a small directory tree written as sections:
//   -- kustomization.yaml --      an input file (any relative path)
//   -- #dir --                    optional: the directory to build (default ".")
//   -- #expected --               what `kubectl kustomize` printed, verbatim
//   -- #error --                  or, when it failed, the first line of its error
// Expected sections are written by kubectl (CONVERGE_UPDATE_EXPECTED=1), never by hand.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/support/support.h"

namespace converge::sources::kustomize::suite {

// In error lines, the scratch directory a case was built in is written as this.
inline constexpr const char* kRootMarker = "$ROOT";

struct Outcome {
  bool failed = false;
  std::string text;  // the output, or the error's first line with the root replaced
  bool operator==(const Outcome&) const = default;
};

struct Case {
  std::string name;  // file name without extension
  std::vector<std::pair<std::string, std::string>> files;
  std::string dir = ".";
  Outcome expected;
};

std::filesystem::path CasesDir();
std::vector<std::string> CaseNames();
Case LoadCase(const std::string& name);
void SaveCase(const Case& c);
// Writes the case's files into `dir`.
void Materialize(const Case& c, const converge::testing::TempDir& dir);
// `kubectl kustomize --enable-helm` (helm 3) on a materialized case.
Outcome RunKubectl(const Case& c, const std::filesystem::path& root);
// The first line of `message`, with `root` replaced by kRootMarker and kustomize's generator
// addresses dropped.
std::string FirstLine(std::string message, const std::string& root);

}  // namespace converge::sources::kustomize::suite
