#pragma once
// sources/git/socket_stream.h (internal): TCP sockets for libgit2 that a deadline can interrupt.
// libgit2 1.5 has no socket timeout: a server that accepts a connection and then stays silent
// blocks a fetch forever, and its SSH transport hands the descriptor to libssh2, which waits
// on it without limit. Converge registers its own socket stream instead; every socket opened
// on a thread while a Watchdog is current is shut down when the watchdog's deadline passes,
// which wakes whichever reader (libgit2, OpenSSL, libssh2) is blocked on it.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace converge::sources::git {

class Watchdog {
 public:
  explicit Watchdog(std::chrono::steady_clock::time_point deadline);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // True once the deadline passed while sockets were being watched.
  bool fired() const;

  // Sockets opened on this thread report to `watchdog` while a Scope lives.
  class Scope {
   public:
    explicit Scope(Watchdog& watchdog);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Watchdog* previous_;
  };

  // For the socket stream.
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }
  void Watch(int fd);
  // Called before `fd` is closed, so a late shutdown never reaches a reused descriptor.
  void Forget(int fd);

 private:
  void Run();

  const std::chrono::steady_clock::time_point deadline_;
  mutable std::mutex mu_;
  std::condition_variable stop_;
  bool stopping_ = false;
  bool fired_ = false;
  std::set<int> fds_;
  std::thread thread_;
};

// Makes libgit2 open plain TCP connections (git://, http://, the socket under https:// and
// ssh://) with the stream above. Call after each git_libgit2_init: the last shutdown clears
// libgit2's registry.
void RegisterSocketStream();

}  // namespace converge::sources::git
