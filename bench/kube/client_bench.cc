// The REST client and informer against the embedded API server over HTTPS, each figure next to
// the reference tool measured in the same run:
//   build/release/bench/kube_client_bench [--objects N] [--rounds N] [--updates N]
// - list throughput: Client::List of N ConfigMaps (pages of 500) versus `kubectl get -o json
//   --chunk-size=500` (whole process, as a user or script pays it);
// - watch latency: from an update's acknowledgement to its event reaching Client::Watch versus
//   reaching `kubectl get --watch-only`;
// - informer memory: heap bytes per cached object once N objects are synced.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>

#include "apiserver/apiserver.h"
#include "kube/client/client.h"
#include "kube/client/informer.h"

namespace {

using namespace converge;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

const kube::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

struct Settings {
  int objects = 5000;
  int rounds = 5;
  int updates = 200;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

kube::Object ConfigMap(int i, int generation) {
  return kube::Object(json{{"apiVersion", "v1"},
                           {"kind", "ConfigMap"},
                           {"metadata",
                            {{"name", "cm-" + std::to_string(i)},
                             {"namespace", "bench"},
                             {"labels", {{"app.kubernetes.io/managed-by", "converge"}}}}},
                           {"data", {{"generation", std::to_string(generation)}}}});
}

std::string Kubectl() {
  const char* oracles = std::getenv("CONVERGE_ORACLES");
  std::string dir =
      oracles != nullptr ? oracles : std::string(std::getenv("HOME")) + "/.cache/oracles/bin";
  return dir + "/kubectl";
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

// Client::List versus kubectl get -o json: objects per second.
void ListThroughput(kube::Client& client, const std::filesystem::path& kubeconfig,
                    const Settings& settings) {
  auto started = Clock::now();
  for (int round = 0; round < settings.rounds; ++round) {
    kube::ApiResult<kube::ObjectList> list = client.List(kConfigMap, "bench");
    if (!list.ok() || static_cast<int>(list->items.size()) != settings.objects) {
      std::fprintf(stderr, "list failed\n");
      std::exit(1);
    }
  }
  double ours = settings.objects * settings.rounds / Seconds(Clock::now() - started);
  std::string command = Kubectl() + " --kubeconfig " + kubeconfig.string() +
                        " get configmaps -n bench -o json --chunk-size=500 > /dev/null";
  started = Clock::now();
  for (int round = 0; round < settings.rounds; ++round) {
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "kubectl failed\n");
      std::exit(1);
    }
  }
  double theirs = settings.objects * settings.rounds / Seconds(Clock::now() - started);
  std::printf("list %d ConfigMaps: converge %.0f objects/s, kubectl %.0f objects/s, ratio %.2fx\n",
              settings.objects, ours, theirs, ours / theirs);
}

// Time from each update being sent to its event reaching the watcher, in ms. Arrivals may beat
// the update's own response, so both ends are recorded and matched afterwards.
struct LatencyProbe {
  std::mutex mutex;
  std::map<std::string, Clock::time_point> sent;     // name → update sent at
  std::map<std::string, Clock::time_point> arrived;  // name → first event after that

