// Where `converge app` finds the operator's API: flags, then environment, then a config file
// (the one `converge up` writes has the same keys).
#include <cstdlib>
#include <filesystem>

#include "base/file.h"
#include "kube/kube.h"
#include "operator/cli/app.h"

namespace converge::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kDefaultNamespace[] = "converge";

struct ConfigFile {
  std::string path;
  std::string server;
  std::string token;
};

// The file to read and whether the user named it (then it must exist).
std::pair<fs::path, bool> ConfigPath(const ParsedFlags& flags, const Environment& env) {
  if (flags.Has("config")) return {flags.String("config"), true};
  if (std::optional<std::string> named = env("CONVERGE_CONFIG")) return {*named, true};
  if (std::optional<std::string> xdg = env("XDG_CONFIG_HOME")) {
    return {fs::path(*xdg) / "converge/config.yaml", false};
  }
  if (std::optional<std::string> home = env("HOME")) {
    return {fs::path(*home) / ".config/converge/config.yaml", false};
  }
  return {fs::path(), false};
}

Result<ConfigFile> ReadConfig(const fs::path& path, bool required) {
  if (path.empty()) return ConfigFile{};
  std::optional<std::string> text = ReadFile(path);
  if (!text) {
    if (!required && !fs::exists(path)) return ConfigFile{};
    return Status::Invalid("config file " + path.string() + ": cannot be read");
  }
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(*text, path.string());
  if (!documents.ok()) return documents.status();
  ConfigFile config{.path = path.string()};
  if (documents->empty() || (*documents)[0].value.is_null()) return config;
  const nlohmann::json& root = (*documents)[0].value;
  if (!root.is_object()) {
    return Status::Invalid("config file " + path.string() + ": expected a mapping");
  }
  for (const auto& [key, field] :
       {std::pair{"server", &config.server}, std::pair{"token", &config.token}}) {
    if (!root.contains(key) || root[key].is_null()) continue;
    if (!root[key].is_string()) {
      return Status::Invalid("config file " + path.string() + ": ." + key + ": expected string");
    }
    *field = root[key].get<std::string>();
  }
  return config;
}

}  // namespace

Environment ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

std::vector<FlagSpec> AppConnectionFlags() {
  return {
      {.name = "server",
       .value_name = "URL",
       .help = "the operator's API, http://HOST:PORT (default $CONVERGE_SERVER, else the config "
               "file's server:)"},
      {.name = "token",
       .value_name = "TOKEN",
       .help = "bearer token (default $CONVERGE_TOKEN, else the config file's token:)"},
      {.name = "config",
       .value_name = "FILE",
       .help = "config file with server: and token: (default $CONVERGE_CONFIG, else "
               "$XDG_CONFIG_HOME/converge/config.yaml)"},
      {.name = "namespace",
       .short_name = 'n',
       .value_name = "NS",
       .help = "the Application's namespace (default $CONVERGE_NAMESPACE, else converge)"},
      {.name = "output",
       .short_name = 'o',
       .value_name = "FORMAT",
       .help = "json or yaml instead of the table"},
      {.name = "insecure-skip-tls-verify",
       .type = FlagType::kBool,
       .help = "do not check the server's certificate (https)"},
  };
}

Result<AppSettings> ResolveAppSettings(const ParsedFlags& flags, const Environment& env) {
  auto [path, required] = ConfigPath(flags, env);
  Result<ConfigFile> config = ReadConfig(path, required);
  if (!config.ok()) return config.status();
  auto pick = [&](std::string_view flag, std::string_view variable,
                  const std::string& from_file) -> std::string {
    if (flags.Has(flag)) return flags.String(flag);
    if (std::optional<std::string> value = env(variable)) return *value;
    return from_file;
  };
  AppSettings settings{.server = pick("server", "CONVERGE_SERVER", config->server),
                       .token = pick("token", "CONVERGE_TOKEN", config->token),
                       .ns = pick("namespace", "CONVERGE_NAMESPACE", kDefaultNamespace),
                       .config_file = config->path};
  if (settings.server.empty()) {
    return Status::Invalid(
        "no server: pass --server URL, set CONVERGE_SERVER, or write server: into " +
        (path.empty() ? std::string("$XDG_CONFIG_HOME/converge/config.yaml") : path.string()) +
        " (converge up prints the values)");
  }
  return settings;
}

}  // namespace converge::cli
