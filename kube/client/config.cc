#include "kube/client/config.h"

#include <cstdlib>
#include <map>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/file.h"
#include "base/strings.h"
#include "kube/kube.h"

namespace converge::kube {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A named entry of one of the three lists, with the file it came from.
struct Entry {
  json value;
  fs::path file;
};

struct Merged {
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string current_context;
  std::vector<fs::path> files;  // those that exist, for messages
};

Status MergeList(const json& document, const char* list, const char* field, const fs::path& file,
                 std::map<std::string, Entry>& into) {
  if (!document.contains(list) || document[list].is_null()) return Status();
  if (!document[list].is_array()) {
    return Status::Invalid("kubeconfig " + file.string() + ": " + list + " must be a list");
  }
  for (const json& item : document[list]) {
    std::string name = item.is_object() ? item.value("name", "") : "";
    if (name.empty()) {
      return Status::Invalid("kubeconfig " + file.string() + ": an entry of " + list +
                             " has no name");
    }
    // The first file to define a name wins.
    into.try_emplace(name, Entry{item.value(field, json::object()), file});
  }
  return Status();
}

Result<Merged> Merge(const std::vector<fs::path>& files) {
  Merged merged;
  for (const fs::path& file : files) {
    std::optional<std::string> text = ReadFile(file);
    if (!text) continue;
    merged.files.push_back(file);
    Result<std::vector<Document>> documents = DecodeStream(*text, file.string());
    if (!documents.ok()) return Status::Invalid("kubeconfig " + documents.status().message());
    if (documents->empty() || documents->front().value.is_null()) continue;
    const json& document = documents->front().value;
    if (!document.is_object()) {
      return Status::Invalid("kubeconfig " + file.string() +
                             ": not a kubeconfig (expected a mapping)");
    }
    if (merged.current_context.empty())
      merged.current_context = document.value("current-context", "");
    if (Status s = MergeList(document, "clusters", "cluster", file, merged.clusters); !s.ok())
      return s;
    if (Status s = MergeList(document, "users", "user", file, merged.users); !s.ok()) return s;
    if (Status s = MergeList(document, "contexts", "context", file, merged.contexts); !s.ok())
      return s;
  }
  return merged;
}

std::string FileList(const std::vector<fs::path>& files) {
  std::string out;
  for (const fs::path& file : files) out += (out.empty() ? "" : ", ") + file.string();
  return out;
}

// PEM from `<field>-data` (base64) or from the file `<field>` relative to the kubeconfig.
Result<std::string> Material(const Entry& entry, const std::string& what,
                             const std::string& field) {
  std::string data = entry.value.value(field + "-data", "");
  if (!data.empty()) {
    std::optional<std::string> decoded = Base64Decode(data);
    if (!decoded) {
      return Status::Invalid("kubeconfig " + entry.file.string() + ": " + what + " " + field +
                             "-data is not valid base64");
    }
    return *decoded;
  }
  std::string path = entry.value.value(field, "");
  if (path.empty()) return std::string();
  fs::path resolved =
      fs::path(path).is_absolute() ? fs::path(path) : entry.file.parent_path() / path;
  std::optional<std::string> text = ReadFile(resolved);
  if (!text) {
    return Status::Invalid("kubeconfig " + entry.file.string() + ": " + what + " " + field + " " +
                           resolved.string() + " cannot be read");
  }
  return *text;
}

fs::path Resolve(const Entry& entry, const std::string& path) {
  return fs::path(path).is_absolute() ? fs::path(path) : entry.file.parent_path() / path;
}

Status ReadUser(const Entry& user, const std::string& name, ClientConfig& config) {
  std::string what = "user \"" + name + "\"";
  config.token = user.value.value("token", "");
  std::string token_file = user.value.value("tokenFile", "");
  if (!token_file.empty()) config.token_file = Resolve(user, token_file).string();
  config.username = user.value.value("username", "");
  config.password = user.value.value("password", "");
  Result<std::string> certificate = Material(user, what, "client-certificate");
  if (!certificate.ok()) return certificate.status();
  Result<std::string> key = Material(user, what, "client-key");
  if (!key.ok()) return key.status();
  config.client_certificate_pem = std::move(*certificate);
  config.client_key_pem = std::move(*key);
  if (config.client_certificate_pem.empty() != config.client_key_pem.empty()) {
    return Status::Invalid("kubeconfig " + user.file.string() + ": " + what +
                           " needs both a client certificate and its key");
  }
  if (user.value.contains("exec") && user.value["exec"].is_object()) {
    const json& exec = user.value["exec"];
    ExecPlugin plugin;
    plugin.api_version = exec.value("apiVersion", "");
    plugin.command = exec.value("command", "");
    if (plugin.command.empty()) {
      return Status::Invalid("kubeconfig " + user.file.string() + ": " + what +
                             " exec has no command");
    }
    // A command given as a relative path with a slash is relative to the kubeconfig.
    if (plugin.command.find('/') != std::string::npos && !fs::path(plugin.command).is_absolute()) {
      plugin.command = Resolve(user, plugin.command).string();
    }
    for (const json& arg : exec.value("args", json::array())) {
      if (arg.is_string()) plugin.args.push_back(arg.get<std::string>());
    }
    for (const json& variable : exec.value("env", json::array())) {
      if (variable.is_object())
        plugin.env.emplace_back(variable.value("name", ""), variable.value("value", ""));
    }
    config.exec = std::move(plugin);
  }
  return Status();
}

}  // namespace

