#include "tests/operator/webhook/payloads.h"

#include <gtest/gtest.h>

#include "tests/support/support.h"

namespace converge::testing {

std::string WebhookPayload(const std::string& name, const PushFields& fields) {
  std::string text = ReadFile(SourceDir() / "tests/operator/webhook/testdata" / name);
  std::string short_ref = fields.ref.substr(fields.ref.rfind('/') + 1);
  const std::vector<std::pair<std::string, std::string>> values = {
      {"{{web_url}}", fields.web_url}, {"{{clone_url}}", fields.clone_url},
      {"{{ssh_url}}", fields.ssh_url}, {"{{git_url}}", fields.git_url},
      {"{{ref}}", fields.ref},         {"{{short_ref}}", short_ref},
      {"{{before}}", fields.before},   {"{{after}}", fields.after},
      {"{{file}}", fields.file}};
  for (const auto& [placeholder, value] : values) {
    for (size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

std::string OpensslHmacSha256(const std::string& secret, const std::string& body) {
  TempDir dir;
  std::filesystem::path file = dir.Write("body", body);
  ProcessResult result =
      Run({"/usr/bin/openssl", "dgst", "-sha256", "-hmac", secret, "-r", file.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return result.out.substr(0, result.out.find(' '));
}

Headers SignedHeaders(const std::string& provider, const std::string& event,
                      const std::string& body, const std::string& secret) {
  Headers headers = {{"Content-Type", "application/json"}};
  if (provider == "gitlab") {
    headers.emplace_back("X-Gitlab-Event", event == "tag_push" ? "Tag Push Hook" : "Push Hook");
    headers.emplace_back("X-Gitlab-Token", secret);
    return headers;
  }
  std::string hex = OpensslHmacSha256(secret, body);
  if (provider == "github") {
    headers.emplace_back("User-Agent", "GitHub-Hookshot/044aadd");
    headers.emplace_back("X-GitHub-Event", event);
    headers.emplace_back("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    headers.emplace_back("X-Hub-Signature-256", "sha256=" + hex);
  } else if (provider == "gitea") {
    // Gitea also sends Gogs' and GitHub's headers.
    for (const char* name : {"X-Gitea-Event", "X-Gogs-Event", "X-GitHub-Event"}) {
      headers.emplace_back(name, event);
    }
    headers.emplace_back("X-Gitea-Signature", hex);
    headers.emplace_back("X-Gogs-Signature", hex);
    headers.emplace_back("X-Hub-Signature-256", "sha256=" + hex);
  } else if (provider == "gogs") {
    headers.emplace_back("X-Gogs-Event", event);
    headers.emplace_back("X-Gogs-Signature", hex);
  } else if (provider == "bitbucket-server") {
    headers.emplace_back("X-Event-Key", event == "ping" ? "diagnostics:ping" : "repo:refs_changed");
    headers.emplace_back("X-Request-Id", "d54a7d3b-5a6e-4a0f-a0b1-1c3d9b1f4f2e");
    headers.emplace_back("X-Hub-Signature", "sha256=" + hex);
  } else {
    headers.emplace_back("X-Converge-Signature", "sha256=" + hex);
  }
  return headers;
}

}  // namespace converge::testing
