// Throughput of the managed-fields comparison: 10,000 desired/live pairs, half Deployments
// (podinfo's manifest against the object the embedded API server stored for it, managedFields
// included) and half ConfigMaps, one pair in twenty drifted. Reports pairs/s and heap
// allocations per pair.
//   build/release/bench/diff_compare_bench

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>

#include "diff/diff.h"
#include "kube/kube.h"

namespace {

std::atomic<uint64_t> allocations{0};

}  // namespace

// Counting replacements of the global allocation functions; the bench is single-threaded but
// the library may not be, hence the atomic.
void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace converge::diff {
namespace {

using nlohmann::json;

constexpr int kPairs = 10000;

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().empty()) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  return buffer.str();
}

kube::Object One(const std::filesystem::path& path) {
  Result<std::vector<kube::Object>> objects = kube::DecodeObjects(Read(path), path.string());
  if (!objects.ok() || objects->size() != 1) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), objects.status().ToString().c_str());
    std::exit(2);
  }
  return objects->front();
}

std::filesystem::path Corpus() {
  const char* shared = std::getenv("CONVERGE_SHARED");
  if (shared != nullptr) return std::filesystem::path(shared) / "corpus";
  std::filesystem::path beside = std::filesystem::path(CONVERGE_SOURCE_DIR) / "../shared/corpus";
  return std::filesystem::exists(beside) ? beside : "/work/shared/corpus";
}

void Rename(json& object, const std::string& name) {
  object["metadata"]["name"] = name;
  object["metadata"]["labels"]["app.kubernetes.io/instance"] = name;
}

struct Pairs {
  std::vector<kube::Object> desired;
  std::vector<kube::Object> live;
};

Pairs MakePairs() {
  kube::Object deployment = One(Corpus() / "gitops/podinfo/kustomize/deployment.yaml");
  deployment.SetNamespace("default");
  kube::Object stored =
      One(std::filesystem::path(CONVERGE_SOURCE_DIR) / "tests/diff/testdata/podinfo-live.yaml");
  // The label the desired side gains below is owned by converge on the live side too.
  stored.mutable_json()["metadata"]["managedFields"][0]["fieldsV1"]["f:metadata"]["f:labels"]
                       ["f:app.kubernetes.io/instance"] = json::object();
  Pairs pairs;
  pairs.desired.reserve(kPairs);
  pairs.live.reserve(kPairs);
  for (int i = 0; i < kPairs; ++i) {
    std::string name = "app-" + std::to_string(i);
    bool drift = i % 20 == 0;
    if (i % 2 == 0) {
      json desired = deployment.json();
      json live = stored.json();
      Rename(desired, name);
      Rename(live, name);
      if (drift) live["spec"]["template"]["spec"]["containers"][0]["image"] = "podinfo:drifted";
      pairs.desired.emplace_back(std::move(desired));
      pairs.live.emplace_back(std::move(live));
      continue;
    }
    json data = json::object();
    json owned = json::object();
    for (int k = 0; k < 6; ++k) {
      std::string key = "setting_" + std::to_string(k);
      data[key] = "value " + std::to_string(k) + " of " + name;
      owned["f:" + key] = json::object();
    }
    json desired = {{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata", {{"name", name}, {"namespace", "default"}}},
                    {"data", data}};
    Rename(desired, name);
    json live = desired;
    live["metadata"]["uid"] = "0f0e0d0c-0b0a-4908-8706-05040302010" + std::to_string(i % 10);
    live["metadata"]["resourceVersion"] = std::to_string(1000 + i);
    live["metadata"]["creationTimestamp"] = "2026-11-29T20:00:00Z";
    live["metadata"]["managedFields"] = json::array(
        {{{"manager", "converge"},
          {"operation", "Apply"},
          {"apiVersion", "v1"},
          {"time", "2026-11-29T20:00:00Z"},
          {"fieldsType", "FieldsV1"},
          {"fieldsV1",
           {{"f:data", owned},
            {"f:metadata", {{"f:labels", {{"f:app.kubernetes.io/instance", json::object()}}}}}}}}});
    if (drift) live["data"]["setting_3"] = "changed by hand";
    pairs.desired.emplace_back(std::move(desired));
    pairs.live.emplace_back(std::move(live));
  }
  return pairs;
}

void Report(benchmark::State& state, uint64_t before, size_t out_of_sync) {
  double pairs = static_cast<double>(state.iterations()) * kPairs;
  state.counters["pairs/s"] = benchmark::Counter(pairs, benchmark::Counter::kIsRate);
  state.counters["allocs/pair"] = static_cast<double>(allocations.load() - before) / pairs;
  state.counters["out_of_sync"] = static_cast<double>(out_of_sync);
}

// Compare() over every pair, one at a time, with `differ`'s rules.
void ComparePairs(benchmark::State& state, const Differ& differ) {
  Pairs pairs = MakePairs();
  size_t out_of_sync = 0;
  uint64_t before = allocations.load();
  for (auto _ : state) {
    out_of_sync = 0;
    for (int i = 0; i < kPairs; ++i) {
      ResourceDiff result = differ.Compare(&pairs.desired[i], &pairs.live[i]);
      out_of_sync += result.status != SyncStatus::kSynced;
      benchmark::DoNotOptimize(result);
    }
  }
  Report(state, before, out_of_sync);
}

void BM_ComparePairs(benchmark::State& state) { ComparePairs(state, *Differ::Create({})); }
BENCHMARK(BM_ComparePairs)->Unit(benchmark::kMillisecond);

void BM_CompareAll(benchmark::State& state) {
  Pairs pairs = MakePairs();
  Differ differ = *Differ::Create({});
  size_t out_of_sync = 0;
  uint64_t before = allocations.load();
  for (auto _ : state) {
    Result<diff::Report> report = differ.CompareAll(pairs.desired, pairs.live);
    out_of_sync = 0;
    for (const ResourceDiff& r : report->resources) out_of_sync += r.status != SyncStatus::kSynced;
    benchmark::DoNotOptimize(report);
  }
  Report(state, before, out_of_sync);
}
BENCHMARK(BM_CompareAll)->Unit(benchmark::kMillisecond);

void BM_CompareWithIgnoreRules(benchmark::State& state) {
  ComparePairs(state, *Differ::Create(
                          {.ignore_differences = {
                               {.group = "apps",
                                .kind = "Deployment",
                                .jq_path_expressions = {".spec.template.spec.containers[] | "
                                                        "select(.name == \"podinfod\") | .image"}},
                           }}));
}
BENCHMARK(BM_CompareWithIgnoreRules)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace converge::diff

BENCHMARK_MAIN();