std::vector<fs::path> KubeconfigPaths() {
  std::vector<fs::path> paths;
  const char* variable = std::getenv("KUBECONFIG");
  if (variable != nullptr && *variable != '\0') {
    std::string text = variable;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t end = text.find(':', pos);
      if (end == std::string::npos) end = text.size();
      if (end > pos) paths.emplace_back(text.substr(pos, end - pos));
      pos = end + 1;
    }
    return paths;
  }
  const char* home = std::getenv("HOME");
  if (home != nullptr) paths.push_back(fs::path(home) / ".kube/config");
  return paths;
}

Result<ClientConfig> LoadKubeconfig(const std::vector<fs::path>& files,
                                    const std::string& context) {
  Result<Merged> merged = Merge(files);
  if (!merged.ok()) return merged.status();
  if (merged->files.empty()) {
    return Status::NotFound("no kubeconfig file exists (looked for " + FileList(files) + ")");
  }
  ClientConfig config;
  config.context = context.empty() ? merged->current_context : context;
  if (config.context.empty()) {
    return Status::Invalid("kubeconfig " + FileList(merged->files) +
                           ": current-context is not set and no context was named");
  }
  auto context_entry = merged->contexts.find(config.context);
  if (context_entry == merged->contexts.end()) {
    return Status::NotFound("context \"" + config.context + "\" not found in kubeconfig " +
                            FileList(merged->files));
  }
  const Entry& chosen = context_entry->second;
  std::string cluster_name = chosen.value.value("cluster", "");
  std::string user_name = chosen.value.value("user", "");
  std::string ns = chosen.value.value("namespace", "");
  if (!ns.empty()) config.ns = ns;
  auto cluster = merged->clusters.find(cluster_name);
  if (cluster == merged->clusters.end()) {
    return Status::Invalid("kubeconfig " + chosen.file.string() + ": context \"" + config.context +
                           "\" refers to cluster \"" + cluster_name + "\", which no file defines");
  }
  std::string what = "cluster \"" + cluster_name + "\"";
  config.server = cluster->second.value.value("server", "");
  if (config.server.empty()) {
    return Status::Invalid("kubeconfig " + cluster->second.file.string() + ": " + what +
                           " has no server");
  }
  config.tls_server_name = cluster->second.value.value("tls-server-name", "");
  config.insecure_skip_tls_verify = cluster->second.value.value("insecure-skip-tls-verify", false);
  Result<std::string> ca = Material(cluster->second, what, "certificate-authority");
  if (!ca.ok()) return ca.status();
  config.ca_pem = std::move(*ca);
  if (!user_name.empty()) {
    auto user = merged->users.find(user_name);
    if (user == merged->users.end()) {
      return Status::Invalid("kubeconfig " + chosen.file.string() + ": context \"" +
                             config.context + "\" refers to user \"" + user_name +
                             "\", which no file defines");
    }
    if (Status s = ReadUser(user->second, user_name, config); !s.ok()) return s;
  }
  return config;
}

Result<ClientConfig> InClusterConfig(const fs::path& account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    return Status::NotFound(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not "
        "set");
  }
  std::string address = host;
  if (address.find(':') != std::string::npos) address = "[" + address + "]";
  ClientConfig config;
  config.server = "https://" + address + ":" + port;
  config.token_file = (account_dir / "token").string();
  std::optional<std::string> token = ReadFile(account_dir / "token");
  if (!token) return Status::Invalid("in-cluster: " + config.token_file + " cannot be read");
  config.token = TrimRight(*token);
  std::optional<std::string> ca = ReadFile(account_dir / "ca.crt");
  if (!ca)
    return Status::Invalid("in-cluster: " + (account_dir / "ca.crt").string() + " cannot be read");
  config.ca_pem = std::move(*ca);
  if (std::optional<std::string> ns = ReadFile(account_dir / "namespace")) {
    if (std::string name = TrimRight(*ns); !name.empty()) config.ns = name;
  }
  return config;
}

}  // namespace converge::kube
