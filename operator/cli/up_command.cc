// converge up: the whole system on one machine with nothing to set up: the embedded API server,
// a Git repository holding the example applications, an Application for each, and the operator
// syncing them. A user edits the repository, commits, and watches the cluster follow.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

#include "apiserver/apiserver.h"
#include "base/file.h"
#include "base/process.h"
#include "kube/client/config.h"
#include "operator/api/api.h"
#include "operator/application/application.h"
#include "operator/cli/commands.h"
#include "operator/cli/routes.h"
#include "operator/controller/controller.h"
#include "operator/embedded/embedded.h"
#include "operator/server/server.h"

namespace converge::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const kube::GroupVersionKind kCrdGvk{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"};
constexpr char kNamespace[] = "converge";

std::vector<FlagSpec> UpFlags() {
  std::vector<FlagSpec> flags = {
      {.name = "data-dir",
       .value_name = "DIR",
       .help = "where the cluster's data, the Git repository and caches live (default "
               "$CONVERGE_UP_DIR, else ~/.cache/converge/up); kept between runs"},
      {.name = "fresh", .type = FlagType::kBool, .help = "delete DIR first and start over"},
      {.name = "listen",
       .value_name = "HOST:PORT",
       .help = "API server address; port 0 picks a free one",
       .default_value = "127.0.0.1:0"},
      {.name = "api-listen",
       .value_name = "HOST:PORT",
       .help = "the operator's HTTP API (token in DIR/api-token); port 0 picks a free one",
       .default_value = "127.0.0.1:8080"},
      {.name = "poll-interval",
       .value_name = "MS",
       .help = "how often the operator looks at the repository (milliseconds)",
       .default_value = "3000"},
      {.name = "exit-when-ready",
       .type = FlagType::kBool,
       .help = "exit 0 once every Application is Ready (1 if not within 120 s), for scripts"},
      {.name = "help", .short_name = 'h', .type = FlagType::kBool, .help = "show this help"},
  };
  for (FlagSpec& spec : LoggingFlags()) flags.push_back(std::move(spec));
  return flags;
}

fs::path DefaultDataDir() {
  if (const char* dir = std::getenv("CONVERGE_UP_DIR"); dir != nullptr && *dir != '\0') return dir;
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "/tmp") / ".cache/converge/up";
}

Status Git(const fs::path& repo, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git",
                                   "-C",
                                   repo.string(),
                                   "-c",
                                   "user.name=Converge",
                                   "-c",
                                   "user.email=converge@localhost"};
  argv.insert(argv.end(), args.begin(), args.end());
  Result<CommandOutput> run = RunCommand({.argv = argv});
  if (!run.ok()) return run.status().Wrap("git (install git to use converge up)");
  if (run->exit_code != 0) return Status::Internal("git " + args[0] + ": " + run->err);
  return Status();
}

// The API token of DIR/api-token, created (random, mode 0600) on the first run.
Result<std::string> EnsureApiToken(const fs::path& file) {
  if (std::optional<std::string> kept = ReadFile(file)) {
    std::string token = kept->substr(0, kept->find('\n'));
    if (!token.empty()) return token;
  }
  std::ifstream random("/dev/urandom", std::ios::binary);
  unsigned char bytes[32];
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof(bytes))) {
    return Status::Unavailable("cannot read /dev/urandom for the API token");
  }
  std::ostringstream token;
  for (unsigned char byte : bytes) token << std::hex << std::setw(2) << std::setfill('0') << +byte;
  if (Status s = WritePrivateFile(file, token.str() + "\n"); !s.ok()) return s;
  return token.str();
}

// The example repository: created from the embedded examples on the first run, kept (with the
// user's commits) afterwards. Returns the example folders, the Applications to create.
Result<std::vector<std::string>> PrepareRepository(const fs::path& repo) {
  std::set<std::string> apps;
  constexpr std::string_view kPrefix = "examples/";
  for (const embedded::File& file : embedded::Files()) {
    if (!file.path.starts_with(kPrefix)) continue;
    std::string_view relative = file.path.substr(kPrefix.size());
    if (size_t slash = relative.find('/'); slash != std::string_view::npos) {
      apps.insert(std::string(relative.substr(0, slash)));
    }
  }
  if (fs::exists(repo / ".git")) return std::vector<std::string>(apps.begin(), apps.end());
  std::error_code error;
  fs::create_directories(repo, error);
  if (error) return Status::Internal("creating " + repo.string() + ": " + error.message());
  for (const embedded::File& file : embedded::Files()) {
    if (!file.path.starts_with(kPrefix)) continue;
    fs::path target = repo / std::string(file.path.substr(kPrefix.size()));
    fs::create_directories(target.parent_path(), error);
    std::ofstream(target, std::ios::binary) << file.content;
  }
  if (Status s = Git(repo, {"init", "-q", "-b", "main"}); !s.ok()) return s;
  if (Status s = Git(repo, {"add", "-A"}); !s.ok()) return s;
  if (Status s = Git(repo, {"commit", "-q", "-m", "Example applications"}); !s.ok()) return s;
  return std::vector<std::string>(apps.begin(), apps.end());
}

