// The transport against a scripted HTTP server on 127.0.0.1 (the behaviours a real API server
// shows only under load: 429 with Retry-After, 503s), plus keep-alive reuse, basic auth, gzip
// and the rate limiter's arithmetic.

#include "kube/client/transport.h"

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "kube/client/rate_limiter.h"

namespace converge::kube {
namespace {

using std::chrono::milliseconds;

// A plain HTTP server on a free loopback port, serving on its own thread until destroyed.
class ScriptedServer {
 public:
  explicit ScriptedServer(
      std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    server_.set_keep_alive_max_count(100);
    server_.set_tcp_nodelay(true);
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::unique_ptr<Transport> MakeTransport(const std::string& url, ClientConfig config = {}) {
  config.server = url;
  Result<std::unique_ptr<Transport>> transport =
      Transport::Create(config, {.max_retries = 3, .retry_base = milliseconds(1)});
  EXPECT_TRUE(transport.ok()) << transport.status().message();
  return std::move(*transport);
}

constexpr char kOk[] = R"({"kind":"Namespace"})";

TEST(TransportTest, TooManyRequestsIsRetriedAfterItsRetryAfter) {
  std::atomic<int> calls{0};
  ScriptedServer server([&](const httplib::Request&, httplib::Response& out) {
    if (calls++ == 0) {
      out.status = 429;
      out.set_header("Retry-After", "1");
      out.set_content(
          R"({"kind":"Status","reason":"TooManyRequests","message":"slow down","code":429})",
          "application/json");
      return;
    }
    out.set_content(kOk, "application/json");
  });
  std::unique_ptr<Transport> transport = MakeTransport(server.url());
  auto started = std::chrono::steady_clock::now();
  // Not idempotent, yet retried: a 429 means the server did not act on the request.
  ApiResult<HttpResponse> response =
      transport->Send({.method = "POST", .target = "/api/v1/namespaces", .body = "{}"});
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(calls.load(), 2);
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(1000));
}

TEST(TransportTest, ServerErrorsAreRetriedOnlyForIdempotentRequests) {
  std::atomic<int> calls{0};
  ScriptedServer server([&](const httplib::Request&, httplib::Response& out) {
    ++calls;
    out.status = 503;
    out.set_content(
        R"({"kind":"Status","reason":"ServiceUnavailable","message":"etcd is sad","code":503})",
        "application/json");
  });
  std::unique_ptr<Transport> transport = MakeTransport(server.url());
  ApiResult<HttpResponse> get =
      transport->Send({.method = "GET", .target = "/api/v1/namespaces", .idempotent = true});
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.reason(), Reason::kServiceUnavailable);
  EXPECT_EQ(get.error().message, "etcd is sad");
  EXPECT_EQ(calls.load(), 4);  // the first try and 3 retries
  calls = 0;
  ApiResult<HttpResponse> post =
      transport->Send({.method = "POST", .target = "/api/v1/namespaces", .body = "{}"});
  ASSERT_FALSE(post.ok());
  EXPECT_EQ(calls.load(), 1);
}

TEST(TransportTest, ConnectionsAreKeptAlive) {
  std::mutex mutex;
  std::set<int> client_ports;
  ScriptedServer server([&](const httplib::Request& in, httplib::Response& out) {
    std::lock_guard lock(mutex);
    client_ports.insert(in.remote_port);
    out.set_content(kOk, "application/json");
  });
  std::unique_ptr<Transport> transport = MakeTransport(server.url());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(transport->Send({.target = "/version", .idempotent = true}).ok());
  }
  EXPECT_EQ(client_ports.size(), 1u);
}

TEST(TransportTest, BasicAuthAndGzip) {
  std::string authorization;
  std::string accept_encoding;
  std::string big(200000, 'x');
  ScriptedServer server([&](const httplib::Request& in, httplib::Response& out) {
    authorization = in.get_header_value("Authorization");
    accept_encoding = in.get_header_value("Accept-Encoding");
    out.set_content(R"({"data":")" + big + R"("})", "application/json");
  });
  std::unique_ptr<Transport> transport =
      MakeTransport(server.url(), {.username = "admin", .password = "s3cret"});
  ApiResult<HttpResponse> response = transport->Send({.target = "/api", .idempotent = true});
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(authorization, "Basic YWRtaW46czNjcmV0");  // base64("admin:s3cret")
  EXPECT_EQ(accept_encoding, "gzip");
  EXPECT_EQ(response->body, R"({"data":")" + big + R"("})");
}

TEST(TransportTest, ServerUrlsAreParsedWithTheirPathPrefix) {
  std::string path;
  ScriptedServer server([&](const httplib::Request& in, httplib::Response& out) {
    path = in.path;
    out.set_content(kOk, "application/json");
  });
  std::unique_ptr<Transport> transport = MakeTransport(server.url() + "/k8s/clusters/c-1/");
  ASSERT_TRUE(transport->Send({.target = "/api/v1/namespaces", .idempotent = true}).ok());
  EXPECT_EQ(path, "/k8s/clusters/c-1/api/v1/namespaces");
  EXPECT_FALSE(Transport::Create({.server = "ftp://example"}, {}).ok());
  EXPECT_FALSE(Transport::Create({.server = "https://example:99999"}, {}).ok());
  EXPECT_FALSE(Transport::Create({.server = "https://example", .ca_pem = "not pem"}, {}).ok());
}

// A server without aggregated discovery (before Kubernetes 1.26 it was off by default): the
// legacy per-group documents are read instead, and the preferred version comes from /apis.
TEST(DiscoveryTest, FallsBackToLegacyDocuments) {
  std::atomic<int> calls{0};
  ScriptedServer server([&](const httplib::Request& in, httplib::Response& out) {
    ++calls;
    std::map<std::string, std::string> documents = {
        {"/api", R"({"kind":"APIVersions","versions":["v1"]})"},
        {"/api/v1",
         R"({"kind":"APIResourceList","groupVersion":"v1","resources":[
             {"name":"configmaps","namespaced":true,"kind":"ConfigMap","verbs":["get","list"]},
             {"name":"namespaces","namespaced":false,"kind":"Namespace","verbs":["get"]},
             {"name":"namespaces/status","namespaced":false,"kind":"Namespace","verbs":["get"]}]})"},
        {"/apis",
         R"({"kind":"APIGroupList","groups":[{"name":"apps","versions":[
             {"groupVersion":"apps/v1","version":"v1"},{"groupVersion":"apps/v1beta2","version":"v1beta2"}],
             "preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}]})"},
        {"/apis/apps/v1",
         R"({"kind":"APIResourceList","resources":[
             {"name":"deployments","namespaced":true,"kind":"Deployment","verbs":["get"]},
             {"name":"deployments/scale","namespaced":true,"kind":"Scale","verbs":["get"]}]})"},
        {"/apis/apps/v1beta2",
         R"({"kind":"APIResourceList","resources":[
             {"name":"deployments","namespaced":true,"kind":"Deployment","verbs":["get"]}]})"},
    };
    auto found = documents.find(in.path);
    if (found == documents.end()) {
      out.status = 404;
      return;
    }
    out.set_content(found->second, "application/json");
  });
  Result<std::unique_ptr<Client>> client = Client::Create({.server = server.url()});
  ASSERT_TRUE(client.ok());
  ApiResult<ResourceMapping> deployments = (*client)->Mapping({"apps", "", "Deployment"});
  ASSERT_TRUE(deployments.ok()) << deployments.error().message;
  EXPECT_EQ(deployments->gvk.version, "v1");
  EXPECT_EQ(deployments->resource, "deployments");
  EXPECT_EQ(deployments->subresources, std::vector<std::string>{"scale"});
  ApiResult<ResourceMapping> namespaces = (*client)->Mapping({"", "v1", "Namespace"});
  ASSERT_TRUE(namespaces.ok());
  EXPECT_FALSE(namespaces->namespaced);
  EXPECT_EQ(namespaces->subresources, std::vector<std::string>{"status"});
  int after_discovery = calls.load();
  // Cached: more lookups cost nothing.
  ASSERT_TRUE((*client)->Mapping({"", "v1", "ConfigMap"}).ok());
  EXPECT_EQ(calls.load(), after_discovery);
}

