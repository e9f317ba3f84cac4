#pragma once
// kube/client/config.h: where a cluster is and how to prove who we are, read as kubectl reads it:
// kubeconfig files (KUBECONFIG with several paths merged: the first file to define a cluster,
// user or context name wins, and the first current-context wins; file references are relative
// to the file that holds them) or in-cluster configuration (the service-account mount).
// Credentials are loaded into memory; no message ever contains them.

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace converge::kube {

// A client-go exec credential plugin (users[].user.exec): run later by the transport.
struct ExecPlugin {
  std::string api_version;  // client.authentication.k8s.io/v1
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
};

struct ClientConfig {
  std::string context;  // the context used ("" in-cluster)
  std::string server;   // https://host:port
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  std::string ca_pem;  // empty: the system roots
  std::string client_certificate_pem;
  std::string client_key_pem;
  std::string token;       // a bearer token known now
  std::string token_file;  // re-read when it rotates (in-cluster, tokenFile)
  std::string username;    // basic auth
  std::string password;
  std::optional<ExecPlugin> exec;
  std::string ns = "default";  // the context's namespace
};

// $KUBECONFIG split on ':' (empty entries dropped), or ~/.kube/config when it is unset.
std::vector<std::filesystem::path> KubeconfigPaths();

// Merges `files` (missing ones are skipped, as kubectl does) and resolves `context` (empty: the
// current-context). kInvalid names the file and the entry at fault; kNotFound when no file
// exists or the context is unknown.
Result<ClientConfig> LoadKubeconfig(const std::vector<std::filesystem::path>& files,
                                    const std::string& context = "");

// In-cluster configuration: KUBERNETES_SERVICE_HOST/PORT and `account_dir` (normally
// /var/run/secrets/kubernetes.io/serviceaccount: token, ca.crt, namespace). kNotFound outside
// a cluster.
Result<ClientConfig> InClusterConfig(
    const std::filesystem::path& account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

}  // namespace converge::kube
