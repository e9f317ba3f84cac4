// The operator at scale, in the shape of Flux's published benchmark: one Git repository with N
// application folders of 4 objects each, N Applications, the embedded API server (its own
// process) and `converge operator` (its own process, measured):
//   build/release/bench/operator_scale_bench [--apps 1000] [--idle-seconds 600] [--converge BIN]
//       [--keep true]
// Reports the time from the operator's start until every Application is Synced and Healthy, the
// operator's peak RSS, its CPU over an idle window, and how many renders a commit touching one
// folder causes (it must be 1). Flux's figure for 1,000 Kustomizations: 4 min 13 s and 223 MiB,
// on a 16-core GitHub runner; the hardware here differs.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "base/process.h"
#include "kube/client/client.h"
#include "kube/client/config.h"
#include "kube/client/informer.h"

namespace {

using namespace converge;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Settings {
  int apps = 1000;
  int idle_seconds = 600;
  std::string converge = "build/release/operator/converge";
  bool keep = false;  // leave the work directory (logs) for a look afterwards
};

// A child process with its output in a file.
struct Child {
  pid_t pid = -1;
  fs::path log;
};

Child Spawn(const std::vector<std::string>& argv, const fs::path& log) {
  Child child{.log = log};
  child.pid = fork();
  if (child.pid == 0) {
    FILE* out = std::fopen(log.c_str(), "w");
    dup2(fileno(out), 1);
    dup2(fileno(out), 2);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return child;
}

void Stop(const Child& child) {
  if (child.pid <= 0) return;
  kill(child.pid, SIGTERM);
  int status = 0;
  waitpid(child.pid, &status, 0);
}

std::string Slurp(const fs::path& path) { return ReadFile(path).value_or(""); }

// Waits until `log` contains `needle`.
bool WaitForLog(const fs::path& log, const std::string& needle, std::chrono::seconds limit) {
  for (auto deadline = Clock::now() + limit; Clock::now() < deadline;) {
    if (Slurp(log).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int64_t PeakRssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return 0;
}

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) {
      stime = std::atoll(field.c_str());
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void Git(const fs::path& repo, std::vector<std::string> args) {
  std::vector<std::string> argv = {
      "git", "-C", repo.string(), "-c", "user.name=bench", "-c", "user.email=bench@localhost"};
  argv.insert(argv.end(), args.begin(), args.end());
  Result<CommandOutput> run = RunCommand({.argv = argv});
  if (!run.ok() || run->exit_code != 0) {
    std::fprintf(stderr, "git %s failed\n", args[0].c_str());
    std::exit(1);
  }
}

std::string AppName(int i) {
  char name[32];
  std::snprintf(name, sizeof(name), "app-%04d", i);
  return name;
}

void WriteApp(const fs::path& dir, const std::string& name, const std::string& message) {
  fs::create_directories(dir);
  std::ofstream(dir / "objects.yaml")
      << "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: " << name
      << "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " << name
      << "\ndata:\n  message: \"" << message
      << "\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " << name
      << "\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: " << name
      << "}\n  template:\n    metadata:\n      labels: {app: " << name
      << "}\n    spec:\n      serviceAccountName: " << name
      << "\n      containers:\n        - name: app\n          image: "
         "ghcr.io/stefanprodan/podinfo:6.7.0\n"
      << "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " << name
      << "\nspec:\n  selector: {app: " << name << "}\n  ports:\n    - port: 9898\n";
}

// Applications that are Synced and Healthy, from a watch: listing a thousand Applications twice
// a second would load the API server the operator is measured against.
int CountReady(const kube::Informer& applications) {
  int ready = 0;
  for (const kube::ObjectRef& app : applications.List()) {
    const json& status = app->json().value("status", json::object());
    ready += status.value("sync", json::object()).value("status", "") == "Synced" &&
             status.value("health", json::object()).value("status", "") == "Healthy";
  }
  return ready;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Settings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--apps") settings.apps = std::atoi(argv[i + 1]);
    if (flag == "--idle-seconds") settings.idle_seconds = std::atoi(argv[i + 1]);
    if (flag == "--converge") settings.converge = argv[i + 1];
    if (flag == "--keep") settings.keep = std::string(argv[i + 1]) == "true";
  }
  settings.converge = fs::absolute(settings.converge).string();
  fs::path dir = fs::temp_directory_path() / ("converge-scale-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::printf("operator scale benchmark: %d Applications of 4 objects, work dir %s\n",
              settings.apps, dir.c_str());

  fs::path repo = dir / "repo";
  fs::create_directories(repo);
  for (int i = 0; i < settings.apps; ++i) WriteApp(repo / "apps" / AppName(i), AppName(i), "v1");
  Git(repo, {"init", "-q", "-b", "main"});
  Git(repo, {"add", "-A"});
  Git(repo, {"commit", "-q", "-m", "apps"});

  Child server = Spawn({settings.converge, "apiserver", "--data-dir", (dir / "cluster").string(),
                        "--listen", "127.0.0.1:0"},
                       dir / "apiserver.log");
  if (!WaitForLog(dir / "apiserver.log", "kubeconfig:", std::chrono::seconds(30))) {
    std::fprintf(stderr, "the API server did not start:\n%s", Slurp(dir / "apiserver.log").c_str());
    return 1;
  }
  fs::path kubeconfig = dir / "cluster" / "kubeconfig";
  Result<kube::ClientConfig> config = kube::LoadKubeconfig({kubeconfig});
  Result<std::unique_ptr<kube::Client>> client = kube::Client::Create(*config);
  if (!client.ok()) return 1;
  std::string crds =
      Slurp(fs::path(CONVERGE_SOURCE_DIR) / "manifests/crds/applications.converge.dev.yaml");
  kube::Object crd = (*kube::DecodeObjects(crds, "crd"))[0];
  (*client)->Apply(crd);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  (*client)->InvalidateDiscovery();
  (*client)->Apply(kube::Object(
      json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}}));
  auto created_start = Clock::now();
  for (int i = 0; i < settings.apps; ++i) {
    std::string name = AppName(i);
    kube::ApiResult<kube::Object> applied = (*client)->Apply(kube::Object(
        json{{"apiVersion", "converge.dev/v1alpha1"},
             {"kind", "Application"},
             {"metadata", {{"name", name}, {"namespace", "bench"}}},
             {"spec",
              {{"source", {{"repoURL", "file://" + repo.string()}, {"path", "apps/" + name}}},
               {"destination", {{"name", "in-cluster"}, {"namespace", name}}},
               {"syncPolicy",
                {{"automated", {{"prune", true}, {"selfHeal", true}}},
                 {"syncOptions", {"CreateNamespace=true"}}}}}}}));
    if (!applied.ok()) {
      std::fprintf(stderr, "creating %s: %s\n", name.c_str(), applied.error().message.c_str());
      return 1;
    }
  }
  std::printf("created %d Applications in %.1f s\n", settings.apps,
              std::chrono::duration<double>(Clock::now() - created_start).count());

  double server_cpu_before = CpuSeconds(server.pid);
  auto start = Clock::now();
  Child operator_process =
      Spawn({settings.converge, "operator", "--kubeconfig", kubeconfig.string(), "--cache-dir",
             (dir / "cache").string(), "--poll-interval", "60s", "--poll-jitter", "0s", "--workers",
             "8", "--credentials-namespace", "bench"},
            dir / "operator.log");
  int ready = 0;
  double synced_seconds = 0;
  kube::Informer applications(**client,
                              {.gvk = {"converge.dev", "v1alpha1", "Application"}, .ns = "bench"});
  std::jthread watching([&applications](std::stop_token stop) { applications.Run(stop); });
  for (auto deadline = start + std::chrono::minutes(15); Clock::now() < deadline;) {
    ready = CountReady(applications);
    if (ready == settings.apps) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  synced_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("Synced and Healthy: %d of %d after %.1f s (target: all in under 60 s)\n", ready,
              settings.apps, synced_seconds);
  // CPU time says what the wall time would be on an idle machine: the two processes share
  // the cores, so their sum divided by the core count bounds the convergence time from below.
  std::printf("CPU seconds until then: operator %.1f, API server %.1f\n",
              CpuSeconds(operator_process.pid), CpuSeconds(server.pid) - server_cpu_before);

  std::string before = Slurp(dir / "operator.log");
  size_t renders_before = Count(before, " rendered ");
  WriteApp(repo / "apps" / AppName(0), AppName(0), "v2");
  Git(repo, {"commit", "-q", "-am", "one folder"});
  // One poll interval (60 s) brings every Application's revision check round.
  std::this_thread::sleep_for(std::chrono::seconds(75));
  size_t renders_after = Count(Slurp(dir / "operator.log"), " rendered ");
  std::printf("renders after a commit touching one folder: %zu (must be 1)\n",
              renders_after - renders_before);

  double cpu_before = CpuSeconds(operator_process.pid);
  std::this_thread::sleep_for(std::chrono::seconds(settings.idle_seconds));
  double cpu = CpuSeconds(operator_process.pid) - cpu_before;
  std::printf("idle CPU over %d s: %.2f %% of one core (target under 2 %%)\n",
              settings.idle_seconds, 100.0 * cpu / settings.idle_seconds);
  std::printf("operator peak RSS: %.1f MiB (target under 150 MiB)\n",
              static_cast<double>(PeakRssKiB(operator_process.pid)) / 1024.0);
  std::printf("Flux, 1,000 Kustomizations (published, 16-core runner): 4 min 13 s, 223 MiB\n");
  Stop(operator_process);
  Stop(server);
  std::error_code error;
  if (!settings.keep) fs::remove_all(dir, error);
  return ready == settings.apps ? 0 : 1;
}