TEST(RateLimiterTest, BurstThenSteadyRate) {
  RateLimiter limiter(10, 3);
  RateLimiter::Clock::time_point now{};
  now += std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Reserve(now), RateLimiter::Clock::duration::zero());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(limiter.Reserve(now)), milliseconds(100));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(limiter.Reserve(now)), milliseconds(200));
  // Two seconds later the bucket is full again (never above the burst).
  now += std::chrono::seconds(2);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Reserve(now), RateLimiter::Clock::duration::zero());
  EXPECT_GT(limiter.Reserve(now), RateLimiter::Clock::duration::zero());
  RateLimiter unlimited(0, 0);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(unlimited.Reserve(now), RateLimiter::Clock::duration::zero());
}

TEST(ErrorTest, StatusBodiesAndBareCodes) {
  ApiError invalid = ErrorFromResponse(
      422,
      R"({"kind":"Status","status":"Failure","message":"bad","reason":"Invalid","details":{"causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.x"}]},"code":422})");
  EXPECT_EQ(invalid.reason, Reason::kInvalid);
  ASSERT_EQ(invalid.causes.size(), 1u);
  EXPECT_EQ(invalid.causes[0].field, "spec.x");
  ApiError expired = ErrorFromResponse(
      410, R"({"kind":"Status","reason":"Expired","message":"too old","code":410})");
  EXPECT_EQ(expired.reason, Reason::kGone);
  ApiError proxy = ErrorFromResponse(502, "<html>Bad Gateway</html>\nmore");
  EXPECT_EQ(proxy.reason, Reason::kUnknown);
  EXPECT_EQ(proxy.message, "the server answered 502: <html>Bad Gateway</html>");
  EXPECT_EQ(ErrorFromResponse(404, "").reason, Reason::kNotFound);
  EXPECT_EQ(QueryEscape("app in (a,b)"), "app+in+%28a%2Cb%29");
}

}  // namespace
}  // namespace converge::kube
