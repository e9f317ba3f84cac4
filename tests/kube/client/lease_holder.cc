// A replica for the leader election test: campaigns for a Lease and prints what happens
// ("leader X", "leading ID", "stopped ID"). SIGTERM stops it, releasing the lease.
//   lease_holder KUBECONFIG LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS

#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "kube/client/leader_election.h"

using namespace converge;

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr,
                 "usage: lease_holder KUBECONFIG LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<kube::ClientConfig> config = kube::LoadKubeconfig({argv[1]});
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return 1;
  }
  Result<std::unique_ptr<kube::Client>> client = kube::Client::Create(*config);
  if (!client.ok()) return 1;
  std::string identity = argv[3];
  auto say = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  kube::LeaderElector elector(
      **client,
      {.lease_namespace = "default",
       .lease_name = argv[2],
       .identity = identity,
       .lease_duration = std::chrono::milliseconds(std::stol(argv[4])),
       .renew_deadline = std::chrono::milliseconds(std::stol(argv[5])),
       .retry_period = std::chrono::milliseconds(std::stol(argv[6]))},
      {.on_started_leading = [&] { say("leading " + identity); },
       .on_stopped_leading = [&] { say("stopped " + identity); },
       .on_new_leader = [&](const std::string& leader) { say("leader " + leader); }});
  std::jthread campaign([&elector](std::stop_token stop) { elector.Run(stop); });
  std::jthread waiter([&signals, &campaign] {
    int received = 0;
    sigwait(&signals, &received);
    campaign.request_stop();
  });
  campaign.join();
  // Leadership lost without a signal: exit as client-go's callers do; the waiter is detached by
  // process exit.
  std::fflush(stdout);
  std::_Exit(0);
}
