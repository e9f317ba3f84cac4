#pragma once
// apiserver/tls.h (internal): the credentials of an API server that runs without a cluster: a
// self-signed CA, a serving certificate for loopback names signed by it, a bearer token, and a
// kubeconfig that the real kubectl accepts. All live in the data directory and are reused.

#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"

namespace converge::apiserver {

struct Credentials {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  std::string token;
};

// Loads DIR/pki/{ca.crt,server.crt,server.key} and DIR/token, creating what is missing. The
// serving certificate names `hosts` (DNS names or IP addresses) besides localhost/127.0.0.1.
Result<Credentials> LoadOrCreateCredentials(const std::filesystem::path& dir,
                                            const std::vector<std::string>& hosts);

// DIR/pki/sa.key, the secret that signs ServiceAccount tokens, created on first use.
Result<std::string> LoadOrCreateSigningKey(const std::filesystem::path& dir);

// Writes a kubeconfig for `server` (https://... with the CA, or http://...) and the token.
Status WriteKubeconfig(const std::filesystem::path& path, const std::string& server,
                       const std::string& ca_pem, const std::string& token);

}  // namespace converge::apiserver
