#pragma once
// tests/sources/git/servers.h: real Git servers on 127.0.0.1 for the sources/git tests, each
// started by a test and stopped when it goes out of scope: `git daemon`, `git http-backend`
// behind lighttpd (plain HTTP, or HTTPS with a throw-away CA and basic auth), OpenSSH's sshd,
// and a TCP relay that can stall or cut a transfer. Upstream repositories are written with the
// git CLI.

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/support.h"

namespace converge::testing {

// Runs /usr/bin/git ARGS in `cwd`; fails the test when git fails.
std::string Git(const std::vector<std::string>& args, const std::filesystem::path& cwd);

// A port nobody listens on right now.
int FreePort();

// A bare repository `<root>/<name>.git` and a working clone of it that tests commit and push
// from.
class Upstream {
 public:
  Upstream(const std::filesystem::path& root, const std::string& name);

  // Writes `files` (path -> content) into the working clone, commits everything on the current
  // branch and pushes it. Returns the new commit id.
  std::string Commit(const std::map<std::string, std::string>& files, const std::string& message);
  // A symbolic link in the working clone (committed by the next Commit).
  void Link(const std::string& path, const std::string& target);
  // git ARGS in the working clone.
  std::string Run(const std::vector<std::string>& args) const;
  // The commit id `revision` names in the bare repository (git rev-parse REV^{commit}).
  std::string RevParse(const std::string& revision) const;

  const std::filesystem::path& bare() const { return bare_; }

 private:
  std::filesystem::path bare_;
  std::filesystem::path work_;
};

class GitDaemon {
 public:
  explicit GitDaemon(const std::filesystem::path& base);
  std::string Url(const std::string& name) const;
  int port() const { return port_; }

 private:
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

struct HttpOptions {
  bool tls = false;
  std::string username;  // basic auth required when set
  std::string password;
  std::string bearer_token;  // "Authorization: Bearer <token>" required when set
};

// lighttpd running git-http-backend as a CGI over `base`.
class HttpServer {
 public:
  HttpServer(const std::filesystem::path& base, HttpOptions options);
  std::string Url(const std::string& name) const;
  // The CA that signed the server's certificate (with tls).
  std::filesystem::path ca_file() const { return dir_.path() / "ca.crt"; }
  int port() const { return port_; }

 private:
  TempDir dir_;
  int port_ = 0;
  bool tls_ = false;
  std::unique_ptr<Process> process_;
};

// sshd on a high port with its own host key and config; the current user logs in with a
// generated client key.
class SshServer {
 public:
  explicit SshServer(const std::filesystem::path& base);
  // ssh://user@127.0.0.1:port/<absolute path of the bare repository>
  std::string Url(const std::string& name) const;
  // The same without the user name, which the client then supplies.
  std::string UrlWithoutUser(const std::string& name) const;
  int port() const { return port_; }
  std::filesystem::path client_key() const { return dir_.path() / "client_key"; }
  std::filesystem::path encrypted_client_key() const { return dir_.path() / "client_key_enc"; }
  static constexpr const char* kPassphrase = "correct horse";
  // A known_hosts file listing the server's host key, and one listing a different key.
  std::filesystem::path known_hosts() const { return dir_.path() / "known_hosts"; }
  std::filesystem::path wrong_known_hosts() const { return dir_.path() / "wrong_known_hosts"; }

 private:
  TempDir dir_;
  std::filesystem::path base_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// A TCP relay from a local port to `target_port`. Connection number `cut_connection` (from 0)
// is cut once `cut_after` bytes came back from the server: `stall` keeps them open without
// forwarding anything more (a hung server), otherwise both sides are closed (a dropped network).
class Relay {
 public:
  struct Options {
    int target_port = 0;
    uint64_t cut_after = 0;  // 0: never cut
    int cut_connection = 0;
    bool stall = false;
  };
  explicit Relay(Options options);
  ~Relay();
  int port() const { return port_; }
  // Blocks until a connection has been cut (true) or 60 s passed (false).
  bool WaitUntilCut();

 private:
  void Serve();
  void Pump(int client, bool cut);

  Options options_;
  int listen_fd_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<int> connections_{0};
  std::mutex cut_mu_;
  std::condition_variable cut_cv_;
  bool cut_ = false;  // guarded by cut_mu_
  std::vector<std::thread> threads_;
  std::mutex threads_mu_;
};

}  // namespace converge::testing
