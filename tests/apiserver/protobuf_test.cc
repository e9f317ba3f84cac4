// Malformed and unsupported protobuf bodies: a clear error, never a crash or a partial object.
// Well-formed bodies are checked end to end against kubectl's own rendering in rbac_test.cc.

#include "apiserver/protobuf.h"

#include <gtest/gtest.h>

namespace converge::apiserver {
namespace {

// "k8s\0", then runtime.Unknown{typeMeta{apiVersion, kind}, raw}.
std::string Envelope(const std::string& api_version, const std::string& kind,
                     const std::string& raw) {
  auto field = [](int number, const std::string& bytes) {
    return std::string(1, static_cast<char>(number << 3 | 2)) + static_cast<char>(bytes.size()) +
           bytes;
  };
  std::string type_meta = field(1, api_version) + field(2, kind);
  return std::string("k8s\0", 4) + field(1, type_meta) + field(2, raw);
}

TEST(ProtobufTest, DecodesAConfigMap) {
  // ConfigMap{metadata{name: "c"}, data{"a": "b"}}
  std::string metadata = std::string("\x0a\x01", 2) + "c";
  std::string entry = std::string("\x0a\x01", 2) + "a" + std::string("\x12\x01", 2) + "b";
  std::string raw = std::string("\x0a", 1) + static_cast<char>(metadata.size()) + metadata +
                    "\x12" + static_cast<char>(entry.size()) + entry;
  Result<nlohmann::json> object = DecodeProtobufObject(Envelope("v1", "ConfigMap", raw));
  ASSERT_TRUE(object.ok()) << object.status().message();
  EXPECT_EQ(
      *object,
      nlohmann::json::parse(
          R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"}})"));
}

TEST(ProtobufTest, RefusesWhatItCannotRead) {
  EXPECT_NE(DecodeProtobufObject("{}").status().message().find("magic"), std::string::npos);
  Result<nlohmann::json> unknown = DecodeProtobufObject(Envelope("apps/v1", "Deployment", ""));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("Deployment (apps/v1)"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("kubectl apply -f"), std::string::npos);
  std::string truncated = Envelope("v1", "ConfigMap", std::string("\x0a\x7f", 2) + "short");
  EXPECT_FALSE(DecodeProtobufObject(truncated).ok());
  EXPECT_FALSE(DecodeProtobufObject(std::string("k8s\0\x0a\xff", 6)).ok());
}

}  // namespace
}  // namespace converge::apiserver
