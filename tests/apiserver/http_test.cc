// API semantics a client library depends on, checked over HTTPS with a plain HTTP client:
// paging, watch start points and expiry, initial-events bookmarks, timeouts, dry runs,
// finalizers, the status subresource, generation, and discovery documents. Expectations are the
// behaviour written down in shared/reference/kubernetes-api.md sections 1-4.

#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "tests/support/support.h"

namespace converge {
namespace {

using nlohmann::json;
using testing::ApiServer;

struct Reply {
  int status = 0;
  json body;
  std::string raw;
  httplib::Headers headers;
};

class Client {
 public:
  explicit Client(const ApiServer& server) : client_(server.url()) {
    client_.set_ca_cert_path((server.data_dir() / "pki/ca.crt").c_str());
    client_.set_bearer_token_auth(server.token().c_str());
    client_.set_read_timeout(30, 0);
  }

  Reply Get(const std::string& path, const std::string& accept = "application/json") {
    return Convert(client_.Get(path.c_str(), {{"Accept", accept}}));
  }
  Reply Post(const std::string& path, const json& body) {
    return Convert(client_.Post(path.c_str(), body.dump(), "application/json"));
  }
  Reply Put(const std::string& path, const json& body) {
    return Convert(client_.Put(path.c_str(), body.dump(), "application/json"));
  }
  Reply Patch(const std::string& path, const json& body, const std::string& type) {
    return Convert(client_.Patch(path.c_str(), body.dump(), type.c_str()));
  }
  Reply Delete(const std::string& path, const json& body = nullptr) {
    return Convert(body.is_null() ? client_.Delete(path.c_str())
                                  : client_.Delete(path.c_str(), body.dump(), "application/json"));
  }

  // Reads watch events until `count` arrived or the server ends the stream.
  std::vector<json> Watch(const std::string& path, size_t count) {
    std::vector<json> events;
    std::string buffer;
    client_.Get(path.c_str(), [&](const char* data, size_t size) {
      buffer.append(data, size);
      size_t newline;
      while ((newline = buffer.find('\n')) != std::string::npos) {
        events.push_back(json::parse(buffer.substr(0, newline)));
        buffer.erase(0, newline + 1);
      }
      return events.size() < count;
    });
    return events;
  }

 private:
  static Reply Convert(const httplib::Result& result) {
    Reply reply;
    if (!result) return reply;
    reply.status = result->status;
    reply.raw = result->body;
    reply.headers = result->headers;
    reply.body = json::parse(result->body, nullptr, false);
    return reply;
  }

