#include "sources/git/socket_stream.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <git2.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace converge::sources::git {
namespace {

thread_local Watchdog* current_watchdog = nullptr;

// libgit2 1.5's SSH transport takes the descriptor from the stream by assuming the layout of
// its own socket stream (parent, host, port, descriptor), so the first four members keep it.
struct DeadlineSocket {
  git_stream parent;
  char* host;
  char* port;
  int fd;
  Watchdog* watchdog;
};

DeadlineSocket* Self(git_stream* stream) { return reinterpret_cast<DeadlineSocket*>(stream); }

void SetError(const std::string& message) { git_error_set_str(GIT_ERROR_NET, message.c_str()); }

// Milliseconds left for poll(), -1 (no limit) without a watchdog, 0 once the deadline passed.
int RemainingMs(const Watchdog* watchdog) {
  if (watchdog == nullptr) return -1;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      watchdog->deadline() - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
}

// A non-blocking connect bounded by the deadline; the socket is blocking again afterwards.
int ConnectOne(const addrinfo& address, const Watchdog* watchdog, int& error) {
  int fd = ::socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    address.ai_protocol);
  if (fd < 0) {
    error = errno;
    return -1;
  }
  if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      error = errno;
      ::close(fd);
      return -1;
    }
    pollfd waiting{.fd = fd, .events = POLLOUT, .revents = 0};
    int ready = 0;
    do {
      ready = ::poll(&waiting, 1, RemainingMs(watchdog));
    } while (ready < 0 && errno == EINTR);
    socklen_t length = sizeof(error);
    if (ready == 0) {
      error = ETIMEDOUT;
    } else if (ready < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
      error = errno;
    }
    if (error != 0) {
      ::close(fd);
      return -1;
    }
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

int Connect(git_stream* stream) {
  DeadlineSocket& self = *Self(stream);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  if (int code = ::getaddrinfo(self.host, self.port, &hints, &addresses); code != 0) {
    SetError(std::string("failed to resolve address for ") + self.host + ": " +
             ::gai_strerror(code));
    return -1;
  }
  int error = 0;
  for (const addrinfo* a = addresses; a != nullptr && self.fd < 0; a = a->ai_next) {
    self.fd = ConnectOne(*a, self.watchdog, error);
  }
  ::freeaddrinfo(addresses);
  if (self.fd < 0) {
    SetError(std::string("failed to connect to ") + self.host + ":" + self.port + ": " +
             std::strerror(error));
    return -1;
  }
  if (self.watchdog != nullptr) self.watchdog->Watch(self.fd);
  return 0;
}

ssize_t Read(git_stream* stream, void* data, size_t size) {
  DeadlineSocket& self = *Self(stream);
  ssize_t n = 0;
  do {
    n = ::recv(self.fd, data, size, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) SetError(std::string("error receiving data from socket: ") + std::strerror(errno));
  return n;
}

ssize_t Write(git_stream* stream, const char* data, size_t size, int /*flags*/) {
  DeadlineSocket& self = *Self(stream);
  ssize_t n = 0;
  do {
    n = ::send(self.fd, data, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) SetError(std::string("error sending data to socket: ") + std::strerror(errno));
  return n;
}

int Close(git_stream* stream) {
  DeadlineSocket& self = *Self(stream);
  if (self.fd >= 0) {
    if (self.watchdog != nullptr) self.watchdog->Forget(self.fd);
    ::close(self.fd);
    self.fd = -1;
  }
  return 0;
}

void Free(git_stream* stream) {
  DeadlineSocket* self = Self(stream);
  Close(stream);
  std::free(self->host);
  std::free(self->port);
  delete self;
}

int Create(git_stream** out, const char* host, const char* port) {
  auto* self = new DeadlineSocket{};
  self->parent.version = GIT_STREAM_VERSION;
  self->parent.connect = Connect;
  self->parent.read = Read;
  self->parent.write = Write;
  self->parent.close = Close;
  self->parent.free = Free;
  self->host = ::strdup(host);
  self->port = ::strdup(port);
  self->fd = -1;
  self->watchdog = current_watchdog;
  *out = &self->parent;
  return 0;
}

}  // namespace

Watchdog::Watchdog(std::chrono::steady_clock::time_point deadline)
    : deadline_(deadline), thread_([this] { Run(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

void Watchdog::Run() {
  std::unique_lock lock(mu_);
  if (stop_.wait_until(lock, deadline_, [this] { return stopping_; })) return;
  fired_ = true;
  for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
}

bool Watchdog::fired() const {
  std::lock_guard lock(mu_);
  return fired_;
}

void Watchdog::Watch(int fd) {
  std::lock_guard lock(mu_);
  fds_.insert(fd);
  if (fired_) ::shutdown(fd, SHUT_RDWR);
}

void Watchdog::Forget(int fd) {
  std::lock_guard lock(mu_);
  fds_.erase(fd);
}

Watchdog::Scope::Scope(Watchdog& watchdog) : previous_(current_watchdog) {
  current_watchdog = &watchdog;
}

Watchdog::Scope::~Scope() { current_watchdog = previous_; }

void RegisterSocketStream() {
  git_stream_registration registration{};
  registration.version = GIT_STREAM_VERSION;
  registration.init = Create;
  git_stream_register(GIT_STREAM_STANDARD, &registration);
}

}  // namespace converge::sources::git
