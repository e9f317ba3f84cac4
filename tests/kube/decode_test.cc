// What kubectl does on top of sigs.k8s.io/yaml, which the Helm oracle cannot show:
//  - number types: Kubernetes' JSON decoder (apimachinery pkg/util/json) keeps integers as
//    int64 where Helm's plain json.Unmarshal makes float64;
//  - List expansion (apimachinery unstructured decodeToList, kubectl's FlattenListVisitor);
//  - streams that start with '{' are JSON (apimachinery YAMLOrJSONDecoder);
//  - positions in errors (our own contract: file, line, document).
// The kubectl oracle (`kubectl create --dry-run=client -o json`) joins once the embedded API
// server exists.

#include <gtest/gtest.h>

#include "kube/kube.h"

namespace converge::kube {
namespace {

using nlohmann::json;

Document DecodeOne(std::string_view text) {
  Result<std::vector<Document>> documents = DecodeStream(text, "test.yaml");
  EXPECT_TRUE(documents.ok()) << documents.status().message();
  if (!documents.ok() || documents->size() != 1) {
    ADD_FAILURE() << "expected one document";
    return {};
  }
  return (*documents)[0];
}

TEST(DecodeTest, IntegersStayIntegersBeyondFloatPrecision) {
  json value = DecodeOne("a: 9007199254740993\nb: -9223372036854775808\nc: 1e3\nd: 3.0\n").value;
  ASSERT_TRUE(value["a"].is_number_integer());
  EXPECT_EQ(value["a"].get<int64_t>(), 9007199254740993);
  EXPECT_EQ(value["b"].get<int64_t>(), INT64_MIN);
  // Integral floats come back from Kubernetes' JSON round trip as int64.
  ASSERT_TRUE(value["c"].is_number_integer());
  EXPECT_EQ(value["c"].get<int64_t>(), 1000);
  EXPECT_TRUE(value["d"].is_number_integer());
}

TEST(DecodeTest, UnsignedAndHugeIntegersBecomeDoubles) {
  json value = DecodeOne("a: 18446744073709551615\nb: 1e21\nc: 0.5\n").value;
  EXPECT_TRUE(value["a"].is_number_float());
  EXPECT_EQ(value["a"].get<double>(), 18446744073709551615.0);
  EXPECT_TRUE(value["b"].is_number_float());
  EXPECT_TRUE(value["c"].is_number_float());
}

TEST(DecodeTest, NonFiniteNumbersAreRefusedWithPosition) {
  Result<std::vector<Document>> documents = DecodeStream("a: 1\nb: .inf\n", "f.yaml");
  ASSERT_FALSE(documents.ok());
  EXPECT_EQ(documents.status().message().rfind("f.yaml:2:4: document 1: ", 0), 0u)
      << documents.status().message();
}

TEST(DecodeTest, DocumentsCarryIndexAndLine) {
  Result<std::vector<Document>> documents =
      DecodeStream("# header\n---\na: 1\n---\n\n# c\nb: 2\n", "f.yaml");
  ASSERT_TRUE(documents.ok()) << documents.status().message();
  ASSERT_EQ(documents->size(), 2u);
  EXPECT_EQ((*documents)[0].index, 1);
  EXPECT_EQ((*documents)[0].line, 3);
  EXPECT_EQ((*documents)[1].index, 2);
  EXPECT_EQ((*documents)[1].line, 7);
}

TEST(DecodeTest, SyntaxErrorsNameFileLineAndDocument) {
  Result<std::vector<Document>> documents =
      DecodeStream("a: 1\n---\nmetadata:\n  name: x\n   labels: bad\n", "dir/app.yaml");
  ASSERT_FALSE(documents.ok());
  const std::string& message = documents.status().message();
  EXPECT_EQ(message.rfind("dir/app.yaml:5:", 0), 0u) << message;
  EXPECT_NE(message.find("document 2"), std::string::npos) << message;
  EXPECT_NE(message.find("mapping values are not allowed"), std::string::npos) << message;
}

TEST(DecodeTest, InvalidSeparatorIsKubectlsError) {
  Result<std::vector<Document>> documents = DecodeStream("a: 1\n--- b: 2\n", "x.yaml");
  ASSERT_FALSE(documents.ok());
  EXPECT_EQ(documents.status().message(), "x.yaml:2: invalid Yaml document separator: b: 2");
}

TEST(DecodeTest, JsonStreamsAreReadAsJson) {
  Result<std::vector<Document>> documents =
      DecodeStream(" {\"a\": 1, \"b\": 1.0, \"s\": \"}\"}\n{\"c\": [1, 2]}", "x.json");
  ASSERT_TRUE(documents.ok()) << documents.status().message();
  ASSERT_EQ(documents->size(), 2u);
  EXPECT_TRUE((*documents)[0].value["a"].is_number_integer());
  EXPECT_TRUE((*documents)[0].value["b"].is_number_float()) << "JSON 1.0 stays a float64";
  EXPECT_EQ((*documents)[0].value["s"], "}");
  EXPECT_EQ((*documents)[1].value["c"], json::array({1, 2}));
  EXPECT_EQ((*documents)[1].line, 2);
}

TEST(DecodeTest, JsonErrorsNamePosition) {
  Result<std::vector<Document>> documents = DecodeStream("{\"a\": 1}\n{\"b\": }\n", "x.json");
  ASSERT_FALSE(documents.ok());
  EXPECT_EQ(documents.status().message().rfind("x.json:2:7: document 2: ", 0), 0u)
      << documents.status().message();
}

// Go's JSON decoder refuses numbers beyond a float64; nlohmann's throws out_of_range for them.
TEST(DecodeTest, JsonNumbersOutOfRangeAreErrors) {
  Result<std::vector<Document>> documents =
      DecodeStream("{\"a\": 1}\n  {\"b\": 1e999}\n", "x.json");
  ASSERT_FALSE(documents.ok());
  const std::string& message = documents.status().message();
  EXPECT_EQ(message.rfind("x.json:2:3: document 2: ", 0), 0u) << message;
  EXPECT_NE(message.find("1e999"), std::string::npos) << message;
}

TEST(DecodeTest, SelfReferencingAnchorIsRefused) {
  Result<std::vector<Document>> documents = DecodeStream("a: &x\n  b: *x\n", "x.yaml");
  ASSERT_FALSE(documents.ok());
  EXPECT_NE(documents.status().message().find("contains itself"), std::string::npos);
}

TEST(DecodeTest, ExcessiveAliasingIsRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char previous = 'a';
  for (char name = 'b'; name <= 'i'; ++name) {
    bomb += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + previous;
    bomb += "]\n";
    previous = name;
  }
  Result<std::vector<Document>> documents = DecodeStream(bomb, "bomb.yaml");
  ASSERT_FALSE(documents.ok());
  EXPECT_NE(documents.status().message().find("excessive aliasing"), std::string::npos);
}

TEST(DecodeTest, DeepNestingIsRefused) {
  std::string deep(5000, '[');
  Result<std::vector<Document>> documents = DecodeStream(deep, "deep.yaml");
  EXPECT_FALSE(documents.ok());
}

TEST(DecodeObjectsTest, SkipsEmptyDocumentsAndKeepsOrigin) {
  Result<std::vector<Object>> objects = DecodeObjects(
      "---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# nothing\n",
      "cm.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ((*objects)[0].origin().file, "cm.yaml");
  EXPECT_EQ((*objects)[0].origin().line, 3);
}

TEST(DecodeObjectsTest, ExpandsListsRecursively) {
  Result<std::vector<Object>> objects = DecodeObjects(R"(
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: Secret
    metadata: {name: b}
)",
                                                      "list.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ(Describe((*objects)[0]), "ConfigMap/a");
  EXPECT_EQ(Describe((*objects)[1]), "Secret/b");
}

TEST(DecodeObjectsTest, TypedListItemsInheritKind) {
  Result<std::vector<Object>> objects = DecodeObjects(
      "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: a}\n", "list.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ((*objects)[0].Kind(), "ConfigMap");
  EXPECT_EQ((*objects)[0].ApiVersion(), "v1");
}

TEST(DecodeObjectsTest, NullItemsIsAnObjectNotAList) {
  Result<std::vector<Object>> objects =
      DecodeObjects("apiVersion: v1\nkind: ConfigMapList\nitems: null\n", "list.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  EXPECT_EQ(objects->size(), 1u);
}

TEST(DecodeObjectsTest, RefusesNonObjectsNamingFileLineAndField) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {
           Case{"apiVersion: v1\nkind: ConfigMap\n---\nkind: ConfigMap\n",
                "app.yaml:4: document 2: the document is not a Kubernetes object: missing "
                "apiVersion"},
           Case{"apiVersion: v1\nmetadata: {}\n",
                "app.yaml:1: document 1: the document is not a Kubernetes object: missing kind"},
           Case{"- a\n- b\n",
                "app.yaml:1: document 1: the document is not a Kubernetes object: expected a "
                "mapping, got a sequence"},
           Case{"apiVersion: v1\nkind: 5\n",
                "app.yaml:1: document 1: the document is not a Kubernetes object: not a "
                "non-empty string: kind"},
           Case{"apiVersion: v1\nkind: List\nitems:\n- 3\n",
                "app.yaml:1: document 1: the document item 1 is not a Kubernetes object: "
                "expected a mapping, got a number"},
       }) {
    Result<std::vector<Object>> objects = DecodeObjects(c.text, "app.yaml");
    ASSERT_FALSE(objects.ok()) << c.text;
    EXPECT_EQ(objects.status().message(), c.message);
  }
}

}  // namespace
}  // namespace converge::kube
