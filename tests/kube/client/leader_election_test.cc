// Leader election between two real processes on a Lease of the embedded API server: one leads
// at a time, a killed leader is replaced once its lease runs out, a stopped one releases.

#include "kube/client/leader_election.h"

#include <csignal>
#include <iostream>

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::kube {
namespace {

using nlohmann::json;
using testing::ApiServer;
using testing::Process;

constexpr int kLeaseMs = 3000;
constexpr int kRetryMs = 250;

std::unique_ptr<Process> Replica(const ApiServer& server, const std::string& identity) {
  std::filesystem::path holder =
      testing::ConvergeBinary().parent_path().parent_path() / "tests" / "lease_holder";
  return Process::Start({holder.string(), server.kubeconfig().string(), "converge-leader", identity,
                         std::to_string(kLeaseMs), "2000", std::to_string(kRetryMs)});
}

json Lease(const ApiServer& server) {
  testing::ProcessResult got =
      server.Kubectl({"get", "lease", "converge-leader", "-n", "default", "-o", "json"});
  EXPECT_EQ(got.exit_code, 0) << got.err;
  return got.exit_code == 0 ? json::parse(got.out)["spec"] : json();
}

TEST(LeaderElectionTest, OneLeaderAtATimeAndHandOverWhenItDies) {
  ApiServer server;
  std::unique_ptr<Process> a = Replica(server, "a");
  ASSERT_TRUE(a->WaitForOutput("leading a", std::chrono::seconds(20))) << a->output();
  std::unique_ptr<Process> b = Replica(server, "b");
  ASSERT_TRUE(b->WaitForOutput("leader a", std::chrono::seconds(20))) << b->output();
  // Over two lease durations a keeps renewing and b never leads.
  EXPECT_FALSE(b->WaitForOutput("leading b", std::chrono::milliseconds(2 * kLeaseMs)))
      << b->output();
  json held = Lease(server);
  EXPECT_EQ(held.value("holderIdentity", ""), "a");
  EXPECT_EQ(held.value("leaseDurationSeconds", 0), 3);
  EXPECT_EQ(held.value("leaseTransitions", -1), 0);

  a->Signal(SIGKILL);
  a->Wait();
  auto killed = std::chrono::steady_clock::now();
  // b takes over once a's lease has gone unrenewed for its duration (plus b's retry period).
  ASSERT_TRUE(
      b->WaitForOutput("leading b", std::chrono::milliseconds(kLeaseMs + 3 * kRetryMs + 1000)))
      << b->output();
  std::cout << "handover after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - killed)
                   .count()
            << " ms (lease duration " << kLeaseMs << " ms)\n";
  json taken = Lease(server);
  EXPECT_EQ(taken.value("holderIdentity", ""), "b");
  EXPECT_EQ(taken.value("leaseTransitions", -1), 1);

  // A replica that stops releases the lease: no holder, and a successor would not wait.
  b->Signal(SIGTERM);
  EXPECT_TRUE(b->WaitForOutput("stopped b", std::chrono::seconds(10))) << b->output();
  EXPECT_EQ(b->Wait(), 0);
  json released = Lease(server);
  EXPECT_FALSE(released.contains("holderIdentity")) << released.dump();
  EXPECT_EQ(released.value("leaseDurationSeconds", 0), 1);

  std::unique_ptr<Process> c = Replica(server, "c");
  ASSERT_TRUE(c->WaitForOutput("leading c", std::chrono::seconds(5))) << c->output();
  c->Signal(SIGTERM);
  c->Wait();
}

}  // namespace
}  // namespace converge::kube
