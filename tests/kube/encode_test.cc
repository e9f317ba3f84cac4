// Encoder cases beyond the oracle corpus. Expectations follow Go's encoding/json (MarshalIndent,
// which kubectl -o json uses) and were cross-checked with Helm 4.1.4's toJson/toPrettyJson
// and toYaml where Helm can print them.

#include <gtest/gtest.h>

#include "kube/kube.h"

namespace converge::kube {
namespace {

using nlohmann::json;

TEST(EncodeJsonTest, IndentsLikeMarshalIndent) {
  json value = json::parse(R"({"b": [1, {}], "a": {"x": []}, "c": "s"})");
  EXPECT_EQ(EncodeJson(value, 4),
            "{\n"
            "    \"a\": {\n"
            "        \"x\": []\n"
            "    },\n"
            "    \"b\": [\n"
            "        1,\n"
            "        {}\n"
            "    ],\n"
            "    \"c\": \"s\"\n"
            "}");
  EXPECT_EQ(EncodeJson(value), R"({"a":{"x":[]},"b":[1,{}],"c":"s"})");
}

TEST(EncodeJsonTest, EscapesLikeGo) {
  EXPECT_EQ(EncodeJson(json("<a&b>\u2028\x01\x7f\t\"\\")),
            "\"\\u003ca\\u0026b\\u003e\\u2028\\u0001\x7f\\t\\\"\\\\\"");
  EXPECT_EQ(EncodeJson(json(std::string("bad\xff"))), "\"bad\\ufffd\"");
}

TEST(EncodeJsonTest, FloatsLikeGo) {
  EXPECT_EQ(EncodeJson(json(1.0)), "1");
  EXPECT_EQ(EncodeJson(json(0.000001)), "0.000001");
  EXPECT_EQ(EncodeJson(json(1e-7)), "1e-7");
  EXPECT_EQ(EncodeJson(json(1e21)), "1e+21");
  EXPECT_EQ(EncodeJson(json(123456789.0)), "123456789");
}

TEST(EncodeYamlTest, StreamSeparatesDocuments) {
  std::vector<Object> objects = {
      Object(json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}}),
      Object(json{{"apiVersion", "v1"}, {"kind", "Secret"}}),
  };
  EXPECT_EQ(EncodeYamlStream(objects),
            "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Secret\n");
}

TEST(EncodeYamlTest, RoundTripsThroughTheDecoder) {
  json value = json::parse(R"({"a": "yes", "b": "1:20", "c": "x\n\n", "d": [], "e": "",
                               "f": " lead", "g": 1.5, "h": 12, "i": null, "j": "2001-12-14"})");
  std::string yaml = EncodeYaml(value);
  Result<std::vector<Document>> back = DecodeStream(yaml, "round-trip.yaml");
  ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << yaml;
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].value, value) << yaml;
}

}  // namespace
}  // namespace converge::kube
