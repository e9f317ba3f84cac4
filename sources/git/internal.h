#pragma once
// sources/git/internal.h (internal): pieces shared by the files of sources/git; not part of its
// interface.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <git2.h>

#include "base/status.h"
#include "sources/git/git.h"
#include "sources/git/socket_stream.h"

namespace converge::sources::git {

struct UrlParts {
  std::string scheme;  // lower case; "ssh" for scp-like addresses
  std::string username;
  std::string password;
  std::string host;  // lower case, IPv6 literals keep their brackets
  std::string port;  // empty for the scheme's default port
  std::string path;  // starts with '/'
};

// kInvalid (URL printed without user-info) when there is no scheme or host.
Result<UrlParts> ParseUrl(std::string_view url);

// Owning handles for libgit2 objects.
struct GitDeleter {
  void operator()(git_repository* p) const { git_repository_free(p); }
  void operator()(git_remote* p) const { git_remote_free(p); }
  void operator()(git_object* p) const { git_object_free(p); }
  void operator()(git_tree* p) const { git_tree_free(p); }
  void operator()(git_blob* p) const { git_blob_free(p); }
  void operator()(git_commit* p) const { git_commit_free(p); }
  void operator()(git_odb* p) const { git_odb_free(p); }
};
template <typename T>
using GitPtr = std::unique_ptr<T, GitDeleter>;

// The last libgit2 error as a Status: `what` plus libgit2's message with credentials removed,
// coded by what went wrong (missing object or repository, refused credential, network).
Status GitError(int code, std::string_view what);

std::string OidHex(const git_oid& oid);

// One advertised ref of a remote: "refs/heads/main" -> commit id; annotated tags also appear
// peeled as "refs/tags/v1^{}".
using RemoteRefs = std::map<std::string, std::string>;

struct Advertisement {
  RemoteRefs refs;
  std::string default_branch;  // "refs/heads/main"; empty when the remote has no HEAD
};

// A connection to a remote for one operation, with the credential, certificate and deadline
// callbacks wired up. The remote is anonymous: nothing about it is written to the mirror's
// config, so credentials never reach the disk.
class Connection {
 public:
  // `url` is used as given (it may carry user-info); messages print it without.
  static Result<std::unique_ptr<Connection>> Open(git_repository* repo, const std::string& url,
                                                  const Credentials* credentials,
                                                  std::chrono::seconds timeout);
  ~Connection();

  Result<Advertisement> List();
  // Fetches `refspecs` ("+refs/heads/main:refs/heads/main") over the same connection.
  Status Fetch(const std::vector<std::string>& refspecs);

  struct Context;

 private:
  Connection() = default;
  Status Failure(int code, std::string_view what) const;

  // Declared before the remote so the sockets the remote owns close before it goes.
  std::unique_ptr<Watchdog> watchdog_;
  GitPtr<git_remote> remote_;
  std::unique_ptr<Context> context_;
  std::vector<std::string> header_storage_;
  std::vector<char*> headers_;
};

// True when `known_hosts` (OpenSSH format: plain or hashed host names, "[host]:port" for other
// ports, @revoked lines) lists `key_type`/`key` (raw, as the server sent it) for host:port.
// `error` explains a refusal without printing key material.
bool KnownHostMatches(const std::string& known_hosts, const std::string& host,
                      const std::string& port, std::string_view key_blob, std::string& error);

// Checks a server certificate (DER) against a PEM CA bundle and the host name. On failure
// `error` says why.
bool VerifyWithCa(const std::filesystem::path& ca_file, std::string_view der,
                  const std::string& host, std::string& error);

struct TreeLimits {
  uint64_t max_file_bytes = 0;
  uint64_t max_total_bytes = 0;
};

// The tree view of `commit` below `path`, reading from its own handle on the mirror.
Result<std::unique_ptr<TreeView>> OpenTreeView(GitPtr<git_repository> repo, const Commit& commit,
                                               std::string_view path, TreeLimits limits);

}  // namespace converge::sources::git
