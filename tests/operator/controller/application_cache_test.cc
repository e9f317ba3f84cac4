// The shared Application cache against the embedded API server: every subscriber sees every
// change, gets the cached object itself (not a copy), and hears nothing after unsubscribing.

#include "operator/controller/application_cache.h"

#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::controller {
namespace {

using nlohmann::json;
using testing::ApiServer;

std::unique_ptr<kube::Client> Connect(const ApiServer& server) {
  Result<kube::ClientConfig> config = kube::LoadKubeconfig({server.kubeconfig()});
  EXPECT_TRUE(config.ok()) << config.status().message();
  Result<std::unique_ptr<kube::Client>> client = kube::Client::Create(*config, {.qps = 0});
  EXPECT_TRUE(client.ok());
  return std::move(*client);
}

kube::Object Application(const std::string& name, const std::string& path) {
  return kube::Object(json{
      {"apiVersion", "converge.dev/v1alpha1"},
      {"kind", "Application"},
      {"metadata", {{"name", name}, {"namespace", "default"}}},
      {"spec",
       {{"source", {{"repoURL", "https://example.com/repo.git"}, {"path", path}}},
        {"destination", {{"server", "https://kubernetes.default.svc"}, {"namespace", "x"}}}}}});
}

struct Seen {
  std::mutex mu;
  std::vector<std::string> log;
  std::vector<kube::ObjectRef> refs;

  ApplicationHandlers Handlers() {
    return {.on_add =
                [this](const kube::ObjectRef& added) {
                  std::lock_guard lock(mu);
                  log.push_back("ADD " + std::string(added->Name()));
                  refs.push_back(added);
                },
            .on_update =
                [this](const kube::Object&, const kube::ObjectRef& after) {
                  std::lock_guard lock(mu);
                  log.push_back("UPDATE " + std::string(after->Name()));
                  refs.push_back(after);
                },
            .on_delete =
                [this](const kube::Object& deleted) {
                  std::lock_guard lock(mu);
                  log.push_back("DELETE " + std::string(deleted.Name()));
                }};
  }
  std::vector<std::string> Log() {
    std::lock_guard lock(mu);
    return log;
  }
};

TEST(ApplicationCacheTest, SubscribersShareTheCachedObjects) {
  ApiServer server;
  ASSERT_EQ(server
                .Kubectl({"apply", "--server-side", "-f",
                          (testing::SourceDir() / "manifests/crds").string()})
                .exit_code,
            0);
  ASSERT_EQ(server
                .Kubectl({"wait", "--for=condition=Established", "--timeout=60s",
                          "crd/applications.converge.dev"})
                .exit_code,
            0);
  std::unique_ptr<kube::Client> client = Connect(server);
  ASSERT_TRUE(client->Apply(Application("first", "a")).ok());

  ApplicationCache cache(*client, {});
  Seen early;
  Seen late;
  uint64_t early_id = cache.Subscribe(early.Handlers());
  std::jthread running([&cache](std::stop_token stop) { cache.Run(stop); });
  ASSERT_TRUE(cache.WaitForSync(running.get_stop_token()));
  // Subscribed after the first list: it is told of later changes only, and reads the rest.
  uint64_t late_id = cache.Subscribe(late.Handlers());
  ASSERT_EQ(cache.List().size(), 1u);

  ASSERT_TRUE(client->Apply(Application("second", "b")).ok());
  ASSERT_TRUE(client->Apply(Application("first", "c")).ok());
  ASSERT_TRUE(
      testing::Eventually([&] { return late.Log().size() == 2; }, std::chrono::milliseconds(50)))
      << ::testing::PrintToString(late.Log()) << ::testing::PrintToString(early.Log());
  EXPECT_EQ(early.Log(), (std::vector<std::string>{"ADD first", "ADD second", "UPDATE first"}));
  EXPECT_EQ(late.Log(), (std::vector<std::string>{"ADD second", "UPDATE first"}));
  {
    std::lock_guard lock(late.mu);
    EXPECT_EQ(late.refs.back().get(), cache.Get("default", "first").get())
        << "a subscriber is handed the cache's object, not a copy";
    EXPECT_EQ(late.refs.back()->json()["spec"]["source"]["path"], "c");
  }

  cache.Unsubscribe(late_id);
  ASSERT_EQ(server.Kubectl({"delete", "application", "second", "-n", "default"}).exit_code, 0);
  ASSERT_TRUE(
      testing::Eventually([&] { return early.Log().size() == 4; }, std::chrono::milliseconds(50)));
  EXPECT_EQ(early.Log().back(), "DELETE second");
  EXPECT_EQ(late.Log().size(), 2u) << "nothing after Unsubscribe";
  EXPECT_EQ(cache.Get("default", "second"), nullptr);
  cache.Unsubscribe(early_id);
}

}  // namespace
}  // namespace converge::controller
