// The HTTP API end to end: `converge operator` against the embedded API server, Applications
// whose source `git daemon` serves, and the API spoken to over HTTP as any client would.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/sources/git/servers.h"
#include "tests/support/support.h"

namespace converge::api {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kToken[] = "s3cret-token";
constexpr char kPassword[] = "hunter2-plaintext";

std::string ConfigMap(const std::string& greeting) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: " +
         greeting + "\n";
}

constexpr char kSecret[] = R"(apiVersion: v1
kind: Secret
metadata:
  name: credentials
stringData:
  password: hunter2-plaintext
)";

constexpr char kDeployment[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
)";

// A Job the embedded API server never completes, then a later wave: a sync waiting for the
// Job's health before the next wave runs until cancelled.
constexpr char kHangingJob[] = R"(apiVersion: batch/v1
kind: Job
metadata:
  name: forever
  annotations:
    converge.dev/simulate: hang
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
)";

bool Eventually(const std::function<bool()>& condition) { return testing::Eventually(condition); }

struct Reply {
  int status = 0;
  json body;
  std::string text;
};

struct SseEvent {
  std::string id;
  std::string type;
  json data;
};

// A client of the event stream on its own thread, keeping every event it receives.
class EventStream {
 public:
  EventStream(int port, const std::string& query, const std::string& last_event_id = "")
      : client_("127.0.0.1", port) {
    client_.set_read_timeout(60, 0);
    httplib::Headers headers = {{"Authorization", std::string("Bearer ") + kToken}};
    if (!last_event_id.empty()) headers.emplace("Last-Event-ID", last_event_id);
    thread_ = std::thread([this, headers, query] {
      client_.Get(("/api/v1/stream/applications" + query).c_str(), headers,
                  [this](const char* data, size_t size) {
                    Receive(std::string_view(data, size));
                    return true;
                  });
    });
  }
  ~EventStream() { Stop(); }

