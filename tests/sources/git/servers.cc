#include "tests/sources/git/servers.h"

#include <chrono>
#include <condition_variable>
#include <fstream>

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace converge::testing {
namespace fs = std::filesystem;
namespace {

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Waits for a freshly started server to accept connections (startup, not a test assertion).
void WaitForPort(int port, Process& process) {
  for (int i = 0; i < 2000; ++i) {
    if (int fd = Connect(port); fd >= 0) {
      ::close(fd);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "server (pid " << process.pid() << ") never listened on port " << port;
}

void WriteText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

void Check(const ProcessResult& result, const std::string& what) {
  ASSERT_EQ(result.exit_code, 0) << what << ": " << result.err << result.out;
}

std::string UserName() {
  const passwd* entry = ::getpwuid(::getuid());
  return entry != nullptr ? entry->pw_name : "root";
}

}  // namespace

std::string Git(const std::vector<std::string>& args, const fs::path& cwd) {
  std::vector<std::string> argv = {"/usr/bin/git",
                                   "-c",
                                   "user.name=Converge Test",
                                   "-c",
                                   "user.email=test@converge.invalid",
                                   "-c",
                                   "init.defaultBranch=main",
                                   "-c",
                                   "advice.detachedHead=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = testing::Run(argv, cwd);
  if (result.exit_code != 0) ADD_FAILURE() << "git " << args[0] << ": " << result.err;
  while (!result.out.empty() && result.out.back() == '\n') result.out.pop_back();
  return result.out;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

Upstream::Upstream(const fs::path& root, const std::string& name)
    : bare_(root / (name + ".git")), work_(root / ("work-" + name)) {
  Git({"init", "-q", "--bare", bare_.string()}, root);
  Git({"clone", "-q", bare_.string(), work_.string()}, root);
  Git({"symbolic-ref", "HEAD", "refs/heads/main"}, work_);
}

std::string Upstream::Commit(const std::map<std::string, std::string>& files,
                             const std::string& message) {
  for (const auto& [path, content] : files) WriteText(work_ / path, content);
  Git({"add", "-A"}, work_);
  Git({"commit", "-q", "--allow-empty", "-m", message}, work_);
  Git({"push", "-q", "-f", "origin", "HEAD"}, work_);
  return Git({"rev-parse", "HEAD"}, work_);
}

void Upstream::Link(const std::string& path, const std::string& target) {
  fs::create_directories((work_ / path).parent_path());
  fs::create_symlink(target, work_ / path);
}

std::string Upstream::Run(const std::vector<std::string>& args) const { return Git(args, work_); }

std::string Upstream::RevParse(const std::string& revision) const {
  return Git({"rev-parse", revision + "^{commit}"}, bare_);
}

GitDaemon::GitDaemon(const fs::path& base) : port_(FreePort()) {
  process_ =
      Process::Start({"/usr/bin/git", "daemon", "--reuseaddr", "--export-all",
                      "--informative-errors", "--base-path=" + base.string(), "--listen=127.0.0.1",
                      "--port=" + std::to_string(port_), base.string()});
  WaitForPort(port_, *process_);
}

std::string GitDaemon::Url(const std::string& name) const {
  return "git://127.0.0.1:" + std::to_string(port_) + "/" + name + ".git";
}

HttpServer::HttpServer(const fs::path& base, HttpOptions options)
    : port_(FreePort()), tls_(options.tls) {
  const fs::path& dir = dir_.path();
  std::string config = "server.document-root = \"" + dir.string() +
                       "\"\n"
                       "server.bind = \"127.0.0.1\"\n"
                       "server.port = " +
                       std::to_string(port_) +
                       "\n"
                       "server.errorlog = \"" +
                       (dir / "error.log").string() +
                       "\"\n"
                       "server.modules = (\"mod_alias\", \"mod_setenv\", \"mod_cgi\", "
                       "\"mod_auth\", \"mod_authn_file\", \"mod_access\"" +
                       (options.tls ? ", \"mod_openssl\"" : "") +
                       ")\n"
                       "alias.url = (\"/git\" => \"/usr/lib/git-core/git-http-backend\")\n"
                       "$HTTP[\"url\"] =~ \"^/git\" {\n"
                       "  cgi.assign = (\"\" => \"\")\n"
                       "  setenv.add-environment = (\"GIT_PROJECT_ROOT\" => \"" +
                       base.string() +
                       "\", \"GIT_HTTP_EXPORT_ALL\" => \"1\")\n"
                       "}\n";
  if (!options.username.empty()) {
    WriteText(dir / "users", options.username + ":" + options.password + "\n");
    config += "auth.backend = \"plain\"\nauth.backend.plain.userfile = \"" +
              (dir / "users").string() +
              "\"\nauth.require = (\"/git\" => (\"method\" => \"basic\", \"realm\" => \"git\", "
              "\"require\" => \"valid-user\"))\n";
  }
  if (!options.bearer_token.empty()) {
    config += "$REQUEST_HEADER[\"Authorization\"] != \"Bearer " + options.bearer_token +
              "\" {\n  url.access-deny = (\"\")\n}\n";
  }
  if (options.tls) {
    auto openssl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), "/usr/bin/openssl");
      Check(testing::Run(args, dir), "openssl");
    };
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Converge Test CA"});
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"});
    WriteText(dir / "san.ext", "subjectAltName=IP:127.0.0.1\n");
    openssl({"x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext"});
    WriteText(dir / "server.pem", ReadFile(dir / "server.crt") + ReadFile(dir / "server.key"));
    config += "ssl.engine = \"enable\"\nssl.pemfile = \"" + (dir / "server.pem").string() + "\"\n";
  }
  WriteText(dir / "lighttpd.conf", config);
  process_ = Process::Start({"/usr/sbin/lighttpd", "-D", "-f", (dir / "lighttpd.conf").string()},
                            dir / "stderr.log");
  WaitForPort(port_, *process_);
}

std::string HttpServer::Url(const std::string& name) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/git/" +
         name + ".git";
}

SshServer::SshServer(const fs::path& base) : base_(base), port_(FreePort()) {
  const fs::path& dir = dir_.path();
  auto keygen = [&](const std::string& file, const std::string& passphrase) {
    Check(testing::Run({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C",
                        "converge-test", "-f", (dir / file).string()}),
          "ssh-keygen");
  };
  keygen("host_key", "");
  keygen("other_host_key", "");
  keygen("client_key", "");
  keygen("client_key_enc", kPassphrase);
  std::string name = "[127.0.0.1]:" + std::to_string(port_) + " ";
  WriteText(dir / "known_hosts", "# test server\n" + name + ReadFile(dir / "host_key.pub"));
  WriteText(dir / "wrong_known_hosts", name + ReadFile(dir / "other_host_key.pub"));
  WriteText(dir / "authorized_keys",
            ReadFile(dir / "client_key.pub") + ReadFile(dir / "client_key_enc.pub"));
  WriteText(dir / "sshd_config",
            "Port " + std::to_string(port_) + "\nListenAddress 127.0.0.1\nHostKey " +
                (dir / "host_key").string() + "\nPidFile " + (dir / "sshd.pid").string() +
                "\nAuthorizedKeysFile " + (dir / "authorized_keys").string() +
                "\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n");
  if (::getuid() == 0) {
    // sshd started by root insists on its privilege separation directory.
    std::error_code error;
    fs::create_directories("/run/sshd", error);
  }
  process_ = Process::Start({"/usr/sbin/sshd", "-D", "-e", "-f", (dir / "sshd_config").string()},
                            dir / "sshd.log");
  WaitForPort(port_, *process_);
}

std::string SshServer::Url(const std::string& name) const {
  return "ssh://" + UserName() + "@127.0.0.1:" + std::to_string(port_) +
         (base_ / (name + ".git")).string();
}

std::string SshServer::UrlWithoutUser(const std::string& name) const {
  return "ssh://127.0.0.1:" + std::to_string(port_) + (base_ / (name + ".git")).string();
}

Relay::Relay(Options options) : options_(options) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::listen(listen_fd_, 16);
  socklen_t length = sizeof(address);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe";
  threads_.emplace_back([this] { Serve(); });
}

