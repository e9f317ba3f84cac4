// The informer against the embedded API server: it must end every story with the state a fresh
// list shows, deliver watch events in the server's order, resume after the server restarts,
// relist after 410 Expired, and hold 10,000 objects (memory per object reported).

#include "kube/client/informer.h"

#include <iostream>
#include <thread>

#include <gtest/gtest.h>
#include <malloc.h>
#if defined(__SANITIZE_ADDRESS__)
// From the sanitizer runtime (its header is not installed with g++ on Debian).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

#include "tests/support/support.h"

namespace converge::kube {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::ProcessResult;

const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

// Bytes on the heap now (AddressSanitizer replaces malloc and keeps its own count).
size_t HeapBytes() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

constexpr char kManaged[] = "app.kubernetes.io/managed-by=converge";

std::unique_ptr<Client> Connect(const ApiServer& server) {
  Result<ClientConfig> config = LoadKubeconfig({server.kubeconfig()});
  EXPECT_TRUE(config.ok()) << config.status().message();
  Result<std::unique_ptr<Client>> client = Client::Create(*config, {.qps = 0});
  EXPECT_TRUE(client.ok());
  return std::move(*client);
}

Object Managed(const std::string& name, const std::string& value) {
  return Object(json{{"apiVersion", "v1"},
                     {"kind", "ConfigMap"},
                     {"metadata",
                      {{"name", name},
                       {"namespace", "default"},
                       {"labels", {{"app.kubernetes.io/managed-by", "converge"}}}}},
                     {"data", {{"value", value}}}});
}

// What the handlers saw, in order.
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> log;         // "ADD name", "UPDATE name", "DELETE name"
  std::vector<int64_t> watch_versions;  // resourceVersions of watch-delivered changes

  InformerHandlers Handlers() {
    return {.on_add = [this](const Object& o) { Note("ADD", o); },
            .on_update = [this](const Object&, const Object& o) { Note("UPDATE", o); },
            .on_delete = [this](const Object& o) { Note("DELETE", o); }};
  }
  void Note(const char* what, const Object& object) {
    std::lock_guard lock(mutex);
    log.push_back(std::string(what) + " " + std::string(object.Name()));
    std::string version(StringAt(object.json(), {"metadata", "resourceVersion"}));
    if (!version.empty()) watch_versions.push_back(std::stoll(version));
  }
};

// The informer on a thread of the test's own, stopped and joined on destruction.
struct Running {
  Running(Client& client, Recorder& recorder, InformerOptions options = {})
      : informer(client, Options(std::move(options)), recorder.Handlers()),
        thread([this](std::stop_token stop) { informer.Run(stop); }) {}
  static InformerOptions Options(InformerOptions options) {
    if (options.gvk.kind.empty()) options.gvk = kConfigMap;
    if (options.label_selector.empty()) options.label_selector = kManaged;
    options.retry_base = std::chrono::milliseconds(50);
    return options;
  }
  Informer informer;
  std::jthread thread;
};

// The informer's view as name → data.value, to compare with a fresh list.
std::map<std::string, std::string> View(const std::vector<ObjectRef>& objects) {
  std::map<std::string, std::string> out;
  for (const ObjectRef& object : objects) {
    out[std::string(object->Name())] = std::string(StringAt(object->json(), {"data", "value"}));
  }
  return out;
}

std::map<std::string, std::string> Fresh(Client& client) {
  ApiResult<ObjectList> list = client.List(kConfigMap, "default", {.label_selector = kManaged});
  EXPECT_TRUE(list.ok());
  std::vector<ObjectRef> refs;
  for (Object& item : list->items) refs.push_back(std::make_shared<const Object>(std::move(item)));
  return View(refs);
}

