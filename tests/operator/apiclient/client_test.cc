// The client against a small local HTTP server standing in for the API: the bearer token,
// the API's error bodies, and a stream that the server cuts in the middle of an event, which
// the client must resume with the id of the last complete event. (The real API is exercised
// end to end by tests/operator/cli/app_test.cc.)
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "operator/apiclient/apiclient.h"

namespace converge::apiclient {
namespace {

class FakeApi {
 public:
  FakeApi() {
    server_.Get("/api/v1/applications", [](const httplib::Request& request,
                                           httplib::Response& response) {
      if (request.get_header_value("Authorization") != "Bearer good") {
        response.status = 401;
        response.set_content(R"({"error":"invalid bearer token","code":401})", "application/json");
        return;
      }
      response.set_content(R"({"items":[]})", "application/json");
    });
    server_.Get("/api/v1/stream/applications", [this](const httplib::Request& request,
                                                      httplib::Response& response) {
      std::lock_guard lock(mutex_);
      resumed_from_.push_back(request.get_header_value("Last-Event-ID"));
      // First connection: one whole event, then half of the next and the connection ends.
      std::string body = resumed_from_.size() == 1
                             ? "id: 1\nevent: ADDED\ndata: {\"n\":1}\n\nid: 2\ndata: {\"n\""
                             : "id: 2\nevent: MODIFIED\ndata: {\"n\":2}\n\n: keep-alive\n\n";
      response.set_chunked_content_provider("text/event-stream",
                                            [body](size_t, httplib::DataSink& sink) {
                                              sink.write(body.data(), body.size());
                                              sink.done();
                                              return true;
                                            });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // A stop() before the listener runs is lost, and the destructor would wait forever.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FakeApi() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> resumed_from() {
    std::lock_guard lock(mutex_);
    return resumed_from_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<std::string> resumed_from_;  // guarded by mutex_: each stream's Last-Event-ID
};

TEST(ClientTest, SendsTheTokenAndReturnsTheServersError) {
  FakeApi api;
  Result<std::unique_ptr<Client>> good = Client::Create({.server = api.url(), .token = "good"});
  ASSERT_TRUE(good.ok());
  Result<nlohmann::json> list = (*good)->Get("/api/v1/applications");
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(*list, nlohmann::json::parse(R"({"items":[]})"));

  Result<std::unique_ptr<Client>> bad = Client::Create({.server = api.url(), .token = "bad"});
  ASSERT_TRUE(bad.ok());
  Result<nlohmann::json> denied = (*bad)->Get("/api/v1/applications");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kInvalid);
  EXPECT_EQ(denied.status().message(),
            "GET /api/v1/applications: 401: invalid bearer token (check --token, CONVERGE_TOKEN "
            "or the config file)");

  Result<nlohmann::json> missing = (*good)->Get("/api/v1/nothing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(ClientTest, ResumesACutStreamFromTheLastCompleteEvent) {
  FakeApi api;
  Result<std::unique_ptr<Client>> client = Client::Create({.server = api.url()});
  ASSERT_TRUE(client.ok());
  std::vector<Event> events;
  Status streamed = (*client)->Stream("/api/v1/stream/applications",
                                      std::chrono::steady_clock::now() + std::chrono::minutes(1),
                                      [&](const Event& event) {
                                        events.push_back(event);
                                        return events.size() < 2;
                                      });
  ASSERT_TRUE(streamed.ok()) << streamed.message();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, "1");
  EXPECT_EQ(events[0].type, "ADDED");
  EXPECT_EQ(events[0].data, R"({"n":1})");
  EXPECT_EQ(events[1].id, "2");
  EXPECT_EQ(events[1].type, "MODIFIED");
  EXPECT_EQ(events[1].data, R"({"n":2})");
  EXPECT_EQ(api.resumed_from(), (std::vector<std::string>{"", "1"}));
}

TEST(ClientTest, AStreamThatNeverSatisfiesTimesOut) {
  FakeApi api;
  Result<std::unique_ptr<Client>> client = Client::Create({.server = api.url()});
  ASSERT_TRUE(client.ok());
  Status streamed =
      (*client)->Stream("/api/v1/stream/applications", std::chrono::steady_clock::now(),
                        [](const Event&) { return true; });
  EXPECT_EQ(streamed.code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace converge::apiclient
