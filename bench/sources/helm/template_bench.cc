// Rendering podinfo's deployment.yaml (with its _helpers.tpl and default values) in-process,
// against the whole `helm4 template --show-only templates/deployment.yaml` process on the same
// chart, measured in the same run. Prints both and their ratio.
//   build/dev/bench/helm_template_bench
// The chart comes from $CONVERGE_SHARED/corpus (default /work/shared/corpus), helm4 from
// $CONVERGE_ORACLES (default ~/.cache/oracles/bin).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "kube/kube.h"
#include "sources/helm/template/template.h"

extern char** environ;

namespace converge::sources::helm::tmpl {
namespace {

namespace fs = std::filesystem;

fs::path ChartDir() {
  const char* shared = std::getenv("CONVERGE_SHARED");
  return fs::path(shared != nullptr ? shared : "/work/shared") /
         "corpus/gitops/podinfo/charts/podinfo";
}

fs::path Helm4() {
  const char* oracles = std::getenv("CONVERGE_ORACLES");
  if (oracles != nullptr) return fs::path(oracles) / "helm4";
  return fs::path(std::getenv("HOME")) / ".cache/oracles/bin/helm4";
}

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Value Yaml(const std::string& text) {
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(text, "values.yaml");
  if (!documents.ok() || documents->empty()) return Value::Map();
  return Value::FromJson(documents->front().value);
}

// The dot Helm gives podinfo's deployment.yaml under `helm template`.
Value Dot() {
  Value values = Value::Map(ElemType::kValues);
  values.mutable_map() = Yaml(Read(ChartDir() / "values.yaml")).map();
  Value chart_yaml = Yaml(Read(ChartDir() / "Chart.yaml"));
  Value chart = Value::Map();
  auto field = [&](const char* go, const char* yaml) {
    auto found = chart_yaml.map().find(yaml);
    if (found != chart_yaml.map().end()) chart.mutable_map()[go] = found->second;
  };
  field("Name", "name");
  field("Version", "version");
  field("AppVersion", "appVersion");
  field("APIVersion", "apiVersion");
  field("Description", "description");
  field("KubeVersion", "kubeVersion");
  Value release = Value::Map();
  release.mutable_map()["Name"] = Value::String("release-name");
  release.mutable_map()["Namespace"] = Value::String("default");
  release.mutable_map()["Revision"] = Value::Int(1);
  release.mutable_map()["IsInstall"] = Value::Bool(true);
  release.mutable_map()["IsUpgrade"] = Value::Bool(false);
  release.mutable_map()["Service"] = Value::String("Helm");
  Value templ = Value::Map();
  templ.mutable_map()["Name"] = Value::String("podinfo/templates/deployment.yaml");
  templ.mutable_map()["BasePath"] = Value::String("podinfo/templates");
  Value dot = Value::Map();
  dot.mutable_map()["Values"] = values;
  dot.mutable_map()["Chart"] = chart;
  dot.mutable_map()["Release"] = release;
  dot.mutable_map()["Template"] = templ;
  return dot;
}

TemplateSet Templates() {
  TemplateSet set;
  Status status = set.AddFile("podinfo/templates/deployment.yaml",
                              Read(ChartDir() / "templates/deployment.yaml"));
  if (status.ok()) {
    status =
        set.AddFile("podinfo/templates/_helpers.tpl", Read(ChartDir() / "templates/_helpers.tpl"));
  }
  if (!status.ok()) std::fprintf(stderr, "parse: %s\n", status.message().c_str());
  return set;
}

double g_engine_seconds = 0;
double g_helm_seconds = 0;

// Parsing happens once per chart load; the benchmark measures executing the parsed set.
void BM_RenderPodinfoDeployment(benchmark::State& state) {
  TemplateSet set = Templates();
  Value dot = Dot();
  size_t bytes = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    Result<std::string> out = set.Execute("podinfo/templates/deployment.yaml", dot);
    if (!out.ok()) {
      state.SkipWithError(out.status().message().c_str());
      return;
    }
    bytes = out->size();
    benchmark::DoNotOptimize(out);
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  g_engine_seconds = elapsed.count() / static_cast<double>(state.iterations());
  state.counters["renders/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderPodinfoDeployment);

void BM_ParseAndRenderPodinfoDeployment(benchmark::State& state) {
  Value dot = Dot();
  std::string deployment = Read(ChartDir() / "templates/deployment.yaml");
  std::string helpers = Read(ChartDir() / "templates/_helpers.tpl");
  for (auto _ : state) {
    TemplateSet set;
    Status parsed = set.AddFile("podinfo/templates/deployment.yaml", deployment);
    if (parsed.ok()) parsed = set.AddFile("podinfo/templates/_helpers.tpl", helpers);
    Result<std::string> out = set.Execute("podinfo/templates/deployment.yaml", dot);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ParseAndRenderPodinfoDeployment);

int RunHelmOnce() {
  std::string helm = Helm4().string();
  std::string chart = ChartDir().string();
  std::vector<std::string> argv = {helm, "template", chart, "--show-only",
                                   "templates/deployment.yaml"};
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int error = posix_spawn(&pid, helm.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void BM_Helm4WholeProcess(benchmark::State& state) {
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (RunHelmOnce() != 0) {
      state.SkipWithError("helm4 template failed (is the oracle installed?)");
      return;
    }
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  g_helm_seconds = elapsed.count() / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Helm4WholeProcess)->UseRealTime()->Iterations(20);

}  // namespace
}  // namespace converge::sources::helm::tmpl

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  using converge::sources::helm::tmpl::g_engine_seconds;
  using converge::sources::helm::tmpl::g_helm_seconds;
  if (g_engine_seconds > 0 && g_helm_seconds > 0) {
    std::printf(
        "engine: %.1f us per render (%.0f renders/s); helm4 whole process: %.1f ms; "
        "ratio helm4/engine: %.0fx\n",
        g_engine_seconds * 1e6, 1 / g_engine_seconds, g_helm_seconds * 1e3,
        g_helm_seconds / g_engine_seconds);
  }
  return 0;
}
