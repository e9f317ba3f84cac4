// docs/openapi.yaml against the routes the operator's HTTP listener registers, both ways: every
// documented operation is served, and every served route is documented. Also checks the parts
// of the OpenAPI 3.0 document a reader's tools rely on (every $ref resolves, every operation
// answers something).

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "kube/client/client.h"
#include "kube/kube.h"
#include "operator/api/api.h"
#include "operator/cli/routes.h"
#include "operator/controller/controller.h"
#include "operator/webhook/webhook.h"
#include "tests/support/support.h"

namespace converge::docs {
namespace {

using nlohmann::json;

const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch", "head", "options"};

json LoadDocument() {
  std::string text = testing::ReadFile(testing::SourceDir() / "docs/openapi.yaml");
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(text, "docs/openapi.yaml");
  EXPECT_TRUE(documents.ok()) << documents.status().message();
  if (!documents.ok() || documents->size() != 1) return json::object();
  return (*documents)[0].value;
}

// "GET /api/v1/applications/{namespace}/{name}" for each operation of the document.
std::set<std::string> DocumentedOperations(const json& document) {
  std::set<std::string> out;
  const json paths = document.value("paths", json::object());
  for (const auto& [path, item] : paths.items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method)) continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      out.insert(upper + " " + path);
    }
  }
  return out;
}

// The listener's routes as `converge operator` registers them (converge up serves the same
// without the webhook). Building them talks to no
// server: the client, controller and API are only constructed, never run.
std::set<std::string> RegisteredOperations() {
  Result<std::unique_ptr<kube::Client>> client =
      kube::Client::Create({.server = "https://127.0.0.1:1", .token = "unused"});
  EXPECT_TRUE(client.ok()) << client.status().message();
  if (!client.ok()) return {};
  testing::TempDir cache;
  controller::Controller controller(**client, {.cache_dir = cache.path()});
  api::Api api(**client, controller);
  webhook::Handler webhooks({}, {});
  std::set<std::string> out;
  for (const server::Route& route : cli::ListenerRoutes(controller, api, &webhooks)) {
    out.insert(route.method + " " + route.pattern);
  }
  return out;
}

void CollectRefs(const json& node, std::vector<std::string>& refs) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string()) refs.push_back(value.get<std::string>());
      CollectRefs(value, refs);
    }
  } else if (node.is_array()) {
    for (const json& value : node) CollectRefs(value, refs);
  }
}

TEST(OpenApiTest, EveryDocumentedOperationIsServed) {
  std::set<std::string> served = RegisteredOperations();
  std::set<std::string> documented = DocumentedOperations(LoadDocument());
  EXPECT_FALSE(documented.empty());
  for (const std::string& operation : documented) {
    EXPECT_TRUE(served.contains(operation))
        << "docs/openapi.yaml documents " << operation << ", which the server does not serve";
  }
}

TEST(OpenApiTest, EveryServedRouteIsDocumented) {
  std::set<std::string> documented = DocumentedOperations(LoadDocument());
  std::set<std::string> served = RegisteredOperations();
  EXPECT_FALSE(served.empty());
  for (const std::string& operation : served) {
    EXPECT_TRUE(documented.contains(operation))
        << "the server serves " << operation << ", which docs/openapi.yaml does not document";
  }
}

TEST(OpenApiTest, IsAnOpenApi3DocumentWhoseReferencesResolve) {
  json document = LoadDocument();
  EXPECT_TRUE(document.value("openapi", "").starts_with("3.0.")) << document.value("openapi", "");
  EXPECT_TRUE(document.contains("info") && document["info"].contains("title") &&
              document["info"].contains("version"));
  std::vector<std::string> refs;
  CollectRefs(document, refs);
  EXPECT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    ASSERT_TRUE(ref.starts_with("#/")) << ref;
    EXPECT_TRUE(document.contains(json::json_pointer(ref.substr(1)))) << "unresolved $ref " << ref;
  }
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method)) continue;
      EXPECT_FALSE(operation.value("responses", json::object()).empty())
          << method << " " << path << " has no responses";
      EXPECT_TRUE(operation.contains("operationId")) << method << " " << path;
    }
  }
}

}  // namespace
}  // namespace converge::docs
