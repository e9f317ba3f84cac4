#include <array>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/support.h"

extern char** environ;

namespace converge::testing {

namespace fs = std::filesystem;

std::unique_ptr<Process> Process::Start(const std::vector<std::string>& argv,
                                        const fs::path& stderr_file) {
  std::unique_ptr<Process> process(new Process());
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe failed";
    return process;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2,
                                   stderr_file.empty() ? "/dev/null" : stderr_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  int error = ::posix_spawn(&process->pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (error != 0) {
    ::close(pipe_fds[0]);
    process->pid_ = -1;
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(error);
    return process;
  }
  process->out_fd_ = pipe_fds[0];
  return process;
}

Process::~Process() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool Process::WaitForOutput(std::string_view needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (output_.find(needle) == std::string::npos) {
    if (out_fd_ < 0) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{out_fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
    std::array<char, 65536> buffer;
    ssize_t n = ::read(out_fd_, buffer.data(), buffer.size());
    if (n <= 0) {
      ::close(out_fd_);
      out_fd_ = -1;
      return output_.find(needle) != std::string::npos;
    }
    output_.append(buffer.data(), static_cast<size_t>(n));
  }
  return true;
}

void Process::Signal(int signal_number) {
  if (pid_ > 0 && !reaped_) ::kill(pid_, signal_number);
}

int Process::Wait() {
  if (pid_ <= 0) return -1;
  if (!reaped_) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return exit_code_;
}

ApiServer::ApiServer(std::vector<std::string> extra_flags) : flags_(std::move(extra_flags)) {
  // Tests talk to servers they kill; a write to a dead socket must fail, not end the test.
  ::signal(SIGPIPE, SIG_IGN);
  Launch("127.0.0.1:0");
}

ApiServer::~ApiServer() {
  if (process_) {
    process_->Signal(SIGTERM);
    process_->Wait();
  }
}

void ApiServer::Launch(const std::string& listen) {
  std::vector<std::string> argv = {ConvergeBinary().string(), "apiserver", "--data-dir",
                                   data_dir().string(),       "--listen",  listen};
  argv.insert(argv.end(), flags_.begin(), flags_.end());
  process_ = Process::Start(argv, dir_.path() / "apiserver.log");
  if (!process_->WaitForOutput("kubeconfig:", std::chrono::seconds(20))) {
    ADD_FAILURE() << "the API server did not start: " << ReadFile(dir_.path() / "apiserver.log");
    return;
  }
  const std::string& out = process_->output();
  size_t at = out.find("serving on ");
  size_t end = out.find('\n', at);
  url_ = out.substr(at + 11, end - at - 11);
  port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
}

std::string ApiServer::token() const {
  std::string token = ReadFile(data_dir() / "token");
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  return token;
}

ProcessResult ApiServer::Kubectl(std::vector<std::string> args) const {
  args.insert(args.begin(),
              {(OracleDir() / "kubectl").string(), "--kubeconfig", kubeconfig().string(),
               "--cache-dir", (dir_.path() / "kubectl-cache").string()});
  return Run(args);
}

std::unique_ptr<Process> ApiServer::KubectlInBackground(std::vector<std::string> args) const {
  args.insert(args.begin(),
              {(OracleDir() / "kubectl").string(), "--kubeconfig", kubeconfig().string(),
               "--cache-dir", (dir_.path() / "kubectl-cache").string()});
  return Process::Start(args, dir_.path() / "kubectl-background.log");
}

fs::path ApiServer::File(const std::string& name, const std::string& yaml) const {
  return dir_.Write("files/" + name, yaml);
}

void ApiServer::Kill() {
  process_->Signal(SIGKILL);
  process_->Wait();
}

void ApiServer::Restart() {
  if (process_) {
    process_->Signal(SIGKILL);
    process_->Wait();
  }
  Launch("127.0.0.1:" + std::to_string(port_));
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds interval,
                std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(interval);
  }
  return false;
}

}  // namespace converge::testing
