#pragma once
// Helpers shared by the diff tests: reading objects, and capturing every text the tests
// produce so the leak test can search it for Secret values.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "diff/diff.h"
#include "kube/kube.h"

namespace converge::diff::testing {

// Objects of a YAML file; fails the calling test on a decode error.
std::vector<kube::Object> ReadObjects(const std::filesystem::path& path);
kube::Object ReadObject(const std::filesystem::path& path);
kube::Object ParseObject(std::string_view yaml);
std::filesystem::path TestData(std::string_view name);
std::filesystem::path Corpus(std::string_view relative);

// Everything a comparison produced, as text: status, differences and both diff texts.
std::string Dump(const ResourceDiff& resource);
std::string Dump(const Report& report);

// Appends `text` to $CONVERGE_CAPTURE_DIR/<test>.txt when that variable is set.
void Capture(std::string_view text);

// The values of the Secret fixture (tests/diff/testdata/secret.yaml) and the one the tests
// write over it, plain.
std::vector<std::string> SecretFixtureValues();

}  // namespace converge::diff::testing
