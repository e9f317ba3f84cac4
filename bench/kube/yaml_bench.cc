// Throughput of reading and printing manifests: the work behind every render and every diff.
//   build/release/bench/kube_yaml_bench

#include <string>

#include <benchmark/benchmark.h>

#include "kube/kube.h"

namespace converge::kube {
namespace {

// A stream of `count` realistic Deployments (labels, a container with env, probes, resources).
std::string DeploymentStream(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    std::string n = std::to_string(i);
    out += "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-" + n +
           "\n  namespace: team-" + std::to_string(i % 7) +
           "\n  labels:\n    app.kubernetes.io/name: app-" + n +
           "\n    app.kubernetes.io/part-of: shop\n  annotations:\n    note: \"replicas are "
           "managed by the HPA; do not edit\"\nspec:\n  replicas: 3\n  selector:\n    "
           "matchLabels:\n      app.kubernetes.io/name: app-" +
           n + "\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: app-" +
           n +
           "\n    spec:\n      containers:\n      - name: web\n        image: "
           "registry.example.com/shop/web:1.4." +
           n +
           "\n        args: [--port=8080, --log-level=info]\n        env:\n        - name: "
           "DATABASE_URL\n          value: postgres://db:5432/shop\n        - name: "
           "FEATURE_FLAGS\n          value: \"checkout,search\"\n        ports:\n        - "
           "containerPort: 8080\n          protocol: TCP\n        readinessProbe:\n          "
           "httpGet: {path: /healthz, port: 8080}\n          periodSeconds: 10\n        "
           "resources:\n          limits: {cpu: 500m, memory: 256Mi}\n          requests: {cpu: "
           "100m, memory: 128Mi}\n";
  }
  return out;
}

void BM_DecodeObjects(benchmark::State& state) {
  std::string text = DeploymentStream(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    Result<std::vector<Object>> objects = DecodeObjects(text, "bench.yaml");
    benchmark::DoNotOptimize(objects);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_DecodeObjects)->Arg(10)->Arg(1000);

void BM_EncodeYamlStream(benchmark::State& state) {
  std::string text = DeploymentStream(static_cast<int>(state.range(0)));
  std::vector<Object> objects = *DecodeObjects(text, "bench.yaml");
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = EncodeYamlStream(objects);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EncodeYamlStream)->Arg(10)->Arg(1000);

void BM_EncodeJson(benchmark::State& state) {
  std::vector<Object> objects = *DecodeObjects(DeploymentStream(1000), "bench.yaml");
  size_t bytes = 0;
  for (auto _ : state) {
    for (const Object& object : objects) {
      std::string out = EncodeJson(object.json());
      bytes += out.size();
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EncodeJson);

}  // namespace
}  // namespace converge::kube

BENCHMARK_MAIN();
