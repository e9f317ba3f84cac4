#include "operator/application/repositories.h"

#include <algorithm>
#include <optional>

#include "base/base64.h"
#include "base/file.h"

namespace converge::app {
namespace {

namespace git = sources::git;

struct Candidate {
  bool is_template = false;
  std::string name;  // namespace/name, for order and messages
  git::CredentialRule rule;
};

// Reads and decodes data[key]; nullopt when absent. A value that is not base64 is an error.
std::optional<std::string> DataValue(const kube::Object& secret, const std::string& key,
                                     std::string& error) {
  const nlohmann::json& data = secret.json().value("data", nlohmann::json::object());
  auto it = data.find(key);
  if (it == data.end() || !it->is_string()) return std::nullopt;
  std::optional<std::string> decoded = Base64Decode(it->get<std::string>());
  if (!decoded.has_value() && error.empty()) error = "data." + key + " is not valid base64";
  return decoded;
}

}  // namespace

RepositoryCredentials ReadRepositoryCredentials(const std::vector<kube::Object>& secrets,
                                                const std::filesystem::path& material_dir,
                                                const std::filesystem::path& default_known_hosts) {
  std::vector<Candidate> candidates;
  RepositoryCredentials out;
  for (const kube::Object& secret : secrets) {
    std::string_view type = secret.Label(kSecretTypeLabel);
    if (type != kSecretTypeRepository && type != kSecretTypeRepoCreds) continue;
    std::string name = std::string(secret.Namespace()) + "/" + std::string(secret.Name());
    std::string error;
    Candidate candidate{.is_template = type == kSecretTypeRepoCreds, .name = name};
    git::Credentials& c = candidate.rule.credentials;
    candidate.rule.url_prefix = DataValue(secret, "url", error).value_or("");
    c.username = DataValue(secret, "username", error).value_or("");
    c.password = DataValue(secret, "password", error).value_or("");
    c.bearer_token = DataValue(secret, "bearerToken", error).value_or("");
    c.ssh_passphrase = DataValue(secret, "sshPassphrase", error).value_or("");
    std::filesystem::path dir =
        material_dir / (std::string(secret.Namespace()) + "_" + std::string(secret.Name()));
    auto material = [&](const std::string& key, std::filesystem::path& target) {
      std::optional<std::string> value = DataValue(secret, key, error);
      if (!value.has_value() || !error.empty()) return;
      if (Status written = WritePrivateFile(dir / key, *value); !written.ok()) {
        error = "data." + key + " cannot be stored: " + written.message();
        return;
      }
      target = dir / key;
    };
    material("sshPrivateKey", c.ssh_private_key);
    material("knownHosts", c.known_hosts);
    material("caData", c.ca_file);
    if (c.known_hosts.empty()) c.known_hosts = default_known_hosts;
    if (error.empty() && candidate.rule.url_prefix.empty()) error = "data.url is required";
    if (!error.empty()) {
      out.errors.push_back("Secret " + name + ": " + error);
      continue;
    }
    candidates.push_back(std::move(candidate));
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     return a.is_template != b.is_template ? !a.is_template : a.name < b.name;
                   });
  for (Candidate& candidate : candidates) out.rules.push_back(std::move(candidate.rule));
  return out;
}

}  // namespace converge::app
