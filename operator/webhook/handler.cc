#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/log.h"
#include "operator/metrics/prometheus.h"
#include "operator/webhook/webhook.h"
#include "sources/git/git.h"

namespace converge::webhook {
namespace {

Response Error(int status, std::string message) {
  return {status, nlohmann::json{{"error", std::move(message)}, {"code", status}}.dump()};
}

}  // namespace

Handler::Handler(Options options, Target target)
    : options_(std::move(options)), target_(std::move(target)) {}

std::optional<std::string> Handler::Secret(Provider provider) const {
  if (options_.secrets_dir.empty()) return std::nullopt;
  std::optional<std::string> secret = ReadFile(options_.secrets_dir / ProviderName(provider));
  if (!secret) return std::nullopt;
  while (!secret->empty() && (secret->back() == '\n' || secret->back() == '\r')) {
    secret->pop_back();
  }
  if (secret->empty()) return std::nullopt;
  return secret;
}

Response Handler::Count(Provider provider, std::string_view result, Response response) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(ProviderName(provider)), std::string(result)}];
  return response;
}

Response Handler::Handle(const Request& request) {
  Provider provider = Detect(request);
  std::string name(ProviderName(provider));
  if (request.body.size() > options_.max_body_bytes) {
    return Count(provider, "too_large",
                 Error(413, "webhook body larger than " + std::to_string(options_.max_body_bytes) +
                                " bytes"));
  }
  std::optional<std::string> secret = Secret(provider);
  if (!secret) {
    log::Warn("webhook refused: no secret configured", {{"provider", name}});
    return Count(provider, "unauthorized",
                 Error(401, "no secret is configured for " + name + " webhooks"));
  }
  if (!Verify(provider, request, *secret)) {
    log::Warn("webhook refused: bad signature", {{"provider", name}});
    return Count(provider, "unauthorized", Error(401, name + " webhook signature mismatch"));
  }
  Result<std::optional<Push>> push = ParsePush(provider, request);
  if (!push.ok()) return Count(provider, "bad_request", Error(400, push.status().message()));
  std::vector<std::string> refreshed;
  if (*push) {
    for (const kube::ObjectRef& application : target_.applications()) {
      if (!Concerns(**push, *application)) continue;
      std::string ns(application->Namespace());
      std::string app_name(application->Name());
      target_.refresh(ns, app_name);
      refreshed.push_back(ns + "/" + app_name);
    }
    std::sort(refreshed.begin(), refreshed.end());
    refreshes_ += refreshed.size();
    log::Info("webhook push",
              {{"provider", name},
               {"repository", sources::git::DisplayUrl((*push)->repository_urls.front())},
               {"ref", (*push)->refs.front()},
               {"refreshed", std::to_string(refreshed.size())}});
  }
  return Count(provider, "ok", {200, nlohmann::json{{"refreshed", refreshed}}.dump()});
}

void Handler::WriteMetrics(std::string& out) const {
  metrics::Describe(out, "converge_webhook_requests_total", "counter",
                    "Webhook requests by provider and result.");
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, count] : requests_) {
      metrics::Sample(out, "converge_webhook_requests_total",
                      {{"provider", key.first}, {"result", key.second}},
                      static_cast<double>(count));
    }
  }
  metrics::Describe(out, "converge_webhook_refreshes_total", "counter",
                    "Applications refreshed because a webhook reported a push they use.");
  metrics::Sample(out, "converge_webhook_refreshes_total", {},
                  static_cast<double>(refreshes_.load()));
}

}  // namespace converge::webhook
