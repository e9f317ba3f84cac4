// Differential tests of the YAML reader and the YAML/JSON writers.
//
// Oracle: Helm 4.1.4, which reads YAML with sigs.k8s.io/yaml (goyaml.v2 + JSON), the same
// library kubectl reads manifests with. Single documents go through `.Files.Get | fromYaml`
// (printed with toJson and toYaml); multi-document files through a values file, which Helm
// splits with apimachinery's YAMLReader and merges. Helm turns every number into a float64, so
// values are compared by JSON type and numeric value, not by number spelling.
//
// The corpus is tests/kube/testdata/yaml: one file per YAML feature.

#include <algorithm>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "kube/kube.h"
#include "tests/support/support.h"

namespace converge::kube {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Same JSON kind and value; numbers compared as doubles.
void ExpectSameValue(const json& ours, const json& oracle, const std::string& path) {
  if (ours.is_number() && oracle.is_number()) {
    EXPECT_EQ(ours.get<double>(), oracle.get<double>()) << "at " << path;
    return;
  }
  ASSERT_EQ(ours.type_name(), std::string(oracle.type_name()))
      << "at " << path << ": ours " << ours.dump() << " oracle " << oracle.dump();
  if (ours.is_object()) {
    std::vector<std::string> our_keys;
    std::vector<std::string> oracle_keys;
    for (auto it = ours.begin(); it != ours.end(); ++it) our_keys.push_back(it.key());
    for (auto it = oracle.begin(); it != oracle.end(); ++it) oracle_keys.push_back(it.key());
    ASSERT_EQ(our_keys, oracle_keys) << "at " << path;
    for (const std::string& key : our_keys) {
      ExpectSameValue(ours[key], oracle[key], path + "." + key);
    }
  } else if (ours.is_array()) {
    ASSERT_EQ(ours.size(), oracle.size()) << "at " << path;
    for (size_t i = 0; i < ours.size(); ++i) {
      ExpectSameValue(ours[i], oracle[i], path + "[" + std::to_string(i) + "]");
    }
  } else {
    EXPECT_EQ(ours, oracle) << "at " << path;
  }
}

std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

struct CorpusFile {
  std::string name;
  std::string content;
};

std::vector<CorpusFile> LoadCorpus(bool multidoc) {
  std::vector<CorpusFile> files;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(testing::SourceDir() / "tests/kube/testdata/yaml")) {
    std::string name = entry.path().filename().string();
    if (name.starts_with("multidoc-") == multidoc) {
      files.push_back({name, testing::ReadFile(entry.path())});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const CorpusFile& a, const CorpusFile& b) { return a.name < b.name; });
  return files;
}

class YamlOracleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    single_ = new std::vector<CorpusFile>(LoadCorpus(false));
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const CorpusFile& file : *single_) inputs.emplace_back(file.name, file.content);
    helm_ = new json(testing::HelmReadYamlFiles(inputs));
  }
  static void TearDownTestSuite() {
    delete single_;
    delete helm_;
  }
  static std::vector<CorpusFile>* single_;
  static json* helm_;
};

std::vector<CorpusFile>* YamlOracleTest::single_ = nullptr;
json* YamlOracleTest::helm_ = nullptr;

TEST_F(YamlOracleTest, CorpusIsComplete) {
  EXPECT_GE(single_->size(), 25u);
  EXPECT_EQ(helm_->size(), single_->size()) << "helm printed a line per file";
}

TEST_F(YamlOracleTest, DecodedValuesMatchHelm) {
  for (const CorpusFile& file : *single_) {
    SCOPED_TRACE(file.name);
    ASSERT_TRUE(helm_->contains(file.name));
    const json& oracle = (*helm_)[file.name];
    Result<std::vector<Document>> ours = DecodeStream(file.content, file.name);
    if (oracle.contains("error")) {
      EXPECT_FALSE(ours.ok()) << "helm refused it: " << oracle["error"];
      if (!ours.ok()) {
        EXPECT_TRUE(ours.status().message().starts_with(file.name + ":"))
            << "errors start with file:line: " << ours.status().message();
      }
      continue;
    }
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    ASSERT_EQ(ours->size(), 1u);
    ExpectSameValue((*ours)[0].value, json::parse(oracle["json"].get<std::string>()), "$");
  }
}

TEST_F(YamlOracleTest, EncodersPrintHelmsBytes) {
  size_t compared = 0;
  for (const CorpusFile& file : *single_) {
    SCOPED_TRACE(file.name);
    const json& oracle = (*helm_)[file.name];
    if (oracle.contains("error")) continue;
    // Encode exactly what Helm holds, so both encoders see the same input.
    json value = json::parse(oracle["json"].get<std::string>());
    EXPECT_EQ(EncodeJson(value), oracle["json"].get<std::string>());
    // toYaml drops the final newline that the encoder writes.
    std::string expected = oracle["yaml"].get<std::string>() + "\n";
    std::string ours = EncodeYaml(value);
    if (file.name.starts_with("keys")) {
      // These keys form cycles under goyaml's key order, and Go sorts them starting from
      // random map iteration order, so Helm's line order varies between runs: compare lines.
      EXPECT_EQ(SortedLines(ours), SortedLines(expected));
    } else {
      EXPECT_EQ(ours, expected);
    }
    ++compared;
  }
  EXPECT_GE(compared, 18u);
}

// Multi-document files: our documents, merged as Helm merges a values file's documents.
TEST(YamlMultiDocumentOracleTest, DocumentsMatchHelmsSplitting) {
  std::vector<CorpusFile> files = LoadCorpus(true);
  ASSERT_GE(files.size(), 4u);
  for (const CorpusFile& file : files) {
    SCOPED_TRACE(file.name);
    json oracle = testing::HelmReadValuesFile(file.content);
    Result<std::vector<Document>> ours = DecodeStream(file.content, file.name);
    if (file.name == "multidoc-content-after-end.yaml") {
      // Deliberate difference: Helm and kubectl silently drop what follows "...", we refuse it.
      ASSERT_TRUE(oracle.contains("json"));
      EXPECT_EQ(json::parse(oracle["json"].get<std::string>()), json({{"first", 1}}));
      ASSERT_FALSE(ours.ok());
      EXPECT_NE(ours.status().message().find("multidoc-content-after-end.yaml:3:1: document 1"),
                std::string::npos)
          << ours.status().message();
      continue;
    }
    if (oracle.contains("error")) {
      EXPECT_FALSE(ours.ok()) << "helm refused it: " << oracle["error"];
      continue;
    }
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    json merged = json::object();
    for (const Document& document : *ours) {
      if (document.value.is_null()) continue;
      ASSERT_TRUE(document.value.is_object());
      for (auto it = document.value.begin(); it != document.value.end(); ++it) {
        merged[it.key()] = it.value();
      }
    }
    ExpectSameValue(merged, json::parse(oracle["json"].get<std::string>()), "$");
  }
}

}  // namespace
}  // namespace converge::kube
