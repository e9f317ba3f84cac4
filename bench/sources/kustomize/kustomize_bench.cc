// Building podinfo's production overlay (gitops/podinfo/deploy/overlays/production: four bases,
// generators, a namespace and a builtin label transformer) in-process, and the whole
// `converge render` process against the whole `kubectl kustomize` process on the same
// directory, measured in the same run. Prints both ratios.
//   build/test/bench/kustomize_bench
// The overlay comes from $CONVERGE_SHARED/corpus (default /work/shared/corpus), kubectl from
// $CONVERGE_ORACLES (default ~/.cache/oracles/bin), converge from $CONVERGE_BINARY (default
// build/test/operator/converge).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "base/process.h"
#include "sources/kustomize/kustomize.h"
#include "sources/tree/tree.h"

namespace converge::sources::kustomize {
namespace {

namespace fs = std::filesystem;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

fs::path Overlay() {
  return fs::path(EnvOr("CONVERGE_SHARED", "/work/shared")) /
         "corpus/gitops/podinfo/deploy/overlays/production";
}

fs::path Kubectl() {
  return fs::path(EnvOr("CONVERGE_ORACLES", EnvOr("HOME", "") + "/.cache/oracles/bin")) / "kubectl";
}

fs::path Converge() { return EnvOr("CONVERGE_BINARY", "build/test/operator/converge"); }

double g_in_process_seconds = 0;
double g_converge_seconds = 0;
double g_kubectl_seconds = 0;

// The tree is opened once, as the operator keeps it; each iteration is a whole build and print.
void BM_BuildPodinfoProduction(benchmark::State& state) {
  Result<std::unique_ptr<tree::FileTree>> root = tree::OpenDirectory("/");
  if (!root.ok()) {
    state.SkipWithError(root.status().message().c_str());
    return;
  }
  std::string dir = fs::canonical(Overlay()).relative_path().string();
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    Result<std::vector<kube::Object>> objects = Build(**root, dir, Options{.display_root = "/"});
    if (!objects.ok()) {
      state.SkipWithError(objects.status().message().c_str());
      return;
    }
    std::string out = Print(*objects);
    benchmark::DoNotOptimize(out);
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  g_in_process_seconds = elapsed.count() / static_cast<double>(state.iterations());
  state.counters["builds/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BuildPodinfoProduction);

double TimeProcess(benchmark::State& state, const std::vector<std::string>& argv) {
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    Result<CommandOutput> run = RunCommand(Command{.argv = argv});
    if (!run.ok() || run->exit_code != 0) {
      state.SkipWithError((argv[0] + " failed").c_str());
      return 0;
    }
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count() / static_cast<double>(state.iterations());
}

void BM_ConvergeRenderWholeProcess(benchmark::State& state) {
  g_converge_seconds = TimeProcess(state, {Converge().string(), "render", Overlay().string()});
}
BENCHMARK(BM_ConvergeRenderWholeProcess)->UseRealTime()->Iterations(20);

void BM_KubectlKustomizeWholeProcess(benchmark::State& state) {
  g_kubectl_seconds = TimeProcess(state, {Kubectl().string(), "kustomize", Overlay().string()});
}
BENCHMARK(BM_KubectlKustomizeWholeProcess)->UseRealTime()->Iterations(20);

}  // namespace
}  // namespace converge::sources::kustomize

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  using converge::sources::kustomize::g_converge_seconds;
  using converge::sources::kustomize::g_in_process_seconds;
  using converge::sources::kustomize::g_kubectl_seconds;
  if (g_in_process_seconds > 0 && g_converge_seconds > 0 && g_kubectl_seconds > 0) {
    std::printf(
        "in-process: %.0f us per build (%.0f builds/s); converge render: %.1f ms; "
        "kubectl kustomize: %.1f ms\nratio kubectl/in-process: %.0fx; "
        "ratio kubectl/converge render: %.1fx\n",
        g_in_process_seconds * 1e6, 1 / g_in_process_seconds, g_converge_seconds * 1e3,
        g_kubectl_seconds * 1e3, g_kubectl_seconds / g_in_process_seconds,
        g_kubectl_seconds / g_converge_seconds);
  }
  return 0;
}