// Polls until the informer agrees with a fresh list (events are asynchronous by nature).
bool Converges(Informer& informer, Client& client) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (View(informer.List()) == Fresh(client)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void MustKubectl(const ApiServer& server, std::vector<std::string> args) {
  ProcessResult run = server.Kubectl(std::move(args));
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

TEST(InformerTest, EventsArriveInOrderAndTheCacheMatchesAFreshList) {
  ApiServer server;
  std::unique_ptr<Client> client = Connect(server);
  ASSERT_TRUE(client->Create(Managed("before", "1")).ok());
  Object unmanaged = Managed("unmanaged", "x");
  unmanaged.mutable_json()["metadata"].erase("labels");
  ASSERT_TRUE(client->Create(unmanaged).ok());

  Recorder recorder;
  Running running(*client, recorder);
  ASSERT_TRUE(running.informer.WaitForSync(std::chrono::seconds(20)));
  EXPECT_NE(running.informer.Get("default", "before"), nullptr);
  EXPECT_EQ(running.informer.Get("default", "unmanaged"), nullptr);  // the selector keeps it out

  ASSERT_TRUE(client->Create(Managed("a", "1")).ok());
  ASSERT_TRUE(client->Apply(Managed("a", "2")).ok());
  ASSERT_TRUE(client->Create(Managed("b", "1")).ok());
  ASSERT_TRUE(client->Delete(kConfigMap, "default", "before").ok());
  // Losing the label is leaving the selected set: a deletion for the informer.
  MustKubectl(server, {"label", "cm", "b", "app.kubernetes.io/managed-by-"});
  ASSERT_TRUE(Converges(running.informer, *client));

  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.log, (std::vector<std::string>{"ADD before", "ADD a", "UPDATE a", "ADD b",
                                                    "DELETE before", "DELETE b"}));
  EXPECT_TRUE(std::is_sorted(recorder.watch_versions.begin(), recorder.watch_versions.end()));
  EXPECT_EQ(running.informer.ByLabel("app.kubernetes.io/managed-by", "converge").size(), 1u);
  EXPECT_EQ(running.informer.ByNamespace("default").size(), 1u);
  EXPECT_EQ(running.informer.lists(), 1);
}

TEST(InformerTest, ResumesAcrossAServerRestart) {
  ApiServer server;
  std::unique_ptr<Client> client = Connect(server);
  Recorder recorder;
  Running running(*client, recorder);
  ASSERT_TRUE(running.informer.WaitForSync(std::chrono::seconds(20)));
  ASSERT_TRUE(client->Create(Managed("one", "1")).ok());
  ASSERT_TRUE(Converges(running.informer, *client));

  server.Kill();
  server.Restart();
  ASSERT_TRUE(client->Create(Managed("two", "1")).ok());
  ASSERT_TRUE(client->Apply(Managed("one", "2")).ok());
  ASSERT_TRUE(client->Delete(kConfigMap, "default", "two").ok());
  ASSERT_TRUE(Converges(running.informer, *client));

  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.log,
            (std::vector<std::string>{"ADD one", "ADD two", "UPDATE one", "DELETE two"}));
  EXPECT_TRUE(std::is_sorted(recorder.watch_versions.begin(), recorder.watch_versions.end()));
  // The history survived the restart, so the informer resumed instead of relisting.
  EXPECT_EQ(running.informer.lists(), 1);
  EXPECT_GE(running.informer.errors(), 1);
}

TEST(InformerTest, ExpiredLeadsToARelistThatReconcilesTheCache) {
  ApiServer server({"--event-retention-seconds", "1"});
  std::unique_ptr<Client> client = Connect(server);
  ASSERT_TRUE(client->Create(Managed("stays", "1")).ok());
  ASSERT_TRUE(client->Create(Managed("goes", "1")).ok());
  Recorder recorder;
  auto informer = std::make_unique<Running>(*client, recorder);
  ASSERT_TRUE(informer->informer.WaitForSync(std::chrono::seconds(20)));
  std::string version = informer->informer.resource_version();
  informer->thread.request_stop();
  informer->thread.join();

  // While nobody watches: changes, then the history behind them is compacted away.
  ASSERT_TRUE(client->Apply(Managed("stays", "2")).ok());
  ASSERT_TRUE(client->Delete(kConfigMap, "default", "goes").ok());
  ASSERT_TRUE(client->Create(Managed("new", "1")).ok());
  Reason reason = Reason::kUnknown;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (reason != Reason::kGone && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ApiResult<Done> probe = client->Watch(
        kConfigMap, "default", {.resource_version = version, .timeout = std::chrono::seconds(1)},
        [](WatchEvent&&) { return false; });
    reason = probe.reason();
  }
  ASSERT_EQ(reason, Reason::kGone) << "the server never compacted the history";

  // The same informer (its cache and version intact) runs again: 410, relist, reconcile.
  {
    std::lock_guard lock(recorder.mutex);
    recorder.log.clear();
  }
  Informer& cache = informer->informer;
  std::jthread again([&cache](std::stop_token stop) { cache.Run(stop); });
  ASSERT_TRUE(Converges(cache, *client));
  again.request_stop();
  again.join();
  EXPECT_EQ(cache.lists(), 2);
  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.log, (std::vector<std::string>{"DELETE goes", "UPDATE stays", "ADD new"}));
}

TEST(InformerTest, TenThousandObjectsWithTheirMemoryReported) {
  ApiServer server;
  std::unique_ptr<Client> client = Connect(server);
  constexpr int kCount = 10000;
  for (int i = 0; i < kCount; ++i) {
    ApiResult<Object> created = client->Create(Managed("cm-" + std::to_string(i), "some data"));
    ASSERT_TRUE(created.ok()) << created.error().message;
  }
  size_t before = HeapBytes();
  Recorder recorder;
  {
    Informer informer(*client, {.gvk = kConfigMap, .ns = "default", .label_selector = kManaged});
    std::jthread thread([&informer](std::stop_token stop) { informer.Run(stop); });
    ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(120)));
    EXPECT_EQ(informer.Size(), static_cast<size_t>(kCount));
    EXPECT_EQ(informer.ByLabel("app.kubernetes.io/managed-by", "converge").size(),
              static_cast<size_t>(kCount));
    thread.request_stop();
    thread.join();
    size_t after = HeapBytes();
    double per_object = static_cast<double>(after - before) / kCount;
    std::cout << "informer cache: " << kCount << " ConfigMaps, " << per_object
              << " bytes per object (managedFields included)\n";
    ::testing::Test::RecordProperty("bytes_per_object", std::to_string(per_object));
    EXPECT_GT(per_object, 0);
  }
}

}  // namespace
}  // namespace converge::kube
