#include <csignal>
#include <ostream>
#include <thread>

#include "apiserver/apiserver.h"
#include "base/strings.h"
#include "operator/cli/commands.h"

namespace converge::cli {
namespace {

std::vector<FlagSpec> ApiserverFlags() {
  std::vector<FlagSpec> flags = {
      {.name = "data-dir",
       .value_name = "DIR",
       .help = "where the database, CA, token and kubeconfig live",
       .default_value = ".converge"},
      {.name = "listen",
       .value_name = "HOST:PORT",
       .help = "address to serve on (port 0: any)",
       .default_value = "127.0.0.1:6443"},
      {.name = "insecure-http",
       .type = FlagType::kBool,
       .help = "plain HTTP without authentication (loopback addresses only)"},
      {.name = "event-retention-seconds",
       .value_name = "N",
       .help = "watch history kept; older watch starts get 410 Expired",
       .default_value = "300"},
      {.name = "no-simulate",
       .type = FlagType::kBool,
       .help = "no simulated workloads: Deployments and Pods keep the status clients give them"},
      {.name = "simulate-delay-ms",
       .value_name = "N",
       .help = "how long simulated workloads take to become ready",
       .default_value = "1000"},
      {.name = "watch-capacity",
       .value_name = "N",
       .help = "undelivered events after which a slow watch is closed",
       .default_value = "1000"},
      {.name = "authorization",
       .value_name = "MODE",
       .help = "AlwaysAllow (every authenticated caller may do everything) or RBAC",
       .default_value = "AlwaysAllow"},
      {.name = "help", .short_name = 'h', .type = FlagType::kBool, .help = "show this help"},
  };
  for (FlagSpec& spec : LoggingFlags()) flags.push_back(std::move(spec));
  return flags;
}

Result<int64_t> ParseCount(const std::string& text, const std::string& flag) {
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end == nullptr || *end != '\0' || value < 0) {
    return Status::Invalid(flag + " must be a non-negative integer, not \"" + text + "\"");
  }
  return static_cast<int64_t>(value);
}

}  // namespace

int RunApiserver(std::span<const std::string> args, Streams streams) {
  std::vector<FlagSpec> specs = ApiserverFlags();
  Result<ParsedFlags> flags = ParseFlags(specs, args);
  if (!flags.ok()) return Fail(streams, flags.status(), 2);
  if (flags->Bool("help")) {
    streams.out << "Usage: converge apiserver [flags]\n\nRuns the embedded Kubernetes API server "
                   "until interrupted.\n\nFlags:\n"
                << FlagHelp(specs);
    return 0;
  }
  if (Status s = ConfigureLogging(*flags); !s.ok()) return Fail(streams, s, 2);
  if (!flags->positional().empty()) {
    return Fail(streams, Status::Invalid("apiserver takes no arguments"), 2);
  }
  // Signals are taken by one waiting thread; every other thread keeps them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<int64_t> retention =
      ParseCount(flags->String("event-retention-seconds"), "--event-retention-seconds");
  Result<int64_t> capacity = ParseCount(flags->String("watch-capacity"), "--watch-capacity");
  Result<int64_t> delay = ParseCount(flags->String("simulate-delay-ms"), "--simulate-delay-ms");
  if (!delay.ok()) return Fail(streams, delay.status(), 2);
  if (!retention.ok()) return Fail(streams, retention.status(), 2);
  if (!capacity.ok() || *capacity == 0) {
    return Fail(streams, Status::Invalid("--watch-capacity must be a positive integer"), 2);
  }
  std::string authorization = AsciiLower(flags->String("authorization"));
  if (authorization != "alwaysallow" && authorization != "rbac") {
    return Fail(streams,
                Status::Invalid("--authorization must be AlwaysAllow or RBAC, not \"" +
                                flags->String("authorization") + "\""),
                2);
  }
  Result<std::unique_ptr<apiserver::Server>> server =
      apiserver::Server::Start({.data_dir = flags->String("data-dir"),
                                .listen = flags->String("listen"),
                                .insecure_http = flags->Bool("insecure-http"),
                                .event_retention_seconds = *retention,
                                .watch_capacity = static_cast<size_t>(*capacity),
                                .simulate = !flags->Bool("no-simulate"),
                                .simulate_delay_ms = *delay,
                                .rbac = authorization == "rbac"});
  if (!server.ok()) return Fail(streams, server.status());
  streams.out << "converge apiserver serving on " << (*server)->url() << "\n"
              << "kubeconfig: " << (*server)->kubeconfig().string() << "\n"
              << "try: kubectl --kubeconfig " << (*server)->kubeconfig().string() << " get ns\n";
  streams.out.flush();

  std::stop_source stop;
  std::jthread controllers([&](std::stop_token token) { (*server)->RunControllers(token); });
  std::jthread waiter([&, stop_source = stop]() mutable {
    int received = 0;
    sigwait(&signals, &received);
    stop_source.request_stop();
    controllers.request_stop();
  });
  (*server)->Serve(stop.get_token());
  controllers.request_stop();
  if (!stop.stop_requested()) {
    pthread_kill(waiter.native_handle(), SIGTERM);
  }
  return 0;
}

}  // namespace converge::cli
