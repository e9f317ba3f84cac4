// converge operator: the controller that keeps Applications in sync, against the cluster it runs
// in (or the one a kubeconfig names). Every flag can also be set through the environment as
// CONVERGE_<FLAG> (upper case, '-' as '_'); the command line wins.
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <ostream>
#include <thread>

#include <malloc.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/log.h"
#include "base/strings.h"
#include "kube/client/config.h"
#include "kube/client/informer.h"
#include "kube/client/leader_election.h"
#include "operator/api/api.h"
#include "operator/cli/commands.h"
#include "operator/cli/routes.h"
#include "operator/cli/source.h"
#include "operator/controller/controller.h"
#include "operator/server/server.h"
#include "operator/webhook/webhook.h"

namespace converge::cli {
namespace {

std::string DefaultCacheDir() {
  if (const char* dir = std::getenv("CONVERGE_CACHE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "/tmp") + "/.cache/converge";
}

std::vector<FlagSpec> OperatorFlags() {
  std::vector<FlagSpec> flags = ClusterFlags();
  std::vector<FlagSpec> own = {
      {.name = "namespaces",
       .type = FlagType::kList,
       .value_name = "NS",
       .help = "reconcile the Applications of these namespaces only (repeat; default all)"},
      {.name = "workers",
       .value_name = "N",
       .help = "Applications reconciled at the same time",
       .default_value = "4"},
      {.name = "kube-api-qps",
       .value_name = "N",
       .help = "requests per second to the Kubernetes API, sustained (0: no limit)",
       .default_value = "50"},
      {.name = "kube-api-burst",
       .value_name = "N",
       .help = "requests to the Kubernetes API allowed at once above the sustained rate",
       .default_value = "100"},
      {.name = "poll-interval",
       .value_name = "DURATION",
       .help = "look at every Application again after this long (Go duration)",
       .default_value = "2m"},
      {.name = "poll-jitter",
       .value_name = "DURATION",
       .help = "plus a random delay up to this long, spreading the Git traffic",
       .default_value = "1m"},
      {.name = "cache-dir",
       .value_name = "DIR",
       .help = "Git mirrors and credential files (default $CONVERGE_CACHE_DIR, else "
               "~/.cache/converge)"},
      {.name = "credentials-namespace",
       .value_name = "NS",
       .help = "where repository Secrets are read (default $POD_NAMESPACE, else converge)"},
      {.name = "known-hosts",
       .value_name = "FILE",
       .help = "SSH known_hosts for repositories whose Secret has none",
       .default_value = ""},
      {.name = "git-timeout",
       .value_name = "DURATION",
       .help = "limit for each Git network operation",
       .default_value = "60s"},
      {.name = "sync-timeout",
       .value_name = "DURATION",
       .help = "limit for one sync, health waits included",
       .default_value = "5m"},
      {.name = "sync-wave-delay",
       .value_name = "DURATION",
       .help = "pause after applying a sync wave before judging its health, so that other "
               "controllers can react (Argo CD's ARGOCD_SYNC_WAVE_DELAY)",
       .default_value = "2s"},
      {.name = "listen",
       .value_name = "HOST:PORT",
       .help = "serve the HTTP API, webhooks, /healthz, /readyz and /metrics here",
       .default_value = ":8080"},
      {.name = "api-token-file",
       .type = FlagType::kList,
       .value_name = "FILE",
       .help = "accept each non-empty line of FILE as an API bearer token; read again when it "
               "changes (repeat)"},
      {.name = "api-token-secret",
       .value_name = "NS/NAME",
       .help = "accept every value of this Secret's data as an API bearer token (watched)"},
      {.name = "insecure-no-auth",
       .type = FlagType::kBool,
       .help = "serve the API without authentication; only on a loopback --listen"},
      {.name = "webhook-secrets-dir",
       .value_name = "DIR",
       .help = "Git webhook secrets, one file per provider (github, gitlab, gitea, gogs, "
               "bitbucket-server, generic); a provider without one is refused"},
      {.name = "leader-elect",
       .type = FlagType::kBool,
       .help = "run the controller only while holding a Lease, so replicas can stand by"},
      {.name = "leader-election-namespace",
       .value_name = "NS",
       .help = "the Lease's namespace (default: the credentials namespace)"},
      {.name = "leader-election-id",
       .value_name = "NAME",
       .help = "the Lease's name",
       .default_value = "converge-operator"},
      {.name = "lease-duration",
       .value_name = "DURATION",
       .help = "how long a silent leader keeps the Lease (client-go's default)",
       .default_value = "15s"},
      {.name = "renew-deadline",
       .value_name = "DURATION",
       .help = "a leader that could not renew for this long stops leading",
       .default_value = "10s"},
      {.name = "retry-period",
       .value_name = "DURATION",
       .help = "how often the Lease is tried and renewed",
       .default_value = "2s"},
      {.name = "help", .short_name = 'h', .type = FlagType::kBool, .help = "show this help"},
  };
  for (FlagSpec& spec : own) flags.push_back(std::move(spec));
  for (FlagSpec& spec : LoggingFlags()) flags.push_back(std::move(spec));
  return flags;
}

// CONVERGE_<FLAG> values as flags placed before the command line's, so the command line wins.
std::vector<std::string> WithEnvironment(const std::vector<FlagSpec>& specs,
                                         std::span<const std::string> args) {
  std::vector<std::string> out;
  for (const FlagSpec& spec : specs) {
    if (spec.name == "help") continue;
    std::string variable = "CONVERGE_" + spec.name;
    for (char& c : variable) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr || *value == '\0') continue;
    if (spec.type == FlagType::kList) {
      std::string_view rest = value;
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        out.push_back("--" + spec.name + "=" + std::string(rest.substr(0, comma)));
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
      }
    } else {
      out.push_back("--" + spec.name + "=" + value);
    }
  }
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

// This replica's name in the Lease: the Pod's name in a cluster, else host and pid.
std::string Identity() {
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0') return pod;
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return std::string(host) + "_" + std::to_string(::getpid());
}

Result<std::unique_ptr<kube::Client>> Connect(const ParsedFlags& flags) {
  kube::ClientOptions options;
  std::string qps = flags.String("kube-api-qps");
  std::string burst = flags.String("kube-api-burst");
  auto [qps_end, qps_error] = std::from_chars(qps.data(), qps.data() + qps.size(), options.qps);
  if (qps_error != std::errc() || qps_end != qps.data() + qps.size() || options.qps < 0) {
    return Status::Invalid("--kube-api-qps " + qps + ": not a number of at least 0");
  }
  auto [burst_end, burst_error] =
      std::from_chars(burst.data(), burst.data() + burst.size(), options.burst);
  if (burst_error != std::errc() || burst_end != burst.data() + burst.size() || options.burst < 1) {
    return Status::Invalid("--kube-api-burst " + burst + ": not a whole number of at least 1");
  }
  // In a Pod without a kubeconfig flag: the Pod's service account.
  if (!flags.Has("kubeconfig") && !flags.Has("server") &&
      std::getenv("KUBERNETES_SERVICE_HOST") != nullptr) {
    Result<kube::ClientConfig> config = kube::InClusterConfig();
    if (!config.ok()) return config.status();
    return kube::Client::Create(std::move(*config), options);
  }
  return ConnectCluster(flags, options);
}

struct SecretName {
  std::string ns;
  std::string name;
};

// How API callers are authenticated: tokens from files and a Secret, or (loopback only) not
// at all.
struct ApiAuth {
  std::unique_ptr<server::Tokens> tokens;  // null: --insecure-no-auth
  std::optional<SecretName> secret;
};

Result<ApiAuth> ReadApiAuth(const ParsedFlags& flags) {
  ApiAuth auth;
  std::vector<std::string> files = flags.List("api-token-file");
  bool secret = flags.Has("api-token-secret") && !flags.String("api-token-secret").empty();
  if (flags.Bool("insecure-no-auth")) {
    if (!server::IsLoopback(flags.String("listen"))) {
      return Status::Invalid(
          "--insecure-no-auth needs a loopback --listen (127.0.0.1, ::1 or "
          "localhost), not \"" +
          flags.String("listen") + "\"");
    }
    if (!files.empty() || secret) {
      return Status::Invalid("--insecure-no-auth contradicts --api-token-file/--api-token-secret");
    }
    return auth;
  }
  auth.tokens = std::make_unique<server::Tokens>(
      std::vector<std::filesystem::path>(files.begin(), files.end()));
  if (Status s = auth.tokens->Load(); !s.ok()) return s.Wrap("--api-token-file");
  if (secret) {
    std::string value = flags.String("api-token-secret");
    size_t slash = value.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() ||
        value.find('/', slash + 1) != std::string::npos) {
      return Status::Invalid("--api-token-secret \"" + value + "\" is not NAMESPACE/NAME");
    }
    auth.secret = SecretName{value.substr(0, slash), value.substr(slash + 1)};
  }
  if (files.empty() && !secret) {
    log::Warn("no --api-token-file or --api-token-secret: every API call is refused (401)");
  }
  return auth;
}

// Keeps `tokens`' Secret tokens equal to the values of the Secret's data while the returned
// thread runs.
std::jthread WatchTokenSecret(kube::Client& client, const SecretName& secret,
                              server::Tokens& tokens) {
  auto update = [&tokens, name = secret.name](const kube::Object& object, bool present) {
    if (object.Name() != name) return;
    std::vector<std::string> values;
    if (present) {
      nlohmann::json data = object.json().value("data", nlohmann::json::object());
      for (const auto& [key, encoded] : data.items()) {
        std::optional<std::string> value =
            encoded.is_string() ? Base64Decode(encoded.get<std::string>()) : std::nullopt;
        if (value && !value->empty()) values.push_back(TrimRight(*value));
      }
    }
    tokens.SetSecretTokens(std::move(values));
  };
  auto informer = std::make_shared<kube::Informer>(
      client, kube::InformerOptions{.gvk = {"", "v1", "Secret"}, .ns = secret.ns},
      kube::InformerHandlers{
          .on_add = [update](const kube::Object& added) { update(added, true); },
          .on_update = [update](const kube::Object&,
                                const kube::Object& after) { update(after, true); },
          .on_delete = [update](const kube::Object& deleted) { update(deleted, false); }});
  return std::jthread([informer](std::stop_token stop) { informer->Run(stop); });
}

}  // namespace

int RunOperator(std::span<const std::string> args, Streams streams) {
  std::vector<FlagSpec> specs = OperatorFlags();
  std::vector<std::string> all = WithEnvironment(specs, args);
  Result<ParsedFlags> flags = ParseFlags(specs, all);
  if (!flags.ok()) return Fail(streams, flags.status(), 2);
  if (flags->Bool("help")) {
    streams.out << "Usage: converge operator [flags]\n\nReconciles Applications "
                   "(applications.converge.dev) until interrupted: resolves their Git revision, "
                   "renders, compares with the cluster, syncs by their policy and writes their "
                   "status. Flags can also be set as CONVERGE_<FLAG> environment variables.\n\n"
                   "Flags:\n"
                << FlagHelp(specs);
    return 0;
  }
  if (Status s = ConfigureLogging(*flags); !s.ok()) return Fail(streams, s, 2);
  if (!flags->positional().empty()) {
    return Fail(streams, Status::Invalid("operator takes no arguments"), 2);
  }
  // glibc gives each thread that allocates its own heap arena (up to 8 per core), and every
  // arena keeps its freed memory; the workers' short-lived JSON would hold tens of MiB of RSS
  // that way. Four arenas are plenty for threads that mostly wait on the network.
  mallopt(M_ARENA_MAX, 4);
  controller::Options options;
  options.namespaces = flags->List("namespaces");
  int workers = std::atoi(flags->String("workers").c_str());
  if (workers < 1) return Fail(streams, Status::Invalid("--workers must be at least 1"), 2);
  options.workers = workers;
  for (auto [name, target] : {std::pair{"poll-interval", &options.poll_interval},
                              std::pair{"poll-jitter", &options.poll_jitter}}) {
    Result<std::chrono::milliseconds> value = DurationFlag(*flags, name);
    if (!value.ok()) return Fail(streams, value.status(), 2);
    *target = *value;
  }
  Result<std::chrono::milliseconds> git_timeout = DurationFlag(*flags, "git-timeout");
  Result<std::chrono::milliseconds> sync_timeout = DurationFlag(*flags, "sync-timeout");
  Result<std::chrono::milliseconds> wave_delay = DurationFlag(*flags, "sync-wave-delay");
  if (!git_timeout.ok()) return Fail(streams, git_timeout.status(), 2);
  if (!sync_timeout.ok()) return Fail(streams, sync_timeout.status(), 2);
  if (!wave_delay.ok()) return Fail(streams, wave_delay.status(), 2);
  options.sync_wave_delay = *wave_delay;
  options.git_timeout = std::chrono::duration_cast<std::chrono::seconds>(*git_timeout);
  options.sync_timeout = std::chrono::duration_cast<std::chrono::seconds>(*sync_timeout);
  options.cache_dir = flags->Has("cache-dir") ? flags->String("cache-dir") : DefaultCacheDir();
  const char* pod_namespace = std::getenv("POD_NAMESPACE");
  options.credentials_namespace = flags->Has("credentials-namespace")
                                      ? flags->String("credentials-namespace")
                                      : (pod_namespace != nullptr ? pod_namespace : "converge");
  options.known_hosts = flags->String("known-hosts");

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  kube::LeaderElectionOptions election{
      .lease_namespace = flags->Has("leader-election-namespace")
                             ? flags->String("leader-election-namespace")
                             : options.credentials_namespace,
      .lease_name = flags->String("leader-election-id"),
      .identity = Identity()};
  for (auto [name, target] : {std::pair{"lease-duration", &election.lease_duration},
                              std::pair{"renew-deadline", &election.renew_deadline},
                              std::pair{"retry-period", &election.retry_period}}) {
    Result<std::chrono::milliseconds> value = DurationFlag(*flags, name);
    if (!value.ok()) return Fail(streams, value.status(), 2);
    *target = *value;
  }

  Result<ApiAuth> auth = ReadApiAuth(*flags);
  if (!auth.ok()) return Fail(streams, auth.status(), 2);

  Result<std::unique_ptr<kube::Client>> client = Connect(*flags);
  if (!client.ok()) return Fail(streams, client.status());
  std::stop_source stop;
  std::jthread token_secret;
  if (auth->secret) {
    token_secret = WatchTokenSecret(**client, *auth->secret, *auth->tokens);
  }
  // The Applications are watched whether or not this replica leads, so a standby's API answers.
  controller::ApplicationCache applications(**client, options.namespaces);
  std::jthread watching([&applications](std::stop_token own) { applications.Run(own); });
  controller::Controller controller(**client, options, &applications);
  api::Api api(**client, controller, {.namespaces = options.namespaces});
  std::jthread api_watching([&api](std::stop_token own) { api.Run(own); });
  // A standby's pushes reach the leader through the refresh annotation (Controller::Refresh).
  webhook::Handler webhooks(
      {.secrets_dir = flags->String("webhook-secrets-dir")},
      {.applications = [&applications] { return applications.List(); },
       .refresh = [&controller](const std::string& ns,
                                const std::string& name) { controller.Refresh(ns, name); }});
  std::vector<server::Route> routes = ListenerRoutes(controller, api, &webhooks);
  server::Options serving{.listen = flags->String("listen")};
  if (auth->tokens) {
    serving.accept_token = [tokens = auth->tokens.get()](std::string_view token) {
      return tokens->Accepts(token);
    };
  }
  Result<std::unique_ptr<server::Server>> http =
      server::Server::Start(std::move(serving), std::move(routes));
  if (!http.ok()) {
    stop.request_stop();
    return Fail(streams, http.status());
  }
  log::Info("serving the API, webhooks, /healthz, /readyz and /metrics",
            {{"port", std::to_string((*http)->port())}});
  std::jthread waiter([&signals, stop_source = stop]() mutable {
    int received = 0;
    sigwait(&signals, &received);
    stop_source.request_stop();
  });
  int code = 0;
  if (!flags->Bool("leader-elect")) {
    controller.Run(stop.get_token());
  } else {
    // The controller runs while this replica leads; losing the Lease ends the process (its
    // Deployment starts it again as a candidate), as controller-runtime's managers do.
    std::stop_source leading;
    std::stop_callback forward(stop.get_token(), [&leading] { leading.request_stop(); });
    std::jthread running;
    kube::LeaderElector elector(
        **client, election,
        {.on_started_leading =
             [&] {
               log::Info("leading",
                         {{"lease", election.lease_name}, {"identity", election.identity}});
               running = std::jthread([&] { controller.Run(leading.get_token()); });
             },
         .on_stopped_leading = [&] { leading.request_stop(); },
         .on_new_leader =
             [](const std::string& leader) {
               log::Info("leader", {{"identity", leader}});
             }});
    elector.Run(stop.get_token());
    leading.request_stop();
    if (running.joinable()) running.join();
    if (!stop.stop_requested()) {
      code = Fail(streams, Status::Unavailable("lost the leader election Lease"));
    }
  }
  if (!stop.stop_requested()) pthread_kill(waiter.native_handle(), SIGTERM);
  return code;
}

}  // namespace converge::cli
