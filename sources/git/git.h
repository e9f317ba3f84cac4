#pragma once
// sources/git/git.h: Git repositories as Converge reads them: one bare mirror per remote under a
// cache directory, revisions resolved the way Argo CD's targetRevision and Flux's GitRepository
// ref resolve them, and a read-only tree view of a commit (sources/tree's FileTree) without any
// checkout. It never writes to a remote; its only threads are the watchdogs that end network
// operations at their deadline.
//
// Credentials never appear in messages, logs or results: URLs are always printed through
// DisplayUrl(), which drops the user-info.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sources/tree/tree.h"

namespace converge::sources::git {

// --- URLs ---------------------------------------------------------------------------------------

// The cache key of a remote: scheme and host lower-cased, user-info, default ports, a trailing
// "/" and ".git" removed, scp-like "git@host:org/repo" rewritten as ssh://git@host/org/repo
// (user-info then dropped). Two spellings of one repository give one mirror.
std::string NormalizeUrl(std::string_view url);

// `url` with any user-info ("user:password@") removed; everything else kept as given.
std::string DisplayUrl(std::string_view url);

// --- Credentials --------------------------------------------------------------------------------

struct Credentials {
  // HTTPS basic authentication (also how provider tokens are passed, as Flux documents).
  std::string username;
  std::string password;
  // HTTPS "Authorization: Bearer" token; used instead of username/password when set.
  std::string bearer_token;
  // PEM bundle of the certificate authorities an HTTPS server may chain to, for servers whose
  // certificate the system store does not know. Empty: system store only.
  std::filesystem::path ca_file;
  // SSH: the private key file, its passphrase (empty when unencrypted) and the known_hosts file
  // the server's host key must be listed in. There is no trust on first use: an SSH remote
  // without a known_hosts entry for its host is refused.
  std::filesystem::path ssh_private_key;
  std::string ssh_passphrase;
  std::filesystem::path known_hosts;
};

// Like Argo CD's repository credential templates: the rule with the longest `url_prefix`
// that prefixes the normalized URL applies.
struct CredentialRule {
  std::string url_prefix;  // compared against NormalizeUrl(url)
  Credentials credentials;
};

// The credentials of the longest rule prefixing `normalized_url` on whole path segments, or
// nullptr.
const Credentials* FindCredentials(const std::vector<CredentialRule>& rules,
                                   const std::string& normalized_url);

// --- Revisions ----------------------------------------------------------------------------------

// A resolved revision.
struct Commit {
  std::string url;  // DisplayUrl of the remote
  std::string sha;  // 40 hex digits
  // What the revision named: "main", "v1.2.0", "refs/pull/7/head", or "" for a bare commit id.
  std::string ref;
  // Flux's revision string: "<ref>@sha1:<sha>", or "sha1:<sha>" for a bare commit id.
  std::string Display() const;
};

// --- Mirrors ------------------------------------------------------------------------------------

class TreeView;

struct Options {
  // Where mirrors live, one bare repository per normalized URL. Required.
  std::filesystem::path cache_dir;
  std::vector<CredentialRule> credentials;
  // A network operation (connect plus ls-remote, or a fetch) still running after this long
  // fails, also when the server accepted the connection and then went silent.
  std::chrono::seconds timeout{60};
  // Tree views refuse files larger than this and stop after reading this many bytes in total
  // (defaults: 16 MiB per file, 256 MiB per view), so a hostile repository cannot exhaust memory.
  uint64_t max_file_bytes = uint64_t{16} << 20;
  uint64_t max_total_bytes = uint64_t{256} << 20;
  // Called after each request to a remote, failed ones included, with its kind ("ls-remote":
  // connecting and listing the refs; "fetch") and how long it took; for metrics. Runs on the
  // resolving thread, so it must be thread-safe. May be empty.
  std::function<void(std::string_view kind, std::chrono::nanoseconds took)> on_request;
};

// Counters for tests, benchmarks and metrics.
struct Stats {
  uint64_t ls_remotes = 0;  // change checks that went to the remote
  uint64_t fetches = 0;     // fetches, including initial clones
  uint64_t shared = 0;      // resolutions answered by another caller's in-flight check
  uint64_t recloned = 0;    // mirrors found damaged and started again
};

// The mirror cache. Thread-safe: any number of callers may resolve and read at once. Work on
// one repository is serialized by that repository's mutex; a caller arriving while a change
// check for its repository is running waits for it and reuses its result instead of asking the
// remote again. Several processes must not share one cache_dir.
class Mirror {
 public:
  explicit Mirror(Options options);
  ~Mirror();
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  // Resolves `revision` of `url` to a commit, fetching what is missing. Revisions, in the order
  // they are tried: "" or "HEAD" (the remote's default branch), a full commit id, "refs/...",
  // a branch, a tag (annotated tags peeled to their commit), a semver constraint over the tags
  // ("^1", "~1.2", ">=1.2.0 <2.0.0", "1.2.x"; Masterminds semantics, as Flux and Argo CD), an
  // abbreviated commit id (at least 4 hex digits).
  //
  // The remote is asked for its refs first (one round trip); when the commit they name is
  // already in the mirror nothing is fetched. Only the one ref needed is fetched; commit ids
  // not advertised by any ref fetch all branches and tags.
  //
  // Fails with kNotFound for an unknown revision or repository, kUnavailable when the remote
  // cannot be reached, kInvalid for a refused credential or host key. A failed fetch leaves
  // the mirror as it was; a mirror found damaged (an interrupted run) is cloned again.
  Result<Commit> Resolve(std::string_view url, std::string_view revision);