  void Sent(const std::string& name) {
    std::lock_guard lock(mutex);
    sent[name] = Clock::now();
    arrived.erase(name);
  }
  void Arrived(const std::string& name) {
    auto now = Clock::now();
    std::lock_guard lock(mutex);
    arrived.try_emplace(name, now);
  }
  std::vector<double> Latencies() {
    std::lock_guard lock(mutex);
    std::vector<double> out;
    for (const auto& [name, at] : sent) {
      auto found = arrived.find(name);
      if (found == arrived.end()) continue;
      out.push_back(std::chrono::duration<double, std::milli>(found->second - at).count());
    }
    return out;
  }
};

void Update(kube::Client& client, LatencyProbe& probe, int updates, int generation) {
  for (int i = 0; i < updates; ++i) {
    probe.Sent("cm-" + std::to_string(i));
    if (!client.Apply(ConfigMap(i, generation)).ok()) std::exit(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
}

void WatchLatency(kube::Client& client, const std::filesystem::path& kubeconfig,
                  const Settings& settings) {
  LatencyProbe ours;
  kube::ApiResult<kube::ObjectList> list = client.List(kConfigMap, "bench");
  std::jthread watcher([&](std::stop_token stop) {
    client.Watch(
        kConfigMap, "bench", {.resource_version = list->resource_version},
        [&](kube::WatchEvent&& event) {
          ours.Arrived(std::string(event.object.Name()));
          return true;
        },
        stop);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Update(client, ours, settings.updates, 1);
  watcher.request_stop();
  watcher.join();

  LatencyProbe theirs;
  std::string command = Kubectl() + " --kubeconfig " + kubeconfig.string() +
                        " get configmaps -n bench --watch-only -o name";
  std::FILE* pipe = popen(command.c_str(), "r");
  std::jthread reader([&] {
    char line[512];
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
      std::string name(line);
      while (!name.empty() && name.back() == '\n') name.pop_back();
      if (name.rfind("configmap/", 0) == 0) theirs.Arrived(name.substr(10));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // kubectl starts and connects
  Update(client, theirs, settings.updates, 2);
  std::system("pkill -f 'get configmaps -n bench --watch-only' >/dev/null 2>&1");
  pclose(pipe);
  reader.join();
  std::vector<double> mine = ours.Latencies();
  std::vector<double> kubectl = theirs.Latencies();
  std::printf(
      "watch latency (update sent -> event seen) over %d updates: converge p50 %.2f ms p99 "
      "%.2f ms, kubectl p50 %.2f ms p99 %.2f ms, p50 ratio %.2fx (%zu and %zu events seen)\n",
      settings.updates, Percentile(mine, 0.5), Percentile(mine, 0.99), Percentile(kubectl, 0.5),
      Percentile(kubectl, 0.99), Percentile(kubectl, 0.5) / std::max(0.001, Percentile(mine, 0.5)),
      mine.size(), kubectl.size());
}

void InformerMemory(kube::Client& client) {
  size_t before = mallinfo2().uordblks;
  kube::Informer informer(client, {.gvk = kConfigMap,
                                   .ns = "bench",
                                   .label_selector = "app.kubernetes.io/managed-by=converge"});
  std::jthread thread([&](std::stop_token stop) { informer.Run(stop); });
  auto started = Clock::now();
  informer.WaitForSync(std::chrono::seconds(120));
  double sync = Seconds(Clock::now() - started);
  size_t after = mallinfo2().uordblks;
  std::printf("informer: %zu objects synced in %.2f s, %.0f heap bytes per object\n",
              informer.Size(), sync, static_cast<double>(after - before) / informer.Size());
  thread.request_stop();
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--objects") settings.objects = value;
    if (flag == "--rounds") settings.rounds = value;
    if (flag == "--updates") settings.updates = value;
  }
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("converge-client-bench-" + std::to_string(::getpid()));
  auto server = apiserver::Server::Start({.data_dir = dir, .listen = "127.0.0.1:0"});
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().message().c_str());
    return 1;
  }
  std::jthread serve([&](std::stop_token stop) { (*server)->Serve(stop); });
  std::jthread controllers([&](std::stop_token stop) { (*server)->RunControllers(stop); });
  Result<kube::ClientConfig> config = kube::LoadKubeconfig({(*server)->kubeconfig()});
  Result<std::unique_ptr<kube::Client>> client = kube::Client::Create(*config, {.qps = 0});
  if (!config.ok() || !client.ok()) return 1;
  kube::Client& api = **client;
  api.Create(kube::Object(
      json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}}));
  for (int i = 0; i < settings.objects; ++i) {
    if (!api.Create(ConfigMap(i, 0)).ok()) return 1;
  }
  ListThroughput(api, (*server)->kubeconfig(), settings);
  WatchLatency(api, (*server)->kubeconfig(), settings);
  InformerMemory(api);
  serve.request_stop();
  controllers.request_stop();
  serve.join();
  controllers.join();
  std::filesystem::remove_all(dir);
  return 0;
}
