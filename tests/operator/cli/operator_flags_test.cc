// `converge operator` refuses malformed client rate limits before it connects anywhere, naming
// the flag and the value.
#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge {
namespace {

TEST(OperatorFlagsTest, RefusesMalformedRateLimits) {
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--kube-api-qps", "fast"}, "--kube-api-qps fast"},
           {{"--kube-api-qps", "-1"}, "--kube-api-qps -1"},
           {{"--kube-api-burst", "0"}, "--kube-api-burst 0"},
           {{"--kube-api-burst", "2.5"}, "--kube-api-burst 2.5"},
       }) {
    std::vector<std::string> argv = {testing::ConvergeBinary().string(), "operator", "--kubeconfig",
                                     "/nonexistent/kubeconfig"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    testing::ProcessResult result = testing::Run(argv);
    EXPECT_NE(result.exit_code, 0) << c.message;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace converge
