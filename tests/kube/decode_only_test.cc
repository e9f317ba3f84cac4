// DecodeOptions::only against a full decode of the same text: the same error, or documents that
// agree on every selected path. The full decode is the one checked against Helm in
// yaml_oracle_test.cc; here every YAML check must still fire in the parts that are not built.

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "kube/kube.h"
#include "tests/support/support.h"

namespace converge::kube {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kKind[] = {"kind"};
constexpr std::string_view kName[] = {"metadata", "name"};
constexpr std::string_view kHook[] = {"metadata", "annotations", "helm.sh/hook"};
constexpr FieldPath kHead[] = {kKind, kName, kHook};

// The value at `path`, or nullptr when a mapping on the way lacks the key.
const json* At(const json& value, FieldPath path) {
  const json* node = &value;
  for (std::string_view key : path) {
    if (!node->is_object()) return nullptr;
    auto found = node->find(key);
    if (found == node->end()) return nullptr;
    node = &*found;
  }
  return node;
}

void ExpectSameAsFullDecode(const std::string& text, std::span<const FieldPath> only,
                            const std::string& name) {
  Result<std::vector<Document>> full = DecodeStream(text, name);
  Result<std::vector<Document>> part = DecodeStream(text, name, DecodeOptions{.only = only});
  ASSERT_EQ(part.status().ToString(), full.status().ToString()) << name;
  if (!full.ok()) return;
  ASSERT_EQ(part->size(), full->size()) << name;
  for (size_t i = 0; i < full->size(); ++i) {
    const json& whole = (*full)[i].value;
    const json& built = (*part)[i].value;
    EXPECT_EQ(built.type(), whole.type()) << name;
    EXPECT_EQ((*part)[i].line, (*full)[i].line) << name;
    for (FieldPath path : only) {
      const json* expected = At(whole, path);
      const json* actual = At(built, path);
      ASSERT_EQ(actual == nullptr, expected == nullptr) << name << " at " << path.front();
      if (expected != nullptr) {
        EXPECT_EQ(*actual, *expected) << name << " at " << path.front();
      }
    }
  }
}

// Heads that only a reader of the whole document gets right, and errors in what is skipped.
TEST(DecodeOnlyTest, HeadsAndErrorsMatchAFullDecode) {
  const std::vector<std::string> cases = {
      "kind: A\nmetadata:\n  name: n\n  annotations:\n    helm.sh/hook: test\nspec: {a: 1}\n",
      "kind: A\nkind: B\nmetadata: {name: x}\nmetadata: {labels: {a: b}}\n",
      "kind: A\n<<: {kind: B, metadata: {name: merged}}\n",
      "<<: [{kind: First}, {kind: Second}]\nmetadata:\n  <<: {annotations: {helm.sh/hook: x}}\n",
      "base: &m\n  name: aliased\n  annotations: {helm.sh/hook: post-install}\nmetadata: *m\n",
      "spec: &s {kind: Inner}\n<<: *s\n",
      "spec:\n  <<: &list [{a: 1}, {b: 2}]\n  c: *list\n<<: *list\n",
      "\"kind\": quoted\n!!str metadata: {\"name\": tagged}\n",
      "? kind\n: explicit\nmetadata: {name: [a, b]}\n",
      "kind: [A]\nmetadata: [{name: x}]\n",
      "metadata:\n  annotations:\n    helm.sh/hook: &h pre-install\nspec: {hook: *h}\n",
      "- kind: A\n- kind: B\n",
      "just a string\n",
      "42\n",
      "",
      "kind: A\n---\nkind: B\nmetadata: {name: second}\n",
      "kind: A\nspec:\n  a: 1\n   b: 2\n",
      "kind: A\nspec: {a: [1, 2}\n",
      "kind: A\nspec:\n  a: \"abc\n",
      "kind: A\nspec:\n\ta: 1\n",
      "kind: A\nspec:\n  a: .nan\n",
      "kind: A\nspec:\n  - a: [1, -.inf]\n",
      "kind: A\nspec:\n  a: *nope\n",
      "kind: A\nspec: &a\n  b: *a\n",
      "kind: A\nspec:\n  a:\n    <<: [1, 2]\n",
      "kind: A\nspec:\n  a:\n    <<: [{b: 1}, 2]\n",
      "kind: A\nspec:\n  a:\n    <<: scalar\n",
      "kind: A\nspec:\n  x: &x 1\n  a:\n    <<: *x\n",
      "kind: A\nspec:\n  a: !!int abc\n",
      "kind: A\nspec:\n  ~: 1\n",
      "kind: A\nspec:\n  18446744073709551615: 1\n",
      "kind: A\nspec:\n  ? [a, b]\n  : 1\n",
      "kind: A\nspec:\n  ? {a: b}\n  : 1\n",
      "kind: A\nspec:\n  a: !!binary \"%%%%\"\n",
      "kind: A\nspec:\n  a: !!binary aGVsbG8=\n",
      "kind: A\nspec:\n  &k key: 1\n  b: *k\n",
      "kind: A\nspec: " + std::string(2000, '[') + "\n",
      "kind: A\nspec: {a: 1}\n...\nb: 2\n",
  };
  for (const std::string& text : cases) ExpectSameAsFullDecode(text, kHead, text);
}

TEST(DecodeOnlyTest, MatchesAFullDecodeOnTheYamlCorpus) {
  for (const fs::directory_entry& entry :
       fs::directory_iterator(testing::SourceDir() / "tests/kube/testdata/yaml")) {
    std::string text = testing::ReadFile(entry.path());
    std::string name = entry.path().filename().string();
    ExpectSameAsFullDecode(text, kHead, name);
    // Each top-level key alone, then each with its first key below.
    Result<std::vector<Document>> full = DecodeStream(text, name);
    if (!full.ok() || full->empty() || !full->front().value.is_object()) continue;
    std::vector<std::vector<std::string_view>> keys;
    for (auto it = full->front().value.begin(); it != full->front().value.end(); ++it) {
      keys.push_back({it.key()});
      if (it->is_object() && !it->empty()) keys.push_back({it.key(), it->begin().key()});
    }
    for (const std::vector<std::string_view>& path : keys) {
      FieldPath only[] = {path};
      ExpectSameAsFullDecode(text, only, name + " only " + std::string(path.back()));
    }
  }
}

}  // namespace
}  // namespace converge::kube