  void Stop() {
    client_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::vector<SseEvent> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  int comments() const {
    std::lock_guard lock(mu_);
    return comments_;
  }

  bool WaitFor(const std::function<bool(const std::vector<SseEvent>&)>& done) const {
    return Eventually([&] { return done(events()); });
  }

 private:
  void Receive(std::string_view data) {
    std::lock_guard lock(mu_);
    buffer_ += data;
    for (size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
      std::string block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      SseEvent event;
      bool comment_only = true;
      size_t start = 0;
      while (start <= block.size()) {
        size_t newline = block.find('\n', start);
        std::string line = block.substr(start, newline - start);
        start = newline == std::string::npos ? block.size() + 1 : newline + 1;
        if (line.rfind("id: ", 0) == 0) event.id = line.substr(4);
        if (line.rfind("event: ", 0) == 0) event.type = line.substr(7);
        if (line.rfind("data: ", 0) == 0) event.data = json::parse(line.substr(6));
        if (!line.empty() && line[0] != ':') comment_only = false;
      }
      if (comment_only) {
        ++comments_;
      } else {
        events_.push_back(std::move(event));
      }
    }
  }

  httplib::Client client_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::string buffer_;
  std::vector<SseEvent> events_;
  int comments_ = 0;
};

// What a watcher of one Application sees change: sync status, health, operation phase.
std::string Phases(const json& application) {
  const json& status = application.value("status", json::object());
  return status.value("sync", json::object()).value("status", "-") + "/" +
         status.value("health", json::object()).value("status", "-") + "/" +
         status.value("operationState", json::object()).value("phase", "-");
}

std::vector<std::string> PhasesOf(const std::vector<SseEvent>& events, const std::string& name) {
  std::vector<std::string> out;
  for (const SseEvent& event : events) {
    if (event.data.value("/metadata/name"_json_pointer, "") != name) continue;
    std::string phases = Phases(event.data);
    if (out.empty() || out.back() != phases) out.push_back(phases);
  }
  return out;
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<testing::ApiServer>();
    fs::create_directories(dir_.path() / "repos");
    upstream_ = std::make_unique<testing::Upstream>(dir_.path() / "repos", "app");
    first_ = Trim(upstream_->Commit({{"deploy/configmap.yaml", ConfigMap("hello")},
                                     {"deploy/secret.yaml", kSecret},
                                     {"deploy/deployment.yaml", kDeployment},
                                     {"slow/job.yaml", kHangingJob},
                                     {"slow/after.yaml",
                                      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after\n"
                                      "  annotations: {argocd.argoproj.io/sync-wave: \"1\"}\n"}},
                                    "first"));
    daemon_ = std::make_unique<testing::GitDaemon>(dir_.path() / "repos");
    Check(server_->Kubectl(
        {"apply", "--server-side", "-f", (testing::SourceDir() / "manifests/crds").string()}));
    Check(server_->Kubectl(
        {"wait", "--for=condition=Established", "--timeout=60s", "crd/applications.converge.dev"}));
    Check(server_->Kubectl({"create", "namespace", "converge"}));
    token_file_ = dir_.Write("tokens", std::string("\n  ") + kToken + "  \n");
    operator_ = testing::Process::Start(
        {testing::ConvergeBinary().string(), "operator", "--kubeconfig",
         server_->kubeconfig().string(), "--poll-interval", "1s", "--poll-jitter", "0s",
         "--cache-dir", (dir_.path() / "cache").string(), "--credentials-namespace", "converge",
         "--sync-timeout", "120s", "--listen", "127.0.0.1:0", "--api-token-file",
         token_file_.string()},
        dir_.path() / "operator.log");
    ASSERT_TRUE(Eventually([&] {
      std::string log = testing::ReadFile(dir_.path() / "operator.log");
      size_t at = log.find("/metrics port=");
      if (at != std::string::npos) port_ = std::atoi(log.c_str() + at + 14);
      return port_ > 0;
    }));
    ASSERT_TRUE(Eventually([&] { return Call("GET", "/api/v1/applications").status == 200; }));
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "operator log:\n" << testing::ReadFile(dir_.path() / "operator.log");
    }
  }

  static std::string Trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }

  static void Check(const testing::ProcessResult& result) {
    ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& token = kToken) {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(60, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result result = method == "GET" ? client.Get(path.c_str(), headers)
                             : method == "DELETE"
                                 ? client.Delete(path.c_str(), headers)
                                 : client.Post(path.c_str(), headers, body, "application/json");
    Reply reply;
    if (!result) return reply;
    reply.status = result->status;
    reply.text = result->body;
    reply.body = json::parse(result->body, nullptr, false);
    return reply;
  }

  void CreateApplication(const std::string& name, const std::string& path, const std::string& repo,
                         const std::string& team) {
    std::string yaml =
        "apiVersion: converge.dev/v1alpha1\nkind: Application\nmetadata:\n  name: " + name +
        "\n  namespace: converge\n  labels:\n    team: " + team +
        "\nspec:\n  source:\n    repoURL: " + repo + "\n    path: " + path +
        "\n  destination:\n    server: https://kubernetes.default.svc\n"
        "    namespace: " +
        name + "\n  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n";
    Check(server_->Kubectl({"apply", "-f", server_->File(name + ".yaml", yaml).string()}));
  }

  json App(const std::string& name) {
    return Call("GET", "/api/v1/applications/converge/" + name).body;
  }

  // Waits until the Application's last operation has `phase` and, when given, synced
  // `revision`.
  bool OperationEnds(const std::string& name, const std::string& phase,
                     const std::string& revision = "") {
    return Eventually([&] {
      json app = App(name);
      if (app.is_discarded() || app.contains("operation")) return false;
      const json& state = app.value("status", json::object()).value("operationState", json());
      return state.is_object() && state.value("phase", "") == phase &&
             (revision.empty() ||
              state.value("syncResult", json::object()).value("revision", "") == revision);
    });
  }

  std::string Greeting() {
    testing::ProcessResult result = server_->Kubectl(
        {"get", "configmap", "settings", "-n", "demo", "-o", "jsonpath={.data.greeting}"});
    return result.exit_code == 0 ? result.out : "<missing>";
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::ApiServer> server_;
  std::unique_ptr<testing::Upstream> upstream_;
  std::unique_ptr<testing::GitDaemon> daemon_;
  std::unique_ptr<testing::Process> operator_;
  fs::path token_file_;
  std::string first_;
  int port_ = 0;
};

const char* const kAppRoutes[][2] = {
    {"GET", "/api/v1/applications"},
    {"GET", "/api/v1/applications/converge/demo"},
    {"GET", "/api/v1/applications/converge/demo/resource-tree"},
    {"GET", "/api/v1/applications/converge/demo/managed-resources"},
    {"GET", "/api/v1/applications/converge/demo/history"},
    {"POST", "/api/v1/applications/converge/demo/sync"},
    {"POST", "/api/v1/applications/converge/demo/rollback"},
    {"POST", "/api/v1/applications/converge/demo/refresh"},
    {"DELETE", "/api/v1/applications/converge/demo/operation"},
    {"GET", "/api/v1/stream/applications"},
    {"GET", "/api/v1/no-such-route"},
};

TEST_F(ApiTest, EveryRouteButTheProbesNeedsAValidTokenAndTokenFilesAreReadAgain) {
  CreateApplication("demo", "deploy", daemon_->Url("app"), "a");
  for (const auto& [method, path] : kAppRoutes) {
    for (const char* token : {"", "wrong", "s3cret-token-but-longer", "s3cret-tokem"}) {
      Reply reply = Call(method, path, "{}", token);
      EXPECT_EQ(reply.status, 401) << method << " " << path << " token '" << token << "'";
      EXPECT_EQ(reply.body.value("code", 0), 401) << reply.text;
      EXPECT_FALSE(reply.body.value("error", "").empty()) << reply.text;
    }
  }
  EXPECT_EQ(Call("GET", "/healthz", "", "").status, 200);
  ASSERT_TRUE(Eventually([&] { return Call("GET", "/readyz", "", "").status == 200; }));
  EXPECT_EQ(Call("GET", "/metrics", "", "").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/applications/converge/demo").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/no-such-route").status, 404);

  // A rotated token file (a mounted Secret updated): the old token stops working.
  dir_.Write("tokens", "rotated-token\n");
  EXPECT_EQ(Call("GET", "/api/v1/applications", "", "rotated-token").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/applications").status, 401);

  // Tokens from a Secret, watched.
  Check(server_->Kubectl({"create", "secret", "generic", "api-tokens", "-n", "converge",
                          "--from-literal=ci=from-the-secret"}));
  testing::TempDir secret_dir;
  auto second = testing::Process::Start(
      {testing::ConvergeBinary().string(), "operator", "--kubeconfig",
       server_->kubeconfig().string(), "--cache-dir", (secret_dir.path() / "cache").string(),
       "--listen", "127.0.0.1:0", "--api-token-secret", "converge/api-tokens", "--namespaces",
       "nothing-here"},
      secret_dir.path() / "operator.log");
  int port = 0;
  ASSERT_TRUE(Eventually([&] {
    std::string log = testing::ReadFile(secret_dir.path() / "operator.log");
    size_t at = log.find("/metrics port=");
    if (at != std::string::npos) port = std::atoi(log.c_str() + at + 14);
    return port > 0;
  }));
  std::swap(port, port_);
  EXPECT_TRUE(Eventually(
      [&] { return Call("GET", "/api/v1/applications", "", "from-the-secret").status == 200; }));
  EXPECT_EQ(Call("GET", "/api/v1/applications", "", "rotated-token").status, 401);
  std::swap(port, port_);
  if (HasFailure()) {
    std::cerr << "second operator log:\n" << testing::ReadFile(secret_dir.path() / "operator.log");
  }
}

TEST(ApiFlagsTest, InsecureNoAuthIsRefusedUnlessTheListenAddressIsLoopback) {
  for (const char* listen : {"0.0.0.0:0", ":0", "10.1.2.3:8080"}) {
    testing::ProcessResult run = testing::Run(
        {testing::ConvergeBinary().string(), "operator", "--insecure-no-auth", "--listen", listen});
    EXPECT_EQ(run.exit_code, 2) << listen << run.err;
    EXPECT_NE(run.err.find("--insecure-no-auth needs a loopback --listen"), std::string::npos)
        << run.err;
  }
}

TEST_F(ApiTest, ListsFiltersSyncsRollsBackCancelsAndStreamsEveryChange) {
  CreateApplication("demo", "deploy", daemon_->Url("app"), "a");
  CreateApplication("slow", "slow", daemon_->Url("app"), "b");
  CreateApplication("elsewhere", "deploy", daemon_->Url("missing"), "b");
  // An uninterrupted stream: the reference the reconnecting client is compared with.
  EventStream reference(port_, "");

  ASSERT_TRUE(Eventually([&] {
    json items = Call("GET", "/api/v1/applications?sync=OutOfSync").body.value("items", json());
    return items.is_array() && items.size() == 2;
  }));
  auto names = [&](const std::string& query) {
    std::vector<std::string> out;
    Reply reply = Call("GET", "/api/v1/applications" + query);
    EXPECT_EQ(reply.status, 200) << query << ": " << reply.text;
    for (const json& app : reply.body.value("items", json::array())) {
      out.push_back(app["metadata"]["name"]);
    }
    return out;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names(""), (Names{"demo", "elsewhere", "slow"}));
  EXPECT_EQ(names("?selector=team%3Db"), (Names{"elsewhere", "slow"}));
  EXPECT_EQ(names("?selector=team%20notin%20(b)"), (Names{"demo"}));
  EXPECT_EQ(names("?repo=" + daemon_->Url("app") + "/"), (Names{"demo", "slow"}));
  EXPECT_EQ(names("?sync=Unknown"), (Names{"elsewhere"}));
  EXPECT_EQ(names("?sync=OutOfSync&selector=team%3Db"), (Names{"slow"}));
  EXPECT_EQ(names("?health=Missing"), (Names{"demo", "slow"}));
  EXPECT_EQ(Call("GET", "/api/v1/applications?selector=a%20in").status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/applications/converge/absent").status, 404);
  json demo = App("demo");
  EXPECT_EQ(demo["kind"], "Application");
  EXPECT_EQ(demo["apiVersion"], "converge.dev/v1alpha1");
  EXPECT_EQ(demo["spec"]["source"]["path"], "deploy");
  EXPECT_EQ(Call("GET", "/api/v1/applications/converge/demo/history").body["items"], json::array());
  EXPECT_EQ(Call("DELETE", "/api/v1/applications/converge/demo/operation").status, 409);
  EXPECT_EQ(Call("POST", "/api/v1/applications/converge/demo/sync", "[1]").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/applications/converge/demo/sync", R"({"prune":"yes"})").status,
            400);
  EXPECT_EQ(Call("POST", "/api/v1/applications/converge/demo/rollback", R"({"id":0})").status, 404);

  // Secrets are masked in what managed-resources shows: desired, live and diff.
  ASSERT_TRUE(Eventually([&] {
    return Call("GET", "/api/v1/applications/converge/demo/managed-resources").status == 200;
  }));
  Reply managed = Call("GET", "/api/v1/applications/converge/demo/managed-resources");
  EXPECT_EQ(managed.text.find(kPassword), std::string::npos) << managed.text;
  EXPECT_EQ(managed.text.find("aHVudGVyMi1wbGFpbnRleHQ"), std::string::npos) << managed.text;
  bool secret_seen = false;
  for (const json& item : managed.body["items"]) {
    EXPECT_EQ(item["status"], "Missing") << item.dump();
    EXPECT_TRUE(item["liveState"].is_null());
    if (item["kind"] != "Secret") continue;
    secret_seen = true;
    std::string masked = item["targetState"]["stringData"]["password"];
    EXPECT_EQ(masked, std::string(masked.size(), '+'));
    EXPECT_GE(masked.size(), 8u);
    EXPECT_NE(item["diff"].get<std::string>().find("password: " + masked), std::string::npos)
        << item["diff"];
  }
  EXPECT_TRUE(secret_seen) << managed.text;

  // A sync the stream follows from start to end, as kubectl's own watch sees it.
  auto watch =
      server_->KubectlInBackground({"get", "application", "demo", "-n", "converge", "-w", "-o",
                                    "jsonpath={.metadata.resourceVersion}{\"\\n\"}"});
  ASSERT_TRUE(watch->WaitForOutput("\n", std::chrono::seconds(30)));
  Reply sync = Call("POST", "/api/v1/applications/converge/demo/sync", R"({"prune":true})");
  ASSERT_EQ(sync.status, 200) << sync.text;
  EXPECT_EQ(sync.body["operation"]["sync"]["prune"], true);
  EXPECT_EQ(sync.body["operation"]["initiatedBy"]["username"], "api");
  ASSERT_TRUE(OperationEnds("demo", "Succeeded", first_));
  ASSERT_TRUE(Eventually([&] { return Phases(App("demo")) == "Synced/Healthy/Succeeded"; }));
  EXPECT_EQ(Greeting(), "hello");
  ASSERT_TRUE(reference.WaitFor([](const std::vector<SseEvent>& events) {
    return !PhasesOf(events, "demo").empty() &&
           PhasesOf(events, "demo").back() == "Synced/Healthy/Succeeded";
  }));
  std::vector<std::string> seen = PhasesOf(reference.events(), "demo");
  auto next = seen.begin();
  for (const char* phases : {"OutOfSync/Missing/-", "OutOfSync/Missing/Running",
                             "OutOfSync/Missing/Succeeded", "Synced/Healthy/Succeeded"}) {
    next = std::find(next, seen.end(), phases);
    EXPECT_NE(next, seen.end()) << phases << " in order in " << ::testing::PrintToString(seen);
  }
  // Every version kubectl's watch saw, the stream delivered, in the same order.
  std::string synced_version = App("demo")["metadata"]["resourceVersion"];
  ASSERT_TRUE(watch->WaitForOutput(synced_version + "\n", std::chrono::seconds(30)));
  std::vector<std::string> watched;
  for (std::string_view rest = watch->output(); !rest.empty();) {
    size_t newline = rest.find('\n');
    watched.emplace_back(rest.substr(0, newline));
    rest = newline == std::string_view::npos ? "" : rest.substr(newline + 1);
  }
  ASSERT_TRUE(reference.WaitFor([&](const std::vector<SseEvent>& events) {
    return std::any_of(events.begin(), events.end(), [&](const SseEvent& event) {
      return event.data.value("/metadata/resourceVersion"_json_pointer, "") == synced_version;
    });
  }));

  // kubectl's first line is its initial read, whose version may be older than the one its
  // watch starts from; the comparison starts with its first watch event.
  ASSERT_GE(watched.size(), 2u);
  watched.erase(watched.begin());
  std::vector<std::string> streamed;
  for (const SseEvent& event : reference.events()) {
    std::string version = event.data.value("/metadata/resourceVersion"_json_pointer, "");
    if (event.data.value("/metadata/name"_json_pointer, "") != "demo") continue;
    if (!streamed.empty() || version == watched.front()) streamed.push_back(version);
    if (version == synced_version) break;
  }
  watched.resize(std::find(watched.begin(), watched.end(), synced_version) - watched.begin() + 1);
  EXPECT_EQ(streamed, watched);

  // After the sync managed-resources shows live objects, equal, still masked.
  managed = Call("GET", "/api/v1/applications/converge/demo/managed-resources");
  EXPECT_EQ(managed.text.find(kPassword), std::string::npos) << managed.text;
  for (const json& item : managed.body["items"]) {
    EXPECT_EQ(item["status"], "Synced") << item.dump();
    EXPECT_EQ(item["diff"], "") << item.dump();
    EXPECT_EQ(item["health"]["status"], "Healthy") << item.dump();
    EXPECT_TRUE(item["liveState"].is_object());
  }

  // The tree: the managed objects and, below the Deployment, its ReplicaSet.
  json tree = Call("GET", "/api/v1/applications/converge/demo/resource-tree").body;
  std::string deployment_uid;
  for (const json& node : tree["nodes"]) {
    if (node["kind"] == "Deployment") deployment_uid = node["uid"];
  }
  ASSERT_FALSE(deployment_uid.empty()) << tree.dump();
  bool replica_set = false;
  for (const json& node : tree["nodes"]) {
    if (node["kind"] != "ReplicaSet") continue;
    replica_set = true;
    EXPECT_EQ(node["parentRefs"][0]["uid"], deployment_uid) << node.dump();
  }
  EXPECT_TRUE(replica_set) << tree.dump();

  // A client that follows from the start, disconnects, and resumes after a commit landed.
  EventStream first(port_, "?name=demo");
  ASSERT_TRUE(first.WaitFor([](const std::vector<SseEvent>& events) { return !events.empty(); }));
  first.Stop();
  std::vector<SseEvent> before = first.events();
  EXPECT_EQ(before.front().type, "ADDED");
  std::string second =
      Trim(upstream_->Commit({{"deploy/configmap.yaml", ConfigMap("world")}}, "second"));
  Reply refreshed = Call("POST", "/api/v1/applications/converge/demo/refresh?type=hard");
  ASSERT_EQ(refreshed.status, 200) << refreshed.text;
  ASSERT_TRUE(Eventually([&] { return Phases(App("demo")).starts_with("OutOfSync/"); }));
  ASSERT_EQ(Call("POST", "/api/v1/applications/converge/demo/sync").status, 200);
  ASSERT_TRUE(OperationEnds("demo", "Succeeded", second));
  EXPECT_EQ(Greeting(), "world");

  EventStream resumed(port_, "?name=demo", before.back().id);
  // The stream that never dropped has every event about demo; the resumed one must have
  // exactly those after the last one the first client saw.
  std::string latest =
      Call("GET", "/api/v1/applications/converge/demo").body["metadata"]["resourceVersion"];
  auto has_latest = [&](const std::vector<SseEvent>& events) {
    for (const SseEvent& event : events) {
      if (event.data.value("/metadata/resourceVersion"_json_pointer, "") == latest) return true;
    }
    return false;
  };
  ASSERT_TRUE(reference.WaitFor(has_latest));
  ASSERT_TRUE(resumed.WaitFor(has_latest));
  std::vector<std::pair<std::string, std::string>> expected;
  bool after = false;
  for (const SseEvent& event : reference.events()) {
    if (event.data.value("/metadata/name"_json_pointer, "") != "demo") continue;
    if (after)
      expected.emplace_back(event.id,
                            event.data.value("/metadata/resourceVersion"_json_pointer, ""));
    if (after && event.data.value("/metadata/resourceVersion"_json_pointer, "") == latest) break;
    after = after || event.id == before.back().id;
  }
  std::vector<std::pair<std::string, std::string>> got;
  for (const SseEvent& event : resumed.events()) {
    EXPECT_EQ(event.type, "MODIFIED");
    got.emplace_back(event.id, event.data.value("/metadata/resourceVersion"_json_pointer, ""));
    if (event.data.value("/metadata/resourceVersion"_json_pointer, "") == latest) break;
  }
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(got, expected) << "missed or duplicated events";

  // Sync to a given revision, then roll back to a history entry.
  json history = Call("GET", "/api/v1/applications/converge/demo/history").body["items"];
  ASSERT_EQ(history.size(), 2u) << history.dump();
  EXPECT_EQ(history[0]["revision"], first_);
  EXPECT_EQ(history[1]["revision"], second);
  Reply pinned =
      Call("POST", "/api/v1/applications/converge/demo/sync", json{{"revision", first_}}.dump());
  ASSERT_EQ(pinned.status, 200) << pinned.text;
  ASSERT_TRUE(OperationEnds("demo", "Succeeded", first_));
  EXPECT_EQ(Greeting(), "hello");
  Reply rollback = Call("POST", "/api/v1/applications/converge/demo/rollback",
                        json{{"id", history[1]["id"]}}.dump());
  ASSERT_EQ(rollback.status, 200) << rollback.text;
  EXPECT_EQ(rollback.body["operation"]["sync"]["revision"], second);
  ASSERT_TRUE(OperationEnds("demo", "Succeeded", second));
  EXPECT_EQ(Greeting(), "world");
  EXPECT_EQ(Call("GET", "/api/v1/applications/converge/demo/history").body["items"].size(), 4u);

  // A sync of a subset touches only what it names.
  Check(server_->Kubectl({"patch", "configmap", "settings", "-n", "demo", "--type=merge", "-p",
                          R"({"data":{"greeting":"drifted"}})"}));
  Check(server_->Kubectl({"scale", "deployment", "web", "-n", "demo", "--replicas=3"}));
  Reply subset = Call("POST", "/api/v1/applications/converge/demo/sync",
                      R"({"resources":[{"kind":"ConfigMap","name":"settings"}]})");
  ASSERT_EQ(subset.status, 200) << subset.text;
  ASSERT_TRUE(Eventually([&] { return Greeting() == "world"; }));
  ASSERT_TRUE(OperationEnds("demo", "Succeeded"));
  testing::ProcessResult replicas = server_->Kubectl(
      {"get", "deployment", "web", "-n", "demo", "-o", "jsonpath={.spec.replicas}"});
  EXPECT_EQ(replicas.out, "3") << "the Deployment was not selected";

  // A sync that cannot finish (its Job never completes), cancelled.
  ASSERT_EQ(Call("POST", "/api/v1/applications/converge/slow/sync").status, 200);
  ASSERT_TRUE(Eventually([&] {
    return App("slow").value("/status/operationState/phase"_json_pointer, "") == "Running";
  }));
  Reply cancel = Call("DELETE", "/api/v1/applications/converge/slow/operation");
  ASSERT_EQ(cancel.status, 200) << cancel.text;
  EXPECT_EQ(cancel.body, json::object());
  ASSERT_TRUE(OperationEnds("slow", "Failed"));
  EXPECT_NE(App("slow")
                .value("/status/operationState/message"_json_pointer, std::string())
                .find("terminated"),
            std::string::npos);
  EXPECT_EQ(Call("DELETE", "/api/v1/applications/converge/slow/operation").status, 409);
  std::vector<std::string> slow = PhasesOf(reference.events(), "slow");
  EXPECT_NE(std::find_if(slow.begin(), slow.end(),
                         [](const std::string& p) { return p.ends_with("/Terminating"); }),
            slow.end())
      << ::testing::PrintToString(slow);
}

}  // namespace
}  // namespace converge::api