Status ApplyCrds(kube::Client& client) {
  for (const embedded::File& file : embedded::Files()) {
    if (!file.path.starts_with("manifests/crds/")) continue;
    Result<std::vector<kube::Object>> objects = kube::DecodeObjects(file.content, file.path);
    if (!objects.ok()) return objects.status();
    for (const kube::Object& crd : *objects) {
      kube::ApiResult<kube::Object> applied = client.Apply(crd);
      if (!applied.ok()) return applied.status().Wrap("applying " + kube::Describe(crd));
      // Established before anything uses it (the embedded server takes a moment).
      for (auto deadline = Clock::now() + std::chrono::seconds(30);;) {
        kube::ApiResult<kube::Object> live = client.Get(kCrdGvk, "", crd.Name());
        bool established = false;
        if (live.ok()) {
          for (const auto& condition :
               live->json()["status"].value("conditions", nlohmann::json::array())) {
            established |= condition.value("type", "") == "Established" &&
                           condition.value("status", "") == "True";
          }
        }
        if (established) break;
        if (Clock::now() > deadline)
          return Status::Unavailable(kube::Describe(crd) + " never Established");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  // The kinds just created are not in the discovery read before them.
  client.InvalidateDiscovery();
  return Status();
}

kube::Object ApplicationFor(const std::string& name, const fs::path& repo) {
  return kube::Object(nlohmann::json{
      {"apiVersion", std::string(app::kGroup) + "/" + app::kVersion},
      {"kind", app::kKind},
      {"metadata",
       {{"name", name}, {"namespace", kNamespace}, {"finalizers", {app::kResourcesFinalizer}}}},
      {"spec",
       {{"source",
         {{"repoURL", "file://" + repo.string()}, {"targetRevision", "main"}, {"path", name}}},
        {"destination", {{"server", app::kInClusterServer}, {"namespace", name}}},
        {"syncPolicy",
         {{"automated", {{"prune", true}, {"selfHeal", true}}},
          {"syncOptions", {"CreateNamespace=true"}}}}}}});
}

// "name: Synced Healthy" lines; true when every Application is Ready.
bool Summarize(kube::Client& client, const std::vector<std::string>& apps, std::string& summary) {
  bool all_ready = true;
  summary.clear();
  for (const std::string& name : apps) {
    kube::ApiResult<kube::Object> app = client.Get(app::kApplicationGvk, kNamespace, name);
    std::string sync = "Unknown", health = "Unknown", message;
    bool ready = false;
    if (app.ok()) {
      const nlohmann::json& status = app->json().value("status", nlohmann::json::object());
      sync = status.value("sync", nlohmann::json::object()).value("status", "Unknown");
      health = status.value("health", nlohmann::json::object()).value("status", "Unknown");
      for (const auto& condition : status.value("conditions", nlohmann::json::array())) {
        if (condition.value("type", "") == "Ready") {
          ready = condition.value("status", "") == "True";
          if (!ready) message = condition.value("message", "");
        }
      }
    }
    all_ready = all_ready && ready;
    std::ostringstream line;
    line << "  " << std::left << std::setw(11) << name << std::setw(11) << sync << std::setw(13)
         << health << message << "\n";
    summary += line.str();
  }
  return all_ready;
}

}  // namespace

int RunUp(std::span<const std::string> args, Streams streams) {
  auto started = Clock::now();
  std::vector<FlagSpec> specs = UpFlags();
  Result<ParsedFlags> flags = ParseFlags(specs, args);
  if (!flags.ok()) return Fail(streams, flags.status(), 2);
  if (flags->Bool("help")) {
    streams.out << "Usage: converge up [flags]\n\nStarts the embedded API server, a Git "
                   "repository with the example applications (plain manifests, Kustomize, "
                   "Helm), an Application for each and the operator that syncs them, then "
                   "prints what to try. Runs until interrupted.\n\nFlags:\n"
                << FlagHelp(specs);
    return 0;
  }
  if (Status s = ConfigureLogging(*flags); !s.ok()) return Fail(streams, s, 2);
  int poll_ms = std::atoi(flags->String("poll-interval").c_str());
  if (poll_ms < 100) return Fail(streams, Status::Invalid("--poll-interval must be >= 100"), 2);
  fs::path data = flags->Has("data-dir") ? fs::path(flags->String("data-dir")) : DefaultDataDir();
  std::error_code error;
  if (flags->Bool("fresh")) fs::remove_all(data, error);
  fs::create_directories(data, error);
  data = fs::absolute(data);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<std::vector<std::string>> apps = PrepareRepository(data / "repo");
  if (!apps.ok()) return Fail(streams, apps.status());
  Result<std::unique_ptr<apiserver::Server>> server =
      apiserver::Server::Start({.data_dir = data / "cluster", .listen = flags->String("listen")});
  if (!server.ok()) return Fail(streams, server.status());
  std::stop_source stop;
  std::jthread serving([&] { (*server)->Serve(stop.get_token()); });
  std::jthread simulating([&] { (*server)->RunControllers(stop.get_token()); });
  auto fail = [&](const Status& status) {
    stop.request_stop();
    return Fail(streams, status);
  };

  Result<kube::ClientConfig> config = kube::LoadKubeconfig({(*server)->kubeconfig()});
  if (!config.ok()) return fail(config.status());
  Result<std::unique_ptr<kube::Client>> client = kube::Client::Create(*config);
  if (!client.ok()) return fail(client.status());
  if (Status s = ApplyCrds(**client); !s.ok()) return fail(s);
  kube::ApiResult<kube::Object> ns = (*client)->Apply(kube::Object(nlohmann::json{
      {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNamespace}}}}));
  if (!ns.ok()) return fail(ns.status());
  for (const std::string& name : *apps) {
    kube::ApiResult<kube::Object> applied = (*client)->Apply(ApplicationFor(name, data / "repo"));
    if (!applied.ok()) return fail(applied.status().Wrap("creating Application " + name));
  }

  controller::Controller controller(**client, {.poll_interval = std::chrono::milliseconds(poll_ms),
                                               .poll_jitter = std::chrono::milliseconds(0),
                                               .cache_dir = data / "cache",
                                               .credentials_namespace = kNamespace});
  Result<std::string> token = EnsureApiToken(data / "api-token");
  if (!token.ok()) return fail(token.status());
  server::Tokens tokens({data / "api-token"});
  if (Status s = tokens.Load(); !s.ok()) return fail(s);
  api::Api api(**client, controller);
  std::jthread api_watching([&api](std::stop_token own) { api.Run(own); });
  std::vector<server::Route> routes = ListenerRoutes(controller, api, nullptr);
  Result<std::unique_ptr<server::Server>> http = server::Server::Start(
      {.listen = flags->String("api-listen"),
       .accept_token = [&tokens](std::string_view presented) { return tokens.Accepts(presented); }},
      std::move(routes));
  if (!http.ok()) return fail(http.status().Wrap("--api-listen"));
  std::string api_url = "http://127.0.0.1:" + std::to_string((*http)->port());
  if (Status s = WritePrivateFile(data / "cli-config.yaml",
                                  "server: " + api_url + "\ntoken: " + *token + "\n");
      !s.ok()) {
    return fail(s);
  }
  std::jthread operating([&] { controller.Run(stop.get_token()); });
  while (!controller.Ready()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  std::string kubeconfig = (*server)->kubeconfig().string();
  std::string repo = (data / "repo").string();
  streams.out << std::fixed << std::setprecision(1) << "Converge is up (" << seconds << " s).\n"
              << "  API server   " << (*server)->url() << "\n"
              << "  kubeconfig   " << kubeconfig << "\n"
              << "  HTTP API     " << api_url << " (bearer token in "
              << (data / "api-token").string() << ")\n"
              << "  Git repo     " << repo << " (branch main)\n"
              << "  Applications";
  for (const std::string& name : *apps) streams.out << " " << name;
  streams.out << " (namespace " << kNamespace << ", each deployed to a namespace of its name)\n\n"
              << "Try:\n"
              << "  export KUBECONFIG=" << kubeconfig << "\n"
              << "  kubectl get applications -n " << kNamespace << "\n"
              << "  kubectl get deployments,services -A -l app.kubernetes.io/managed-by=converge\n"
              << "  cd " << repo
              << " && sed -i 's/replicaCount: 2/replicaCount: 3/' helm/values.yaml && git commit "
                 "-qam 'three replicas'\n"
              << "  kubectl get deployments -n helm -w    # follows within seconds\n"
              << "  export CONVERGE_SERVER=" << api_url << " CONVERGE_TOKEN=$(cat "
              << (data / "api-token").string() << ")\n"
              << "  converge app list                   # or: converge app get helm\n"
              << "  converge app history helm; converge app diff helm\n"
              << "  converge app sync helm --wait       # progress as it syncs\n"
              << "  curl -H \"Authorization: Bearer $CONVERGE_TOKEN\" "
                 "$CONVERGE_SERVER/api/v1/applications\n"
              << "  (server and token are also in " << (data / "cli-config.yaml").string()
              << "; converge app list --config FILE reads it)\n"
              << "Stop with Ctrl-C; run again to continue, or with --fresh to start over.\n";
  streams.out.flush();

  int code = 0;
  if (flags->Bool("exit-when-ready")) {
    std::string summary;
    bool ready = false;
    for (auto deadline = Clock::now() + std::chrono::seconds(120);
         !(ready = Summarize(**client, *apps, summary)) && Clock::now() < deadline;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    double total = std::chrono::duration<double>(Clock::now() - started).count();
    streams.out << "\n"
                << (ready ? "All Applications Synced and Healthy" : "Not ready") << " after "
                << total << " s:\n"
                << summary;
    code = ready ? 0 : 1;
  } else {
    int received = 0;
    sigwait(&signals, &received);
  }
  stop.request_stop();
  return code;
}

}  // namespace converge::cli
