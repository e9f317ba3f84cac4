#pragma once
// tests/operator/webhook/payloads.h: push notifications as the providers send them, for the
// webhook tests: bodies from testdata/ (shaped after each provider's documented example, with
// {{placeholders}} for what a test decides) and the headers each provider signs them with.
// Signatures are computed by the openssl command, not by the code under test.

#include <string>
#include <utility>
#include <vector>

namespace converge::testing {

struct PushFields {
  std::string web_url;
  std::string clone_url;
  std::string ssh_url;
  std::string git_url;
  std::string ref = "refs/heads/main";
  std::string before = "0123456789abcdef0123456789abcdef01234567";
  std::string after = "89abcdef0123456789abcdef0123456789abcdef";
  std::string file = "deploy/configmap.yaml";
};

// tests/operator/webhook/testdata/NAME with the placeholders filled in.
std::string WebhookPayload(const std::string& name, const PushFields& fields);

// Hex HMAC-SHA256 of `body` with `secret`, by `openssl dgst`.
std::string OpensslHmacSha256(const std::string& secret, const std::string& body);

using Headers = std::vector<std::pair<std::string, std::string>>;

// What `provider` ("github", "gitlab", "gitea", "gogs", "bitbucket-server", "generic") sends
// along with `body` for `event` ("push", "ping", "tag_push"), signed with `secret`.
Headers SignedHeaders(const std::string& provider, const std::string& event,
                      const std::string& body, const std::string& secret);

}  // namespace converge::testing
