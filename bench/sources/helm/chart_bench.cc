// sources/helm against `helm4 template` over the chart corpus, in the same run:
//   build/test/bench/helm_chart_bench [--corpus DIR] [--helm PATH] [--converge PATH] [--passes N]
//                                     [--mode all|in-process]
// For every chart of corpus/charts (charts.tsv) it measures, best of N passes:
//   helm       `helm4 template rel CHART` as a whole process
//   converge   `converge render CHART --release-name rel` as a whole process
//   in-process LoadChart + Render + FormatTemplate in this process
// and prints each chart's times, then the totals with the ratios (helm time / converge time:
// above 1 means converge wins), and the median and geometric mean of the per-chart ratios.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "sources/helm/helm.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace helm = converge::sources::helm;
using Clock = std::chrono::steady_clock;

struct Settings {
  fs::path corpus = "/work/shared/corpus";
  std::string helm =
      std::string(std::getenv("HOME") ? std::getenv("HOME") : "") + "/.cache/oracles/bin/helm4";
  std::string converge = "build/test/operator/converge";
  int passes = 3;
  // "in-process" skips both processes, for profiling the library alone.
  std::string mode = "all";
};

// Runs argv with its output discarded; returns the exit code.
int Spawn(const std::vector<std::string>& argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

template <typename F>
double BestSeconds(int passes, F&& run) {
  double best = 1e9;
  for (int i = 0; i < passes; ++i) {
    Clock::time_point start = Clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

bool RenderInProcess(const fs::path& chart) {
  auto tree = converge::sources::tree::OpenDirectory(chart.parent_path());
  if (!tree.ok()) return false;
  auto loaded = helm::LoadChart(**tree, chart.filename().string());
  if (!loaded.ok()) return false;
  helm::Options options{.release_name = "rel"};
  auto release = helm::Render(*loaded, options);
  if (!release.ok()) return false;
  return helm::FormatTemplate(*release, options).ok();
}

std::vector<fs::path> Charts(const fs::path& corpus) {
  std::vector<fs::path> charts;
  std::ifstream tsv(corpus / "charts/charts.tsv");
  std::string line;
  std::getline(tsv, line);
  while (std::getline(tsv, line)) {
    charts.push_back(corpus / "charts" / line.substr(0, line.find('\t')));
  }
  return charts;
}

struct Ratios {
  std::vector<double> whole;
  std::vector<double> in_process;
};

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double GeometricMean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  double logs = 0;
  for (double value : values) logs += std::log(value);
  return std::exp(logs / static_cast<double>(values.size()));
}

Settings Parse(int argc, char** argv) {
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--corpus") settings.corpus = argv[i + 1];
    if (flag == "--helm") settings.helm = argv[i + 1];
    if (flag == "--converge") settings.converge = argv[i + 1];
    if (flag == "--passes") settings.passes = std::atoi(argv[i + 1]);
    if (flag == "--mode") settings.mode = argv[i + 1];
  }
  return settings;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings = Parse(argc, argv);
  setenv("TZ", "UTC", 1);
  double helm_total = 0;
  double converge_total = 0;
  double in_process_total = 0;
  Ratios ratios;
  std::printf("%-70s %10s %10s %10s\n", "chart", "helm4 s", "converge s", "in-proc s");
  bool processes = settings.mode != "in-process";
  for (const fs::path& chart : Charts(settings.corpus)) {
    double helm_time = !processes ? 1 : BestSeconds(settings.passes, [&] {
      Spawn({settings.helm, "template", "rel", chart.string()});
    });
    double converge_time = !processes ? 1 : BestSeconds(settings.passes, [&] {
      Spawn({settings.converge, "render", chart.string(), "--release-name", "rel"});
    });
    bool ok = true;
    double in_process = BestSeconds(settings.passes, [&] { ok = RenderInProcess(chart); });
    helm_total += helm_time;
    converge_total += converge_time;
    in_process_total += in_process;
    ratios.whole.push_back(helm_time / converge_time);
    ratios.in_process.push_back(helm_time / in_process);
    std::printf("%-70s %10.4f %10.4f %10.4f%s\n",
                chart.lexically_relative(settings.corpus).string().c_str(), helm_time,
                converge_time, in_process, ok ? "" : "  (render failed)");
  }
  std::printf("\ntotal: helm4 %.3f s, converge render %.3f s, in-process %.3f s\n", helm_total,
              converge_total, in_process_total);
  std::printf("ratio helm4 / converge render (whole process): %.1fx\n",
              helm_total / converge_total);
  std::printf("ratio helm4 / in-process render: %.1fx\n", helm_total / in_process_total);
  std::printf("per-chart ratio, whole process: median %.1fx, geometric mean %.1fx\n",
              Median(ratios.whole), GeometricMean(ratios.whole));
  std::printf("per-chart ratio, in-process: median %.1fx, geometric mean %.1fx\n",
              Median(ratios.in_process), GeometricMean(ratios.in_process));
  return 0;
}
