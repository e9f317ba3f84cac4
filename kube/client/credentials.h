#pragma once
// kube/client/credentials.h (internal): the credential presented with each request, kept
// fresh: a token file is re-read when it changes (projected service-account tokens rotate), and
// an exec plugin (ExecCredential v1/v1beta1) is run again once its credential expires or the
// server answers 401.
//
// Thread-safe: mutex_ guards the cached credential.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "base/status.h"
#include "kube/client/config.h"

namespace converge::kube {

struct Credential {
  std::string token;
  std::string client_certificate_pem;  // from the config or an exec plugin
  std::string client_key_pem;

  bool operator==(const Credential&) const = default;
};

class CredentialSource {
 public:
  // `now` returns Unix seconds (injected for tests).
  explicit CredentialSource(const ClientConfig& config, std::function<int64_t()> now = nullptr);

  // The credential to present now. Errors name the token file or the plugin command, never a
  // credential.
  Result<Credential> Current();
  // The server refused the current credential: the next Current() runs the plugin again.
  void Invalidate();
  // How many times the exec plugin has run (for tests of the cache).
  int exec_runs() const;

 private:
  Result<Credential> RunPlugin();

  ClientConfig config_;
  std::function<int64_t()> now_;
  mutable std::mutex mutex_;
  Credential current_;                           // guarded by mutex_
  int64_t expires_ = 0;                          // guarded by mutex_; 0: never (or not fetched)
  bool fetched_ = false;                         // guarded by mutex_
  std::filesystem::file_time_type token_mtime_;  // guarded by mutex_
  int exec_runs_ = 0;                            // guarded by mutex_
};

}  // namespace converge::kube