  httplib::Client client_;
};

constexpr const char* kConfigMaps = "/api/v1/namespaces/default/configmaps";

json ConfigMap(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
}

std::string Rv(const json& object) {
  return object["metadata"]["resourceVersion"].get<std::string>();
}

TEST(HttpApiTest, ListPagesWithLimitAndContinue) {
  ApiServer server;
  Client client(server);
  for (const char* name : {"e", "a", "d", "b", "c"}) {
    ASSERT_EQ(client.Post(kConfigMaps, ConfigMap(name)).status, 201);
  }
  std::vector<std::string> names;
  std::string token;
  std::set<std::string> list_versions;
  for (int page = 0; page < 5; ++page) {
    Reply reply = client.Get(std::string(kConfigMaps) + "?limit=2" +
                             (token.empty() ? "" : "&continue=" + token));
    ASSERT_EQ(reply.status, 200) << reply.raw;
    for (const json& item : reply.body["items"]) names.push_back(item["metadata"]["name"]);
    list_versions.insert(reply.body["metadata"]["resourceVersion"].get<std::string>());
    if (page == 0) {
      EXPECT_EQ(reply.body["metadata"]["remainingItemCount"], 3);
    }
    token = reply.body["metadata"].value("continue", "");
    if (token.empty()) break;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(list_versions.size(), 1u) << "every page reports the first page's revision";
  EXPECT_EQ(client.Get(std::string(kConfigMaps) + "?continue=garbage").status, 400);
  EXPECT_EQ(client.Get(std::string(kConfigMaps) + "?labelSelector=a%20in%20()").status, 400);
  Reply field = client.Get(std::string(kConfigMaps) + "?fieldSelector=spec.x%3Dy");
  EXPECT_EQ(field.status, 400);
  EXPECT_NE(field.body["message"].get<std::string>().find("is not a known field selector"),
            std::string::npos);
}

// kube-apiserver compresses a response only when it is over 128 KiB
// (defaultGzipThresholdBytes in its response writers), whatever the client accepts.
TEST(HttpApiTest, GzipsOnlyResponsesOver128KiB) {
  ApiServer server;
  httplib::Client raw(server.url());
  raw.set_ca_cert_path((server.data_dir() / "pki/ca.crt").c_str());
  raw.set_bearer_token_auth(server.token().c_str());
  raw.set_decompress(false);
  httplib::Headers gzip = {{"Accept-Encoding", "gzip"}};
  httplib::Result small = raw.Get(kConfigMaps, gzip);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  EXPECT_FALSE(small->has_header("Content-Encoding"));

  Client client(server);
  json big = ConfigMap("big");
  big["data"]["payload"] = std::string(140 * 1024, 'x');
  ASSERT_EQ(client.Post(kConfigMaps, big).status, 201);
  httplib::Result large = raw.Get(kConfigMaps, gzip);
  ASSERT_TRUE(large);
  EXPECT_EQ(large->get_header_value("Content-Encoding"), "gzip");
  EXPECT_LT(large->body.size(), 140u * 1024);
  Reply decoded = client.Get(kConfigMaps);
  ASSERT_EQ(decoded.status, 200);
  EXPECT_EQ(decoded.body["items"][0]["data"]["payload"].get<std::string>().size(), 140u * 1024);
}

TEST(HttpApiTest, WatchStartPoints) {
  ApiServer server;
  Client client(server);
  Reply a = client.Post(kConfigMaps, ConfigMap("a"));
  Reply b = client.Post(kConfigMaps, ConfigMap("b"));
  json changed = a.body;
  changed["data"] = {{"k", "v"}};
  Reply updated = client.Put(std::string(kConfigMaps) + "/a", changed);
  ASSERT_EQ(updated.status, 200) << updated.raw;

  // Unset resourceVersion: synthetic ADDED for what exists.
  std::vector<json> current = client.Watch(std::string(kConfigMaps) + "?watch=true", 2);
  ASSERT_EQ(current.size(), 2u);
  EXPECT_EQ(current[0]["type"], "ADDED");
  EXPECT_EQ(current[0]["object"]["data"]["k"], "v");

  // A specific resourceVersion: only what happened after it.
  std::vector<json> later =
      client.Watch(std::string(kConfigMaps) + "?watch=1&resourceVersion=" + Rv(a.body), 2);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0]["type"], "ADDED");
  EXPECT_EQ(later[0]["object"]["metadata"]["name"], "b");
  EXPECT_EQ(later[1]["type"], "MODIFIED");
  EXPECT_EQ(Rv(later[1]["object"]), Rv(updated.body));
  (void)b;
}

TEST(HttpApiTest, InitialEventsEndWithAnAnnotatedBookmark) {
  ApiServer server;
  Client client(server);
  ASSERT_EQ(client.Post(kConfigMaps, ConfigMap("a")).status, 201);
  std::vector<json> events =
      client.Watch(std::string(kConfigMaps) +
                       "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&"
                       "resourceVersionMatch=NotOlderThan",
                   2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "BOOKMARK");
  EXPECT_EQ(events[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
  Reply refused = client.Get(std::string(kConfigMaps) + "?watch=true&sendInitialEvents=true");
  EXPECT_EQ(refused.status, 422) << "the parameter is never silently ignored";
}

TEST(HttpApiTest, ExpiredWatchGetsA410ErrorEvent) {
  ApiServer server({"--event-retention-seconds", "0"});
  Client client(server);
  ASSERT_EQ(client.Post(kConfigMaps, ConfigMap("a")).status, 201);
  ASSERT_EQ(client.Post(kConfigMaps, ConfigMap("b")).status, 201);
  // Compaction runs once a second; keep asking until the history from revision 1 is gone.
  json error;
  for (int attempt = 0; attempt < 100 && error.is_null(); ++attempt) {
    std::vector<json> events =
        client.Watch(std::string(kConfigMaps) + "?watch=true&resourceVersion=1", 1);
    if (!events.empty() && events[0]["type"] == "ERROR") error = events[0];
    if (error.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(error.is_null()) << "history was never compacted";
  EXPECT_EQ(error["object"]["code"], 410);
  EXPECT_EQ(error["object"]["reason"], "Expired");
  EXPECT_EQ(error["object"]["message"].get<std::string>().rfind("too old resource version: 1 (", 0),
            0u);
}

TEST(HttpApiTest, TimeoutSecondsEndsTheStream) {
  ApiServer server;
  Client client(server);
  auto started = std::chrono::steady_clock::now();
  std::vector<json> events =
      client.Watch(std::string(kConfigMaps) + "?watch=true&timeoutSeconds=1", 100);
  EXPECT_TRUE(events.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
}

TEST(HttpApiTest, DryRunWritesNothing) {
  ApiServer server;
  Client client(server);
  Reply dry = client.Post(std::string(kConfigMaps) + "?dryRun=All", ConfigMap("ghost"));
  EXPECT_EQ(dry.status, 201);
  EXPECT_EQ(client.Get(std::string(kConfigMaps) + "/ghost").status, 404);
}

TEST(HttpApiTest, GenerateNameAndServerSetMetadata) {
  ApiServer server;
  Client client(server);
  json object = ConfigMap("");
  object["metadata"] = {{"generateName", "job-"}};
  Reply created = client.Post(kConfigMaps, object);
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string name = created.body["metadata"]["name"];
  EXPECT_EQ(name.size(), 9u);
  EXPECT_EQ(name.rfind("job-", 0), 0u);
  EXPECT_EQ(name.find_first_not_of("job-bcdfghjklmnpqrstvwxz2456789"), std::string::npos);
  EXPECT_EQ(created.body["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_EQ(created.body["metadata"]["creationTimestamp"].get<std::string>().size(), 20u);
  Reply duplicate = client.Post(kConfigMaps, ConfigMap(name));
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(duplicate.body["reason"], "AlreadyExists");
  EXPECT_EQ(duplicate.body["message"], "configmaps \"" + name + "\" already exists");
}

TEST(HttpApiTest, UpdatesAreOptimisticAndNoOpsWriteNothing) {
  ApiServer server;
  Client client(server);
  Reply created = client.Post(kConfigMaps, ConfigMap("u"));
  Reply same = client.Put(std::string(kConfigMaps) + "/u", created.body);
  ASSERT_EQ(same.status, 200);
  EXPECT_EQ(Rv(same.body), Rv(created.body)) << "a no-op update keeps the resourceVersion";
  json changed = created.body;
  changed["data"] = {{"a", "1"}};
  ASSERT_EQ(client.Put(std::string(kConfigMaps) + "/u", changed).status, 200);
  Reply stale = client.Put(std::string(kConfigMaps) + "/u", changed);
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.body["reason"], "Conflict");
  Reply renamed = client.Put(std::string(kConfigMaps) + "/other", changed);
  EXPECT_EQ(renamed.status, 400);
}

TEST(HttpApiTest, FinalizersHoldDeletionUntilRemoved) {
  ApiServer server;
  Client client(server);
  json object = ConfigMap("held");
  object["metadata"]["finalizers"] = {"example.com/cleanup"};
  ASSERT_EQ(client.Post(kConfigMaps, object).status, 201);
  Reply marked = client.Delete(std::string(kConfigMaps) + "/held");
  ASSERT_EQ(marked.status, 200);
  EXPECT_TRUE(marked.body["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(client.Get(std::string(kConfigMaps) + "/held").status, 200) << "still visible";
  json more = marked.body;
  more["metadata"]["finalizers"] = {"example.com/cleanup", "example.com/new"};
  EXPECT_EQ(client.Put(std::string(kConfigMaps) + "/held", more).status, 422)
      << "no new finalizers after deletion started";
  Reply released =
      client.Patch(std::string(kConfigMaps) + "/held", {{"metadata", {{"finalizers", nullptr}}}},
                   "application/merge-patch+json");
  EXPECT_EQ(released.status, 200) << released.raw;
  EXPECT_EQ(client.Get(std::string(kConfigMaps) + "/held").status, 404);
  Reply precondition = client.Post(kConfigMaps, ConfigMap("pre"));
  Reply wrong_uid = client.Delete(std::string(kConfigMaps) + "/pre",
                                  {{"preconditions", {{"uid", "not-the-uid"}}}});
  EXPECT_EQ(wrong_uid.status, 409);
  (void)precondition;
}

TEST(HttpApiTest, StatusSubresourceAndGeneration) {
  ApiServer server;
  Client client(server);
  const std::string deployments = "/apis/apps/v1/namespaces/default/deployments";
  json deployment = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web"},
    "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
            "template":{"metadata":{"labels":{"app":"web"}},
                        "spec":{"containers":[{"name":"c","image":"nginx"}]}}},
    "status":{"replicas":99}})");
  Reply created = client.Post(deployments, deployment);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_FALSE(created.body.contains("status")) << "status is dropped on create";
  EXPECT_EQ(created.body["metadata"]["generation"], 1);

  json status = created.body;
  status["status"] = {{"replicas", 1}, {"readyReplicas", 1}};
  status["spec"]["replicas"] = 5;
  Reply status_update = client.Put(deployments + "/web/status", status);
  ASSERT_EQ(status_update.status, 200) << status_update.raw;
  EXPECT_EQ(status_update.body["status"]["readyReplicas"], 1);
  EXPECT_EQ(status_update.body["spec"]["replicas"], 1) << "the status endpoint ignores spec";
  EXPECT_EQ(status_update.body["metadata"]["generation"], 1);

  json spec = status_update.body;
  spec["spec"]["replicas"] = 3;
  spec["status"] = {{"replicas", 0}};
  Reply spec_update = client.Put(deployments + "/web", spec);
  ASSERT_EQ(spec_update.status, 200) << spec_update.raw;
  EXPECT_EQ(spec_update.body["metadata"]["generation"], 2);
  EXPECT_EQ(spec_update.body["status"]["readyReplicas"], 1) << "the main endpoint ignores status";
}

TEST(HttpApiTest, DiscoveryDocuments) {
  ApiServer server;
  Client client(server);
  Reply aggregated =
      client.Get("/apis",
                 "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                 "application/json");
  ASSERT_EQ(aggregated.status, 200);
  auto content_type = aggregated.headers.find("Content-Type");
  ASSERT_NE(content_type, aggregated.headers.end());
  EXPECT_EQ(content_type->second,
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  EXPECT_EQ(aggregated.body["kind"], "APIGroupDiscoveryList");
  Reply legacy = client.Get("/apis/apps/v1");
  ASSERT_EQ(legacy.status, 200);
  bool scale = false;
  for (const json& resource : legacy.body["resources"])
    scale = scale || resource["name"] == "deployments/scale";
  EXPECT_TRUE(scale);
  Reply version = client.Get("/version");
  EXPECT_EQ(version.body["minor"], "33");
  Reply index = client.Get("/openapi/v3");
  ASSERT_TRUE(index.body["paths"].contains("apis/apps/v1"));
  std::string url = index.body["paths"]["apis/apps/v1"]["serverRelativeURL"];
  Reply document = client.Get(url);
  ASSERT_EQ(document.status, 200);
  const json& patch =
      document.body["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"]["kind"], "Deployment");
  bool field_validation = false;
  for (const json& parameter : patch["parameters"]) {
    field_validation = field_validation || parameter["name"] == "fieldValidation";
  }
  EXPECT_TRUE(field_validation);
  EXPECT_EQ(client.Get("/apis/apps/v1/namespaces/default/nonsense").status, 404);
}

}  // namespace
}  // namespace converge
