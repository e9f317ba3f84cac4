#include "kube/client/credentials.h"

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/file.h"
#include "base/process.h"
#include "base/strings.h"

namespace converge::kube {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// What the plugin is told in KUBERNETES_EXEC_INFO: never interactive, we have no terminal.
std::string ExecInfo(const ExecPlugin& plugin) {
  json info = {{"apiVersion", plugin.api_version},
               {"kind", "ExecCredential"},
               {"spec", {{"interactive", false}}}};
  return info.dump();
}

Result<Credential> ParseExecCredential(const ExecPlugin& plugin, const std::string& out,
                                       int64_t& expires) {
  std::string what = "exec plugin " + plugin.command;
  json credential = json::parse(out, nullptr, false);
  if (credential.is_discarded() || !credential.is_object()) {
    return Status::Invalid(what + ": output is not an ExecCredential JSON object");
  }
  if (credential.value("kind", "") != "ExecCredential") {
    return Status::Invalid(what + ": output kind is not ExecCredential");
  }
  if (credential.value("apiVersion", "") != plugin.api_version) {
    return Status::Invalid(what + ": output apiVersion " + credential.value("apiVersion", "") +
                           " does not match the configured " + plugin.api_version);
  }
  const json& status = credential.contains("status") && credential["status"].is_object()
                           ? credential["status"]
                           : json::object();
  Credential result;
  result.token = status.value("token", "");
  result.client_certificate_pem = status.value("clientCertificateData", "");
  result.client_key_pem = status.value("clientKeyData", "");
  if (result.token.empty() && result.client_certificate_pem.empty()) {
    return Status::Invalid(what + ": status has neither token nor clientCertificateData");
  }
  if (result.client_certificate_pem.empty() != result.client_key_pem.empty()) {
    return Status::Invalid(what + ": clientCertificateData and clientKeyData must come together");
  }
  std::string expiration = status.value("expirationTimestamp", "");
  expires = 0;
  if (!expiration.empty()) {
    expires = ParseRfc3339(expiration);
    if (expires == 0) {
      return Status::Invalid(what + ": expirationTimestamp " + expiration + " is not RFC 3339");
    }
  }
  return result;
}

}  // namespace

CredentialSource::CredentialSource(const ClientConfig& config, std::function<int64_t()> now)
    : config_(config), now_(now ? std::move(now) : std::function<int64_t()>(UnixSeconds)) {
  current_.token = config.token;
  current_.client_certificate_pem = config.client_certificate_pem;
  current_.client_key_pem = config.client_key_pem;
}

Result<Credential> CredentialSource::RunPlugin() {
  const ExecPlugin& plugin = *config_.exec;
  Command command{.argv = {plugin.command}, .env = plugin.env};
  command.argv.insert(command.argv.end(), plugin.args.begin(), plugin.args.end());
  command.env.emplace_back("KUBERNETES_EXEC_INFO", ExecInfo(plugin));
  Result<CommandOutput> output = RunCommand(command);
  ++exec_runs_;
  if (!output.ok()) return output.status().Wrap("exec plugin");
  if (output->exit_code != 0) {
    // The plugin's stderr explains itself (login needed, no such profile); its stdout may hold
    // a half-written credential and is not shown.
    return Status::Unavailable("exec plugin " + plugin.command + " exited with " +
                               std::to_string(output->exit_code) + ": " + TrimRight(output->err));
  }
  int64_t expires = 0;
  Result<Credential> credential = ParseExecCredential(plugin, output->out, expires);
  if (credential.ok()) expires_ = expires;
  return credential;
}

Result<Credential> CredentialSource::Current() {
  std::lock_guard lock(mutex_);
  if (config_.exec) {
    if (fetched_ && (expires_ == 0 || now_() < expires_)) return current_;
    Result<Credential> fresh = RunPlugin();
    if (!fresh.ok()) return fresh.status();
    current_ = std::move(*fresh);
    fetched_ = true;
    return current_;
  }
  if (!config_.token_file.empty()) {
    std::error_code error;
    fs::file_time_type mtime = fs::last_write_time(config_.token_file, error);
    if (!error && (!fetched_ || mtime != token_mtime_)) {
      std::optional<std::string> token = ReadFile(config_.token_file);
      if (!token)
        return Status::Unavailable("token file " + config_.token_file + " cannot be read");
      current_.token = TrimRight(*token);
      token_mtime_ = mtime;
      fetched_ = true;
    } else if (error && current_.token.empty()) {
      return Status::Unavailable("token file " + config_.token_file + " cannot be read");
    }
  }
  return current_;
}

void CredentialSource::Invalidate() {
  std::lock_guard lock(mutex_);
  if (config_.exec) fetched_ = false;
}

int CredentialSource::exec_runs() const {
  std::lock_guard lock(mutex_);
  return exec_runs_;
}

}  // namespace converge::kube
