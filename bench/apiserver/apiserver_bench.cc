// Throughput and watch latency of the embedded API server over real HTTPS connections:
//   build/release/bench/apiserver_bench [--clients N] [--objects N] [--watchers N] [--updates N]
// Prints creates/s and gets/s with N concurrent clients, and the latency from an update being
// acknowledged to its event reaching each of W concurrent watchers.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "apiserver/apiserver.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Settings {
  int clients = 8;
  int objects = 2000;
  int watchers = 100;
  int updates = 200;
};

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

std::string ReadToken(const std::filesystem::path& dir) {
  std::FILE* file = std::fopen((dir / "token").c_str(), "r");
  char buffer[128] = {};
  if (file != nullptr) {
    std::fgets(buffer, sizeof(buffer), file);
    std::fclose(file);
  }
  std::string token(buffer);
  while (!token.empty() && (token.back() == '\n')) token.pop_back();
  return token;
}

std::unique_ptr<httplib::Client> Connect(const std::string& url, const std::filesystem::path& dir) {
  auto client = std::make_unique<httplib::Client>(url);
  client->set_ca_cert_path((dir / "pki/ca.crt").c_str());
  client->set_bearer_token_auth(ReadToken(dir).c_str());
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);  // as Go clients do; Nagle would add 40 ms per request
  client->set_read_timeout(60, 0);
  return client;
}

// Runs `work(client, index)` for indexes [0, total) spread over `clients` threads; returns
// operations per second.
template <typename Work>
double Throughput(const std::string& url, const std::filesystem::path& dir, int clients, int total,
                  Work work) {
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      auto client = Connect(url, dir);
      for (int i = next++; i < total; i = next++) {
        if (!work(*client, i)) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (failures > 0) std::fprintf(stderr, "%d operations failed\n", failures.load());
  return total / seconds;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = std::min(values.size() - 1, static_cast<size_t>(p / 100.0 * values.size()));
  return values[index];
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--clients") settings.clients = value;
    if (flag == "--objects") settings.objects = value;
    if (flag == "--watchers") settings.watchers = value;
    if (flag == "--updates") settings.updates = value;
  }
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("converge-bench-" + std::to_string(::getpid()));
  auto server = converge::apiserver::Server::Start({.data_dir = dir, .listen = "127.0.0.1:0"});
  if (!server.ok()) {
    std::fprintf(stderr, "cannot start: %s\n", server.status().message().c_str());
    return 1;
  }
  std::string url = (*server)->url();
  std::jthread serve([&](std::stop_token stop) { (*server)->Serve(stop); });
  std::jthread controllers([&](std::stop_token stop) { (*server)->RunControllers(stop); });
  const std::string path = "/api/v1/namespaces/default/configmaps";

  double creates =
      Throughput(url, dir, settings.clients, settings.objects, [&](httplib::Client& client, int i) {
        json body = {
            {"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", "bench-" + std::to_string(i)}, {"labels", {{"app", "bench"}}}}},
            {"data", {{"index", std::to_string(i)}, {"payload", std::string(200, 'x')}}}};
        auto result = client.Post(path.c_str(), body.dump(), "application/json");
        return result && result->status == 201;
      });
  double gets = Throughput(
      url, dir, settings.clients, settings.objects * 5, [&](httplib::Client& client, int i) {
        auto result = client.Get((path + "/bench-" + std::to_string(i % settings.objects)).c_str());
        return result && result->status == 200;
      });

  // Watch latency: W watchers on the collection, one writer updating a single object.
  std::mutex mutex;
  std::vector<double> latencies;
  std::atomic<int> warmed{0};
  std::atomic<bool> done{false};
  auto client = Connect(url, dir);
  auto seed = client->Post(
      path.c_str(),
      json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "tick"}}}}.dump(),
      "application/json");
  std::string start_rv = json::parse(seed->body)["metadata"]["resourceVersion"];
  std::vector<std::thread> watchers;
  for (int w = 0; w < settings.watchers; ++w) {
    watchers.emplace_back([&] {
      auto watch = Connect(url, dir);
      std::string buffer;
      int seen = 0;
      bool warm = false;
      watch->Get(
          (path + "?watch=true&fieldSelector=metadata.name%3Dtick&resourceVersion=" + start_rv)
              .c_str(),
          [&](const char* data, size_t size) {
            int64_t received = NowNanos();
            buffer.append(data, size);
            size_t newline;
            while ((newline = buffer.find('\n')) != std::string::npos) {
              json event = json::parse(buffer.substr(0, newline));
              buffer.erase(0, newline + 1);
              const json& sent = event["object"]["data"]["sent"];
              if (sent == "warm-up") {
                if (!warm) ++warmed;
                warm = true;
              } else if (sent.is_string()) {
                std::lock_guard<std::mutex> lock(mutex);
                latencies.push_back((received - std::stoll(sent.get<std::string>())) / 1e6);
                ++seen;
              }
            }
            return seen < settings.updates && !done;
          });
    });
  }
  // Measure only once every watch is connected and has delivered a first event.
  while (warmed < settings.watchers) {
    client->Patch((path + "/tick").c_str(), json{{"data", {{"sent", "warm-up"}}}}.dump(),
                  "application/merge-patch+json");
    client->Patch((path + "/tick").c_str(), json{{"data", {{"sent", nullptr}}}}.dump(),
                  "application/merge-patch+json");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int u = 0; u < settings.updates; ++u) {
    json patch = {{"data", {{"sent", std::to_string(NowNanos())}}}};
    client->Patch((path + "/tick").c_str(), patch.dump(), "application/merge-patch+json");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (std::thread& thread : watchers) thread.join();
  done = true;

  std::printf("embedded API server, HTTPS, %d clients, SQLite WAL synchronous=FULL\n",
              settings.clients);
  std::printf("  creates/s                   %10.0f  (%d ConfigMaps)\n", creates, settings.objects);
  std::printf("  gets/s                      %10.0f  (%d GETs)\n", gets, settings.objects * 5);
  std::printf("  watch latency, %d watchers: p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%zu events)\n",
              settings.watchers, Percentile(latencies, 50), Percentile(latencies, 99),
              Percentile(latencies, 100), latencies.size());
  serve.request_stop();
  controllers.request_stop();
  serve.join();
  std::filesystem::remove_all(dir);
  return 0;
}
