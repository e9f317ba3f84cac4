// Durability: a writer confirms writes while the API server process is killed with SIGKILL at
// random points and restarted, 20 times. Every write the writer saw succeed must be there
// afterwards, with its resourceVersion, and revisions must never go backwards or be reused.

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "tests/support/support.h"

namespace converge {
namespace {

using nlohmann::json;

constexpr int kRounds = 20;
constexpr const char* kPath = "/api/v1/namespaces/default/configmaps";

std::unique_ptr<httplib::Client> Connect(const testing::ApiServer& server) {
  auto client = std::make_unique<httplib::Client>(server.url());
  client->set_ca_cert_path((server.data_dir() / "pki/ca.crt").c_str());
  client->set_bearer_token_auth(server.token().c_str());
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(5, 0);
  return client;
}

TEST(CrashTest, ConfirmedWritesSurviveKillNine) {
  testing::ApiServer server;
  std::mt19937 random(20261129);
  std::map<std::string, int64_t> confirmed;  // name -> resourceVersion the writer saw
  int64_t highest = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::mutex mutex;
    std::condition_variable progress;
    int written = 0;
    int kill_after = std::uniform_int_distribution<int>(1, 40)(random);
    std::thread writer([&] {
      std::unique_ptr<httplib::Client> client = Connect(server);
      for (int i = 0;; ++i) {
        std::string name = "r" + std::to_string(round) + "-" + std::to_string(i);
        json body = {{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata", {{"name", name}}},
                     {"data", {{"i", std::to_string(i)}}}};
        httplib::Result result = client->Post(kPath, body.dump(), "application/json");
        if (!result || result->status != 201) return;
        int64_t rv =
            std::stoll(json::parse(result->body)["metadata"]["resourceVersion"].get<std::string>());
        std::lock_guard<std::mutex> lock(mutex);
        confirmed[name] = rv;
        ++written;
        progress.notify_all();
      }
    });
    {
      std::unique_lock<std::mutex> lock(mutex);
      ASSERT_TRUE(progress.wait_for(lock, std::chrono::seconds(60), [&] {
        return written >= kill_after;
      })) << "the writer stalled";
    }
    // The writer keeps writing: the kill lands between or inside requests.
    server.Kill();
    writer.join();
    server.Restart();

    std::unique_ptr<httplib::Client> reader = Connect(server);
    httplib::Result list = reader->Get(kPath);
    ASSERT_TRUE(list) << "the restarted server does not answer";
    ASSERT_EQ(list->status, 200);
    json body = json::parse(list->body);
    std::map<std::string, int64_t> present;
    for (const json& item : body["items"]) {
      present[item["metadata"]["name"]] =
          std::stoll(item["metadata"]["resourceVersion"].get<std::string>());
    }
    for (const auto& [name, rv] : confirmed) {
      ASSERT_TRUE(present.count(name)) << name << " was confirmed but is gone";
      EXPECT_EQ(present[name], rv) << name;
      highest = std::max(highest, rv);
    }
    int64_t list_rv = std::stoll(body["metadata"]["resourceVersion"].get<std::string>());
    EXPECT_GE(list_rv, highest) << "the revision went backwards after a restart";
    json probe = {{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"metadata", {{"name", "probe-" + std::to_string(round)}}}};
    httplib::Result next = reader->Post(kPath, probe.dump(), "application/json");
    ASSERT_TRUE(next);
    ASSERT_EQ(next->status, 201);
    int64_t next_rv =
        std::stoll(json::parse(next->body)["metadata"]["resourceVersion"].get<std::string>());
    EXPECT_GT(next_rv, list_rv) << "a revision was reused";
    highest = next_rv;
  }
  EXPECT_GE(confirmed.size(), static_cast<size_t>(kRounds));
}

}  // namespace
}  // namespace converge