  // The tree of `commit` below `path` ("" for the whole repository). The view reads objects
  // from the mirror, stays valid after the Mirror is destroyed, and is safe to read from
  // several threads. Fails with kNotFound when `path` does not exist in the commit.
  Result<std::unique_ptr<TreeView>> Tree(const Commit& commit, std::string_view path);

  // Deletes mirrors whose last use is older than `max_age` before `now`. Returns how many
  // were deleted. Mirrors this Mirror is working on are skipped.
  Result<int> ExpireUnused(std::chrono::system_clock::time_point now, std::chrono::seconds max_age);

  // Replaces the credential rules for the operations that start from now on (the operator
  // reads them from Secrets that change while it runs).
  void SetCredentials(std::vector<CredentialRule> rules);

  Stats stats() const;

 private:
  struct Repo;
  Repo& RepoFor(const std::string& key);
  // REQUIRES: repo.git_mu held. Opens the mirror, cloning afresh when it is missing, unreadable,
  // or was left by a fetch that never finished (the process died mid-fetch).
  Status OpenMirror(Repo& repo);
  // REQUIRES: repo.git_mu held. The answer of the change check `joined` (the one running when
  // the caller arrived) if it has finished and already covers `revision`.
  std::optional<Commit> Shared(Repo& repo, uint64_t joined, const std::string& display,
                               std::string_view revision);
  // REQUIRES: repo.git_mu held. One change check: the remote's refs, then a fetch when the
  // commit they name is missing.
  Result<Commit> Check(Repo& repo, std::string_view url, std::string_view revision);
  void Observe(std::string_view kind, std::chrono::steady_clock::time_point started) const;

  Options options_;
  mutable std::mutex mu_;  // guards repos_, stats_ and options_.credentials
  std::map<std::string, std::unique_ptr<Repo>> repos_;
  Stats stats_;
};

// --- Tree view ----------------------------------------------------------------------------------

// A commit's tree (or a subtree of it) as a FileTree. Symbolic links are followed when their
// target stays inside the repository; a link that leaves it, or a chain of more than 40 links
// (a loop), is an error naming the link. Submodules are not part of the view.
class TreeView : public tree::FileTree {
 public:
  // The Git object id (40 hex digits) of the file or directory at `path`: equal ids mean
  // equal content, so callers cache renders by it.
  virtual Result<std::string> ObjectId(std::string_view path) const = 0;
  // The commit the view was taken from.
  virtual const Commit& commit() const = 0;
};

}  // namespace converge::sources::git