Relay::~Relay() {
  if (::write(stop_pipe_[1], "x", 1) != 1) ADD_FAILURE() << "cannot stop the relay";
  for (size_t i = 0;; ++i) {
    std::thread thread;
    {
      std::lock_guard lock(threads_mu_);
      if (i >= threads_.size()) break;
      thread = std::move(threads_[i]);
    }
    if (thread.joinable()) thread.join();
  }
  ::close(listen_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

bool Relay::WaitUntilCut() {
  std::unique_lock lock(cut_mu_);
  return cut_cv_.wait_for(lock, std::chrono::seconds(60), [this] { return cut_; });
}

void Relay::Serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    bool cut = options_.cut_after > 0 && connections_++ == options_.cut_connection;
    std::lock_guard lock(threads_mu_);
    threads_.emplace_back([this, client, cut] { Pump(client, cut); });
  }
}

void Relay::Pump(int client, bool cut) {
  int server = Connect(options_.target_port);
  uint64_t returned = 0;
  bool stalled = false;
  char buffer[65536];
  while (server >= 0) {
    pollfd fds[3] = {{client, static_cast<short>(stalled ? 0 : POLLIN), 0},
                     {server, static_cast<short>(stalled ? 0 : POLLIN), 0},
                     {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) continue;
    if (fds[2].revents != 0) break;
    if (stalled) {
      if ((fds[0].revents & (POLLHUP | POLLERR)) != 0) break;
      continue;
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::read(client, buffer, sizeof(buffer));
      if (n <= 0 || ::write(server, buffer, static_cast<size_t>(n)) != n) break;
    }
    if (fds[1].revents != 0) {
      ssize_t n = ::read(server, buffer, sizeof(buffer));
      if (n <= 0) break;
      size_t forward = static_cast<size_t>(n);
      if (cut && returned + forward >= options_.cut_after) {
        forward = static_cast<size_t>(options_.cut_after - returned);
      }
      if (::write(client, buffer, forward) != static_cast<ssize_t>(forward)) break;
      returned += forward;
      if (cut && returned >= options_.cut_after) {
        {
          std::lock_guard lock(cut_mu_);
          cut_ = true;
        }
        cut_cv_.notify_all();
        if (!options_.stall) break;
        stalled = true;
      }
    }
  }
  if (server >= 0) ::close(server);
  ::close(client);
}

}  // namespace converge::testing

// LeakSanitizer suppressions for the binaries that talk to these servers. libgit2 1.5.1 (as
// Debian ships it) loses 24 bytes in its SSH transport on every connection, and the libssh2
// known-hosts list it opens before handing the host key to our check. The fast unwinder stops
// inside those libraries (built without frame pointers), so they are named rather than their
// functions; nothing of ours is allocated by them.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libgit2.so\nleak:libssh2_knownhost_init\n";
}
