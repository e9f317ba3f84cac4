// The operator's HTTP listener spoken to over HTTP: routing and path parameters, the bearer
// token on every route that is not public, the body limit, streamed responses ended by a
// shutdown, and token files read again when they change.
#include "operator/server/server.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "tests/support/support.h"

namespace converge::server {
namespace {

std::vector<Route> TestRoutes(std::atomic<int>* streams_ended) {
  return {
      {.method = "GET",
       .pattern = "/open",
       .handler =
           [](const Request&) {
             return JsonResponse(200, {{"open", true}});
           },
       .public_route = true},
      {.method = "POST",
       .pattern = "/items/{namespace}/{name}/echo",
       .handler =
           [](const Request& request) {
             return JsonResponse(200, {{"namespace", request.Param("namespace")},
                                       {"name", request.Param("name")},
                                       {"q", request.Query("q")},
                                       {"header", request.Header("x-custom")},
                                       {"body", request.body}});
           }},
      {.method = "GET",
       .pattern = "/stream",
       .handler =
           [streams_ended](const Request&) {
             Response response{.content_type = "text/event-stream"};
             response.stream = [streams_ended](Stream& stream) {
               stream.write("data: first\n\n");
               // Waits for the shutdown: a stream that never ends by itself.
               std::mutex mu;
               std::condition_variable_any never;
               std::unique_lock lock(mu);
               never.wait(lock, stream.stop, [] { return false; });
               ++*streams_ended;
             };
             return response;
           }},
  };
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokens_ = std::make_unique<Tokens>(
        std::vector<std::filesystem::path>{dir_.Write("tokens", "alpha\n\n  beta \n")});
    ASSERT_TRUE(tokens_->Load().ok());
    Result<std::unique_ptr<Server>> started = Server::Start(
        {.listen = "127.0.0.1:0",
         .max_body_bytes = 64,
         .accept_token = [this](std::string_view token) { return tokens_->Accepts(token); }},
        TestRoutes(&streams_ended_));
    ASSERT_TRUE(started.ok()) << started.status().message();
    server_ = std::move(*started);
  }

  httplib::Result Post(const std::string& path, const std::string& body, const std::string& token) {
    httplib::Client client("127.0.0.1", server_->port());
    return client.Post(path.c_str(), {{"Authorization", "Bearer " + token}, {"X-Custom", "v"}},
                       body, "application/json");
  }

  testing::TempDir dir_;
  std::unique_ptr<Tokens> tokens_;
  std::atomic<int> streams_ended_{0};
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, RoutesWithParametersBehindTheToken) {
  httplib::Result echo = Post("/items/ns1/web/echo?q=x%20y", "hello", "beta");
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->status, 200);
  EXPECT_EQ(nlohmann::json::parse(echo->body), (nlohmann::json{{"namespace", "ns1"},
                                                               {"name", "web"},
                                                               {"q", "x y"},
                                                               {"header", "v"},
                                                               {"body", "hello"}}));
  for (const char* token : {"", "alph", "alphaa", "gamma"}) {
    httplib::Result refused = Post("/items/ns1/web/echo", "hello", token);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401) << token;
    EXPECT_EQ(nlohmann::json::parse(refused->body)["code"], 401);
  }
  httplib::Client client("127.0.0.1", server_->port());
  EXPECT_EQ(client.Get("/open")->status, 200);
  EXPECT_EQ(client.Get("/nothing")->status, 401) << "unknown paths tell nothing without a token";
  EXPECT_EQ(client.Get("/nothing", {{"Authorization", "Bearer alpha"}})->status, 404);
  EXPECT_EQ(client.Get("/items/a/b/echo", {{"Authorization", "Bearer alpha"}})->status, 405);
  EXPECT_EQ(client.Get("/items//b/echo", {{"Authorization", "Bearer alpha"}})->status, 404);
}

TEST_F(ServerTest, RefusesBodiesOverTheLimit) {
  httplib::Result big = Post("/items/a/b/echo", std::string(65, 'x'), "alpha");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  httplib::Result fits = Post("/items/a/b/echo", std::string(64, 'x'), "alpha");
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->status, 200);
}

TEST_F(ServerTest, TokenFilesAreReadAgainWhenTheyChange) {
  EXPECT_TRUE(tokens_->Accepts("alpha"));
  EXPECT_TRUE(tokens_->Accepts("beta"));
  EXPECT_FALSE(tokens_->Accepts(""));
  dir_.Write("tokens", "gamma-longer-than-before\n");
  EXPECT_FALSE(tokens_->Accepts("alpha"));
  EXPECT_TRUE(tokens_->Accepts("gamma-longer-than-before"));
  tokens_->SetSecretTokens({"from-secret"});
  EXPECT_TRUE(tokens_->Accepts("from-secret"));
  EXPECT_FALSE(Tokens({dir_.path() / "absent"}).Load().ok());
}

TEST_F(ServerTest, StreamsUntilTheServerStops) {
  std::string received;
  std::atomic<bool> first{false};
  std::thread reader([&] {
    httplib::Client client("127.0.0.1", server_->port());
    client.Get("/stream", {{"Authorization", "Bearer alpha"}}, [&](const char* data, size_t size) {
      received.append(data, size);
      first = true;
      return true;
    });
  });
  while (!first) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  server_.reset();  // ends the stream through its stop token, then returns
  reader.join();
  EXPECT_EQ(received, "data: first\n\n");
  EXPECT_EQ(streams_ended_, 1);
}

TEST(ListenTest, LoopbackAddresses) {
  for (const char* listen : {"127.0.0.1:8080", "localhost:0", "[::1]:80", "127.0.0.2:1"}) {
    EXPECT_TRUE(IsLoopback(listen)) << listen;
  }
  for (const char* listen : {":8080", "0.0.0.0:8080", "10.0.0.1:80", "[::]:80", "localhost"}) {
    EXPECT_FALSE(IsLoopback(listen)) << listen;
  }
  EXPECT_FALSE(Server::Start({.listen = "nowhere"}, {}).ok());
}

}  // namespace
}  // namespace converge::server
