#include <array>
#include <cstring>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base64.h"
#include "tests/support/support.h"

extern char** environ;

namespace converge::testing {

namespace fs = std::filesystem;
using nlohmann::json;

ProcessResult Run(const std::vector<std::string>& argv, const fs::path& cwd) {
  ProcessResult result;
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = "pipe failed";
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawn_error = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawn_error != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    result.err = std::string("cannot start ") + argv[0] + ": " + std::strerror(spawn_error);
    return result;
  }
  std::array<pollfd, 2> fds = {{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
  std::array<std::string*, 2> sinks = {&result.out, &result.err};
  int open_count = 2;
  while (open_count > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) break;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      std::array<char, 65536> buffer;
      ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      } else {
        sinks[i]->append(buffer.data(), static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

namespace {

fs::path Helm() {
  fs::path helm = OracleDir() / "helm4";
  if (!fs::exists(helm)) {
    ADD_FAILURE() << "oracle " << helm << " is missing: run shared/tools/install-oracles";
  }
  return helm;
}

void WriteChart(const TempDir& dir, std::string_view template_text) {
  dir.Write("chart/Chart.yaml", "apiVersion: v2\nname: oracle\nversion: 0.1.0\n");
  dir.Write("chart/templates/out.yaml", template_text);
}

// The rendered template body: everything after Helm's "---\n# Source: ..." header.
std::string RenderedBody(const std::string& out) {
  size_t source = out.find("# Source: ");
  if (source == std::string::npos) return out;
  size_t newline = out.find('\n', source);
  return newline == std::string::npos ? "" : out.substr(newline + 1);
}

std::string FromBase64(std::string_view text) {
  std::optional<std::string> decoded = Base64Decode(text);
  EXPECT_TRUE(decoded.has_value()) << "helm printed bad base64: " << text;
  return decoded.value_or("");
}

}  // namespace

json HelmReadYamlFiles(const std::vector<std::pair<std::string, std::string>>& files) {
  TempDir dir;
  // One YAML comment line per file, so that Helm accepts the output as a manifest:
  // "#oracle NAME base64(toJson) base64(toYaml)" or "#oracle NAME ! base64(error)".
  WriteChart(dir,
             "{{- range $path, $_ := .Files.Glob \"cases/*\" }}\n"
             "{{- $v := $.Files.Get $path | fromYaml }}\n"
             "{{- if and (eq (len $v) 1) (hasKey $v \"Error\") }}\n"
             "#oracle {{ base $path }} ! {{ $v.Error | b64enc }}\n"
             "{{- else }}\n"
             "#oracle {{ base $path }} {{ toJson $v | b64enc }} {{ toYaml $v | b64enc }}\n"
             "{{- end }}\n"
             "{{- end }}\n");
  for (const auto& [name, content] : files) dir.Write("chart/cases/" + name, content);
  ProcessResult run = Run({Helm().string(), "template", "oracle", (dir.path() / "chart").string()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  json results = json::object();
  std::string body = RenderedBody(run.out);
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(pos, end - pos);
    pos = end + 1;
    if (!line.starts_with("#oracle ")) continue;
    line.erase(0, 8);
    size_t tab1 = line.find(' ');
    size_t tab2 = tab1 == std::string::npos ? tab1 : line.find(' ', tab1 + 1);
    if (tab2 == std::string::npos) continue;
    std::string name = line.substr(0, tab1);
    std::string first = line.substr(tab1 + 1, tab2 - tab1 - 1);
    std::string second = line.substr(tab2 + 1);
    if (first == "!") {
      results[name] = {{"error", FromBase64(second)}};
    } else {
      results[name] = {{"json", FromBase64(first)}, {"yaml", FromBase64(second)}};
    }
  }
  return results;
}

json HelmReadValuesFile(std::string_view content) {
  TempDir dir;
  WriteChart(dir, "#oracle {{ toJson .Values | b64enc }}\n");
  fs::path values = dir.Write("values-under-test.yaml", content);
  ProcessResult run = Run({Helm().string(), "template", "oracle", (dir.path() / "chart").string(),
                           "-f", values.string()});
  if (run.exit_code != 0) return {{"error", run.err}};
  std::string body = RenderedBody(run.out);
  size_t marker = body.find("#oracle ");
  if (marker == std::string::npos) return {{"error", "no oracle line in: " + run.out}};
  return {{"json", FromBase64(body.substr(marker + 8, body.find('\n', marker) - marker - 8))}};
}

}  // namespace converge::testing
