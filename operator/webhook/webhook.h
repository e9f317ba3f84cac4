#pragma once
// operator/webhook/webhook.h: Git providers' push notifications (POST /api/webhook). A request
// is assigned to its provider by its headers, its signature is checked against that provider's
// shared secret, its payload is read into one provider-neutral Push, and the Applications the
// push concerns are refreshed, as Argo CD's webhook handler does. It never talks to Git or to
// the cluster: the caller hands it the Applications and the refresh.
//
// Providers, in the order they are detected (Gitea sends Gogs' and GitHub's headers too):
//
//   provider          detected by                        signature
//   gitea             X-Gitea-Event                      X-Gitea-Signature: <hex HMAC-SHA256>
//   gogs              X-Gogs-Event                       X-Gogs-Signature: <hex HMAC-SHA256>
//   github            X-GitHub-Event (push, ping)        X-Hub-Signature-256: sha256=<hex>
//   gitlab            X-Gitlab-Event (Push Hook,         X-Gitlab-Token: <the secret itself>
//                     Tag Push Hook)
//   bitbucket-server  X-Event-Key (repo:refs_changed,    X-Hub-Signature: sha256=<hex>
//                     diagnostics:ping)
//   generic           none of the above                  X-Converge-Signature: sha256=<hex>
//
// The generic form, for CI systems and servers without a format of their own: the HMAC-SHA256
// of the exact body bytes with the `generic` secret, and a JSON body
//
//   {"repository": {"url": "https://git.example.com/org/repo.git",
//                   "default_branch": "main"},          (optional)
//    "ref": "refs/heads/main",                          (or refs/tags/v1.2.0)
//    "before": "<sha>", "after": "<sha>",               (optional)
//    "commits": [{"added": [...], "modified": [...], "removed": [...]}]}   (optional)
//
// Without `default_branch` a push counts as moving the default branch; without `commits` every
// path counts as changed. Both only cost an extra look at Git, never a missed change.
//
// Secrets: one file per provider, named as in the table, in the secrets directory (a mounted
// Secret's keys). Files are read at each request, so a rotated Secret applies at once; a
// trailing newline is dropped. A provider without a file (or with an empty one) is refused:
// nothing is ever accepted unsigned. Signatures are compared in constant time.
//
// Thread-safe: Handler::Handle may run on any number of threads at once.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "kube/client/informer.h"

namespace converge::webhook {

enum class Provider { kGitea, kGogs, kGitHub, kGitLab, kBitbucketServer, kGeneric };

// "github", "gitlab", ...: the secret file's name and the metrics label.
std::string_view ProviderName(Provider provider);

// What a push changed, from any provider's payload.
struct Push {
  // Every URL the payload gives for the repository: web page, HTTPS and SSH clone URLs.
  std::vector<std::string> repository_urls;
  // Full names of the refs pushed: "refs/heads/main", "refs/tags/v1.2.0".
  std::vector<std::string> refs;
  // nullopt when the payload does not name the default branch: the push then counts as moving
  // it (the controller finds out).
  std::optional<std::string> default_branch;
  // Files the pushed commits added, modified or removed, relative to the repository root.
  // Empty when the payload lists none or only some of them: every path then counts as changed.
  std::vector<std::string> changed_files;
};

// One HTTP request as the server received it.
struct Request {
  // The value of a header, looked up case-insensitively; "" when absent.
  std::function<std::string(std::string_view name)> header;
  std::string_view body;
};

Provider Detect(const Request& request);

// Whether the request carries `secret`'s signature (or token) in `provider`'s form.
// REQUIRES: !secret.empty()
bool Verify(Provider provider, const Request& request, std::string_view secret);

// The push a verified request reports; nullopt for events that are not pushes (pings, other
// event types). kInvalid for a body that is not the provider's JSON.
Result<std::optional<Push>> ParsePush(Provider provider, const Request& request);

// Whether `push` concerns the Application `application` (as stored: metadata, spec): one of its
// sources uses the pushed repository (URLs compared as Argo CD does: scheme, user, port, a
// ".git" suffix and case ignored), its targetRevision names a pushed ref ("HEAD" or "" the
// default branch, "main" or "refs/heads/main" a branch, "v1" or "refs/tags/v1" a tag), and,
// when the annotation converge.dev/manifest-generate-paths (or Argo CD's
// argocd.argoproj.io/manifest-generate-paths) lists paths, a changed file lies under one of
// them. The annotation holds ';'-separated paths relative to the source's path ("." is the path
// itself) or, with a leading '/', to the repository root; globs as in Go's filepath.Match.
bool Concerns(const Push& push, const kube::Object& application);

struct Options {
  // Where the providers' secret files are; "" refuses every provider.
  std::filesystem::path secrets_dir;
  // Larger bodies are refused with 413 (Argo CD allows 50 MiB; real pushes are far smaller).
  size_t max_body_bytes = size_t{1} << 20;
};

// What the handler acts on. Both are called from the request's thread and must be thread-safe.
struct Target {
  // The Applications to match, as the controller's cache holds them.
  std::function<std::vector<kube::ObjectRef>()> applications;
  // Makes the controller resolve the Application's revision again now.
  std::function<void(const std::string& ns, const std::string& name)> refresh;
};

struct Response {
  int status = 200;
  std::string body;  // JSON: {"refreshed": ["ns/name", ...]} or {"error": "...", "code": N}
};

class Handler {
 public:
  Handler(Options options, Target target);

  // 200 with the Applications refreshed (sorted), 401 for a missing or wrong signature or a
  // provider without a secret (nothing refreshed), 413 over the size limit, 400 for a body
  // that does not parse.
  Response Handle(const Request& request);

  // Appends converge_webhook_requests_total{provider,result} (result: ok, unauthorized,
  // bad_request, too_large) and converge_webhook_refreshes_total, with HELP and TYPE.
  void WriteMetrics(std::string& out) const;

 private:
  Response Count(Provider provider, std::string_view result, Response response);
  std::optional<std::string> Secret(Provider provider) const;

  const Options options_;
  const Target target_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> requests_;  // guarded by mu_
  std::atomic<uint64_t> refreshes_{0};
};

}  // namespace converge::webhook
