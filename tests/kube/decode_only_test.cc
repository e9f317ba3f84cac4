// DecodeOptions::only and the quick reader (yaml_quick.h) against libyaml's full decode of the
// same text: the same error, or documents that agree, on every selected path for `only`. The full
// decode is the one checked against Helm in yaml_oracle_test.cc; here every YAML check must still
// fire in the parts that are not built or that the quick reader takes.

#include <algorithm>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "kube/kube.h"
#include "kube/yaml_quick.h"
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

// Both decodes, which may take the quick reader, against libyaml's full decode: the whole
// document must be the same, and the part the same along `only`.
void ExpectSameAsFullDecode(const std::string& text, std::span<const FieldPath> only,
                            const std::string& name) {
  Result<std::vector<Document>> full = yaml::DecodeWithLibyaml(text, name);
  Result<std::vector<Document>> quick = DecodeStream(text, name);
  ASSERT_EQ(quick.status().ToString(), full.status().ToString()) << name;
  if (full.ok()) {
    ASSERT_EQ(quick->size(), full->size()) << name;
    for (size_t i = 0; i < full->size(); ++i) {
      EXPECT_EQ((*quick)[i].value, (*full)[i].value) << name;
      EXPECT_EQ((*quick)[i].line, (*full)[i].line) << name;
      EXPECT_EQ((*quick)[i].index, (*full)[i].index) << name;
    }
  }
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

// Heads that only a reader of the whole document gets right, errors in what is skipped, and
// what the quick reader (yaml_quick.h) must take as libyaml does or leave to it.
std::vector<std::string> TrickyDocuments() {
  return {
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
      "kind: A\ndata: |\n      \n  foo\n",
      "kind: A\ndata: |\n  \n  foo\n",
      "kind: A\ndata: |\n  foo\n \tbar\n",
      "kind: A\ndata: |\n  foo\n  \tbar\n",
      "kind: A\ndata: |\n\tfoo\n",
      "kind: A\ndata: |\n  \tfoo\n",
      "kind: A\ndata: |\n  foo\n # comment\n  bar\n",
      "kind: A\ndata: |\n  foo\n # comment\nname: x\n",
      "kind: A\ndata: |\nfoo: 1\n",
      "kind: A\ndata: >-\n  folded\n  text\n\n  more\n",
      "kind: A\ndata: |2\n   x\n",
      "kind: A\ndata: |x\n  x\n",
      "kind: A\nspec:\n- a\n- b\nmetadata:\n  name: x\n",
      "kind: A\nitems:\n- name: a\n  value: |\n   text\n  other: 1\n",
      "kind: A\nitems:\n- name: a\n   value: 1\n",
      "kind: A\nitems:\n-\n  a: 1\n-\nb: 2\n",
      "kind: A\nitems:\n- - a\n",
      "kind: A\nitems:\n  - a\n - b\n",
      "kind: \"A\\tB\"\n",
      "kind: 'it''s'\nmetadata: {name: x}\n",
      "kind: A # comment\nmetadata: # c\n  name: n #c\n",
      "kind: A\nmetadata:\n  name:\n    nested: x\n",
      "kind: A\nmetadata:\n  name:\n  - x\n",
      "kind: A\nmetadata:\n- name: x\n",
      "metadata:\n  name: a\nmetadata:\n  name: b\n",
      "kind: A\nmetadata: {}\n",
      "kind: []\nmetadata: []\n",
      "kind: A\nmetadata:\nspec: 1\n",
      "kind: A\n\"helm.sh/hook\": x\nmetadata:\n  annotations:\n    \"helm.sh/hook\": "
      "pre-install\n",
      "kind: A\nkey: value:\n",
      "kind: A\nkey: a: b\n",
      "kind: A\nkey: a:b\n",
      "kind: A\nkey:value\n",
      "kind: A\n  name: x\n",
      "  kind: A\n  metadata:\n    name: x\n",
      "  kind: A\nmetadata: x\n",
      "kind: A\nspec: -1\nport: 1e999\n",
      "kind: A\nx: .NaN\n",
      "kind: 12\nmetadata:\n  name: true\n",
      "kind: A\n" + std::string(1100, 'k') + ": v\n",
      "kind: A\nnull: 1\n",
      "kind: A\nyes: 1\n1.5: 2\n",
      "kind: A\n- a\n",
      "kind: A\nv: \"a\\x41\"\n",
      "kind: A\nv: \"a\\/b\\\"\"\n",
      "kind: A\nv: \"unterminated\n  continues\"\n",
      "kind: A\nv: plain\n  continued\n",
      "kind: A\nv: \"closed\" trailing\n",
      "kind: A\nv: \"closed\"# comment\n",
      "kind: A\nv: - x\n",
      "kind: A\nv: -x\n",
      "kind: A\nv: ,x\n",
      "kind: A\nv: %x\n",
      "kind: A\nv: x #: y\n",
      "--- # head\nkind: A\n",
      "---#head\nkind: A\n",
      "kind: A\n...\n",
      "kind: A\nv: \xc3\xa9\n",
      "kind: A\nv: \xc2\x85\n",
      "kind: A\nv: \xe2\x80\xa8\n",
      "kind: A\nv: \xef\xbb\xbf\n",
      "kind: A\nv: \xc0\xaf\n",
      "kind: A\nv: \xed\xa0\x80\n",
      "kind: A\r\nmetadata:\r\n  name: x\r\n",
      "kind: A\n# tab\tin a comment\nmetadata:\n  name: x\n",
      "kind: A\nv: [a, b]\n",
      "kind: A\n.dockerconfigjson: abc\n-key: 1\n",
      "kind: A\nv: one\n  two\n\n   three\nw: x\n",
      "kind: A\nv: one\n  'two'\n  \"three\"\n  `four`\n  [five]\n  {six}\n  &seven\nw: x\n",
      "kind: A\nv: one\n  *two\n  !three\n  |four\n  >five\n  %six\n  @seven\n  ,eight\n",
      "kind: A\nv: one\n  'two\n  three'\n",
      "a: |\n  one\n\n   two  \n\t\n\nb: |-\n  x\n\n\nc: |+\n  y\n\n\nd: >\n  f\n  g\n",
      "a: |\n\n\n  late\n  \n      \nb: x\n",
      "a: |+\n  kept\n\n",
      "a: |-\n  stripped",
      "a: |\n  clipped",
      "a: |\n  x\n    deeper\n  back\n",
      "a: |\nb: 1\n",
      "a: |+\n\nb: 1\n",
      "a: one\n  two\n\n\n  three  \n    four\nb: 1\n",
      "a: 1\n  2\nb: true\n  false\nc: 0x1F\nd: 1e3\ne: -.5\nf: ~\ng: Null\nh: 2001-12-14\n",
      "a: \"e\\\\s\\\"c\\na\\tp\\0e\\e\\N\\_\\L\\P\\/\\ x\"\nb: 'it''s'\n\"k\\ty\": 1\n'k''y': 2\n",
      "a: [1, \"two\", 'three', true, null, 0o17, x y]\nb: []\nc: {}\n",
      "a: 1\na: 2\nb:\n  c: 1\nb:\nd:\n",
      "list:\n- a\n-\n- b: 1\n  c:\n  - d\n  - e: f\n    g: h\n-\n  i: j\n- - k\n",
      "a:\n  - x\n  -\n    - y\n",
      "a:\n  b:\n    c:\n      d: deep\n  e: back\nf: top\n",
      "a: yes\nb: No\nc: on\nd: 0b101\ne: +12\nf: 1_000\ng: 190:20:30\nh: .inf\n",
      "a: 12345678901234567890\nb: 1.0\nc: 1e400\n",
      "true: 1\n1: 2\n0x10: 3\n1.5: 4\n",
      "a: \"multi\n  line\"\n",
      "a: |\n  x\nb: >-\n  y\n",
      "a: >\n  one\n  two\n\n  three\n    indented\n  four\n\n\n  five\n   \n  six\nb: >+\n  x\n\n",
      "a: >-\n  \ttab\n  next\n\n\nb: >\n\n  after empty\n  line\n",
      "a: one\n  # comment\nb: two\n  -three\n  - four\n  ?five\n",
      "a: one\n  # comment\n  two\n",
      "a:\n  |\n   own line\nb:\n  plain on\n  its own\nc:\n  [x]\n",
      "kind: A\nv: one # comment\n  two\n",
      "kind: A\nv: one\n  # comment\nw: x\n",
      "kind: A\nv: one\n  - two\n",
      "kind: A\nv: one\n  two: three\n",
      "kind: A\nv: one\n \ttwo\n",
      "kind: A\nv: one\n---\nw: x\n",
      "kind: A\nv:\n  one\n  two\nw: x\n",
      "kind: A\nv:\n  {}\nw:\n  []\n",
      "kind: A\nv:\n  {}\n  x: 1\n",
      "kind: A\nv:\n  |\n text\nw: x\n",
      "kind: A\nv:\n  \"quoted\"\n",
      "kind: A\nitems:\n- one\n  two\n- :8080\n- ?x\n",
      "kind: A\nmetadata:\n  name:\n    late\n",
      "kind:\n  A\n",
      "kind: A\nmetadata:\n  name: a\n    b\n",
      "kind: A\nv: [\"a\", 'b', c, -1, 0x1F]\n",
      "kind: A\nv: [ \"a\" ]\nw: [a b, c]\n",
      "kind: A\nv: [a, b,]\n",
      "kind: A\nv: [a, , b]\n",
      "kind: A\nv: [a: b]\n",
      "kind: A\nv: [a, [b]]\n",
      "kind: A\nv: [a, .inf]\n",
      "kind: A\nv: [a,\n  b]\n",
      "kind: A\nv: [\"a\":b]\n",
      "kind: A\nv: [a] trailing\n",
      "kind: A\nv: [*a]\n",
      "kind: [A]\n",
      "kind: A\nv: 'one: two\n three, ''four''\n\n five'\nw: x\n",
      "kind: A\nv: \"one \\\n  two\\t\n\tthree\"   # done\nw: x\n",
      "kind: A\nv: 'one\n--- two'\n",
      "kind: A\nv: 'one\n---\n'\n",
      "kind: A\nv: \"one\n\\q\"\n",
      "kind: A\nv: 'one\ntwo' three\n",
      "kind: A\nv: 'one\ntwo'\n  w: x\n",
      "kind: A\nv: 'one\n",
      "kind: 'A\n  B'\n",
      "kind: A\nmetadata:\n  annotations:\n    {}\n  name:\n    n\n",
      "kind: A\nmetadata:\n  annotations:\n    []\n",
      "kind: A\nmetadata:\n  annotations:\n    text\n    more\n",
      "kind: A\ndata: |\n    \n  x\n",
      "kind: A\ndata: |\n  \n    x\n",
      "kind: A\ndata: |\n   \n\n   x\n  y: 1\n",
  };
}

TEST(DecodeOnlyTest, HeadsAndErrorsMatchAFullDecode) {
  for (const std::string& text : TrickyDocuments()) ExpectSameAsFullDecode(text, kHead, text);
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

// The manifests of the corpus's Git repositories and Kustomize trees, and its charts' values.
std::vector<std::pair<std::string, std::string>> CorpusYaml() {
  std::vector<std::pair<std::string, std::string>> files;
  fs::path corpus = testing::CorpusDir();
  for (const char* tree : {"gitops", "kustomize", "charts"}) {
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(corpus / tree)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || !entry.path().string().ends_with(".yaml")) continue;
      if (std::string_view(tree) == "charts" && name != "values.yaml") continue;
      files.emplace_back(entry.path().lexically_relative(corpus).string(),
                         testing::ReadFile(entry.path()));
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The quick reader (yaml_quick.h) answers for most of these, and its answers must be libyaml's.
TEST(DecodeOnlyTest, QuickReaderAgreesOnTheCorpus) {
  std::vector<std::pair<std::string, std::string>> files = CorpusYaml();
  ASSERT_GT(files.size(), 250u);
  size_t quick = 0;
  size_t quick_whole = 0;
  for (const auto& [name, text] : files) {
    ExpectSameAsFullDecode(text, kHead, name);
    if (yaml::QuickDecode(text, kHead)) ++quick;
    if (yaml::QuickDecode(text, {})) ++quick_whole;
  }
  EXPECT_GT(quick, files.size() / 2);
  EXPECT_GT(quick_whole, files.size() / 2);
}

// Changes of one place in a manifest that a YAML reader cares about: the quick reader either
// gives up or agrees with libyaml, on errors and on values.
TEST(DecodeOnlyTest, QuickReaderAgreesOnMutatedManifests) {
  const std::vector<std::string> pieces = {" ",
                                           "\n",
                                           ":",
                                           ": ",
                                           "-",
                                           "- ",
                                           "#",
                                           " #",
                                           "\t",
                                           "\"",
                                           "'",
                                           "|",
                                           ">",
                                           "|-",
                                           "[",
                                           "]",
                                           "{",
                                           "}",
                                           "[]",
                                           "{}",
                                           "&a ",
                                           "*a",
                                           "!!str ",
                                           "%",
                                           "@",
                                           "`",
                                           ",",
                                           "?",
                                           "? ",
                                           "\\",
                                           "\\x",
                                           "\r",
                                           "\xc2\x85",
                                           "\x7f",
                                           "\x01",
                                           "\xc3",
                                           "\xe2\x80\xa8",
                                           "\xef\xbb\xbf",
                                           "~",
                                           "null",
                                           ".inf",
                                           "1e999",
                                           "<<",
                                           "---",
                                           "...",
                                           "  ",
                                           "\n  ",
                                           "\n-",
                                           "\n  - ",
                                           "kind",
                                           "name",
                                           "\"a\"",
                                           "''",
                                           "0x1F",
                                           "yes",
                                           "\xc3\xa9"};
  std::vector<std::pair<std::string, std::string>> files = CorpusYaml();
  for (const std::string& text : TrickyDocuments()) files.emplace_back("tricky", text);
  std::mt19937 random(20261130);
  size_t mutants = 0;
  size_t quick = 0;
  size_t quick_whole = 0;
  for (const auto& [name, text] : files) {
    if (text.size() > 3000 || name.ends_with("values.yaml")) continue;
    for (int i = 0; i < 120; ++i) {
      std::string mutant = text;
      size_t at = std::uniform_int_distribution<size_t>(0, mutant.size())(random);
      const std::string& piece = pieces[random() % pieces.size()];
      switch (random() % 4) {
        case 0:
          mutant.insert(at, piece);
          break;
        case 1:
          mutant.replace(at, std::min<size_t>(piece.size(), mutant.size() - at), piece);
          break;
        case 2:
          mutant.erase(at, 1 + random() % 3);
          break;
        default: {
          // Moves a line's start left or right.
          size_t line = mutant.rfind('\n', at == 0 ? 0 : at - 1);
          line = line == std::string::npos ? 0 : line + 1;
          if (random() % 2 != 0) {
            mutant.insert(line, std::string(1 + random() % 2, ' '));
          } else if (mutant.compare(line, 1, " ") == 0) {
            mutant.erase(line, 1);
          }
        }
      }
      ++mutants;
      if (yaml::QuickDecode(mutant, kHead)) ++quick;
      if (yaml::QuickDecode(mutant, {})) ++quick_whole;
      ExpectSameAsFullDecode(mutant, kHead, name + " mutant " + std::to_string(i) + ":\n" + mutant);
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(mutants, 5000u);
  EXPECT_GT(quick, mutants / 4);
  EXPECT_GT(quick_whole, mutants / 4);
}

}  // namespace
}  // namespace converge::kube
