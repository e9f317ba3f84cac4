#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <optional>
#include <system_error>

#include <git2/sys/repository.h>
#include <openssl/sha.h>

#include "base/log.h"
#include "sources/git/internal.h"
#include "sources/git/semver.h"

namespace converge::sources::git {

namespace fs = std::filesystem;

// One remote's mirror. `state_mu` is held only for bookkeeping, `git_mu` for the whole of a
// change check or fetch, so callers of one repository queue on `git_mu`.
struct Mirror::Repo {
  std::string key;  // normalized URL
  fs::path dir;

  std::mutex state_mu;
  uint64_t next_check = 0;  // guarded by state_mu
  uint64_t running = 0;     // guarded by state_mu: id of the check in progress, 0 when none
  uint64_t last_done = 0;   // guarded by state_mu: id of the last check that finished

  std::mutex git_mu;
  GitPtr<git_repository> repo;                                 // guarded by git_mu
  Result<Advertisement> last = Status::Internal("unchecked");  // guarded by git_mu
};

namespace {

constexpr std::string_view kFetchingMarker = "converge-fetching";
constexpr std::string_view kUsedMarker = "converge-used";

// The cache directory name of a normalized URL: its SHA-256, so any URL gives a safe name.
std::string DirName(const std::string& key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name;
  for (int i = 0; i < 16; ++i) {
    name.push_back(kHex[digest[i] >> 4]);
    name.push_back(kHex[digest[i] & 15]);
  }
  return name + ".git";
}

bool IsHex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

void Touch(const fs::path& file) {
  std::error_code error;
  if (!fs::exists(file, error)) std::ofstream(file).close();
  fs::last_write_time(file, fs::file_time_type::clock::now(), error);
}

// What a revision names on the remote. `sha` is empty for an abbreviated commit id, which only
// the mirror's objects can resolve; `fetch_ref` is empty when every branch and tag must be
// fetched to find the commit.
struct Target {
  std::string ref;
  std::string sha;
  std::string fetch_ref;
};

// The advertised commit of a ref, peeled through annotated tags.
std::optional<std::string> Advertised(const Advertisement& ad, const std::string& ref) {
  if (auto peeled = ad.refs.find(ref + "^{}"); peeled != ad.refs.end()) return peeled->second;
  if (auto it = ad.refs.find(ref); it != ad.refs.end()) return it->second;
  return std::nullopt;
}

Result<Target> PickSemver(const Advertisement& ad, const Constraint& constraint,
                          std::string_view revision, const std::string& url) {
  std::optional<Version> best;
  std::string best_tag;
  for (const auto& [name, sha] : ad.refs) {
    if (!name.starts_with("refs/tags/") || name.ends_with("^{}")) continue;
    std::string tag = name.substr(10);
    std::optional<Version> version = ParseVersion(tag);
    if (!version || !constraint.Matches(*version)) continue;
    // Equal versions ("v1.0.0" and "1.0.0") are broken by name so the choice is stable.
    int cmp = best ? CompareVersions(*version, *best) : 1;
    if (cmp > 0 || (cmp == 0 && tag > best_tag)) {
      best = version;
      best_tag = tag;
    }
  }
  if (!best) {
    return Status::NotFound("no tag of " + url + " matches semver constraint \"" +
                            std::string(revision) + "\"");
  }
  std::string ref = "refs/tags/" + best_tag;
  return Target{best_tag, *Advertised(ad, ref), ref};
}

Result<Target> Pick(const Advertisement& ad, std::string_view revision, const std::string& url) {
  std::string rev(revision);
  if (rev.empty() || rev == "HEAD") {
    std::optional<std::string> sha = Advertised(ad, "HEAD");
    if (ad.default_branch.empty() || !sha) {
      return Status::NotFound(url + " has no default branch (HEAD)");
    }
    std::string branch = ad.default_branch;
    return Target{branch.starts_with("refs/heads/") ? branch.substr(11) : branch, *sha, branch};
  }
  if (rev.size() == 40 && IsHex(rev)) {
    std::transform(rev.begin(), rev.end(), rev.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    return Target{"", rev, ""};
  }
  if (rev.starts_with("refs/")) {
    std::optional<std::string> sha = Advertised(ad, rev);
    if (!sha) return Status::NotFound("revision " + rev + " not found in " + url);
    return Target{rev, *sha, rev};
  }
  if (std::optional<std::string> sha = Advertised(ad, "refs/heads/" + rev)) {
    return Target{rev, *sha, "refs/heads/" + rev};
  }
  if (std::optional<std::string> sha = Advertised(ad, "refs/tags/" + rev)) {
    return Target{rev, *sha, "refs/tags/" + rev};
  }
  bool abbreviated = rev.size() >= 4 && IsHex(rev);
  if (Result<Constraint> constraint = Constraint::Parse(rev); constraint.ok()) {
    Result<Target> tag = PickSemver(ad, *constraint, rev, url);
    // All-digit abbreviated commit ids also read as versions; no matching tag decides.
    if (tag.ok() || !abbreviated) return tag;
  }
  if (abbreviated) return Target{"", "", ""};
  return Status::NotFound("revision \"" + rev + "\" not found in " + url +
                          ": no branch, tag or commit by that name");
}

// The commit `target` names if the mirror has it; nullopt when it must be fetched.
Result<std::optional<std::string>> LocalCommit(git_repository* repo, const Target& target,
                                               std::string_view revision) {
  git_object* object = nullptr;
  int code;
  if (!target.sha.empty()) {
    git_oid oid;
    if (git_oid_fromstr(&oid, target.sha.c_str()) < 0) {
      return Status::Invalid("\"" + target.sha + "\" is not a commit id");
    }
    code = git_object_lookup(&object, repo, &oid, GIT_OBJECT_ANY);
  } else {
    git_oid oid;
    git_oid_fromstrn(&oid, revision.data(), revision.size());
    code = git_object_lookup_prefix(&object, repo, &oid, revision.size(), GIT_OBJECT_ANY);
  }
  if (code == GIT_ENOTFOUND) return std::optional<std::string>();
  if (code == GIT_EAMBIGUOUS) {
    return Status::Invalid("commit id prefix \"" + std::string(revision) + "\" is ambiguous");
  }
  if (code < 0) return GitError(code, "looking up " + std::string(revision));
  GitPtr<git_object> owned(object);
  git_object* commit = nullptr;
  if (int peel = git_object_peel(&commit, object, GIT_OBJECT_COMMIT); peel < 0) {
    return Status::Invalid("revision \"" + std::string(revision) + "\" is not a commit");
  }
  GitPtr<git_object> owned_commit(commit);
  return std::optional<std::string>(OidHex(*git_object_id(commit)));
}

// Whether every ref of the mirror leads to a readable commit. A mirror whose files were cut
// short (a full disk, a deleted pack) fails here instead of in the middle of a render.
bool RefsReadable(git_repository* repo) {
  git_reference_iterator* raw = nullptr;
  if (git_reference_iterator_new(&raw, repo) < 0) return false;
  bool readable = true;
  git_reference* ref = nullptr;
  int code;
  while (readable && (code = git_reference_next(&ref, raw)) == 0) {
    git_object* commit = nullptr;
    readable = git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT) == 0;
    git_object_free(commit);
    git_reference_free(ref);
  }
  git_reference_iterator_free(raw);
  return readable && code == GIT_ITEROVER;
}

// Gives the mirror handle an empty configuration. What the operator fetches must not depend on
// the host's ~/.gitconfig or /etc/gitconfig (insteadOf rewrites, credential helpers); and
// libgit2 1.5 leaks a PCRE2 match block for every configuration entry it tests against the
// insteadOf pattern when a remote is created, so an empty configuration also keeps a long-
// running process from growing with each change check.
Status IsolateConfig(git_repository* repo, const fs::path& dir) {
  git_config* empty = nullptr;
  if (int code = git_config_new(&empty); code < 0) {
    return GitError(code, "configuring mirror " + dir.string());
  }
  int code = git_repository_set_config(repo, empty);
  git_config_free(empty);
  if (code < 0) return GitError(code, "configuring mirror " + dir.string());
  return Status();
}

}  // namespace

Mirror::Mirror(Options options) : options_(std::move(options)) {
  git_libgit2_init();
  RegisterSocketStream();
}

Mirror::~Mirror() {
  repos_.clear();
  git_libgit2_shutdown();
}

void Mirror::SetCredentials(std::vector<CredentialRule> rules) {
  std::lock_guard lock(mu_);
  options_.credentials = std::move(rules);
}

Mirror::Repo& Mirror::RepoFor(const std::string& key) {
  std::lock_guard lock(mu_);
  std::unique_ptr<Repo>& repo = repos_[key];
  if (repo == nullptr) {
    repo = std::make_unique<Repo>();
    repo->key = key;
    repo->dir = options_.cache_dir / DirName(key);
  }
  return *repo;
}

Stats Mirror::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status Mirror::OpenMirror(Repo& repo) {
  if (repo.repo != nullptr) return Status();
  std::error_code error;
  git_repository* opened = nullptr;
  bool interrupted = fs::exists(repo.dir / kFetchingMarker, error);
  if (fs::exists(repo.dir, error)) {
    if (!interrupted && git_repository_open_bare(&opened, repo.dir.c_str()) == 0) {
      GitPtr<git_repository> candidate(opened);
      if (RefsReadable(opened)) {
        repo.repo = std::move(candidate);
        return IsolateConfig(opened, repo.dir);
      }
    }
    log::Debug("mirror damaged, cloning again", {{"repo", repo.key}});
    fs::remove_all(repo.dir, error);
    std::lock_guard lock(mu_);
    ++stats_.recloned;
  }
  fs::create_directories(repo.dir.parent_path(), error);
  if (int code = git_repository_init(&opened, repo.dir.c_str(), /*is_bare=*/1); code < 0) {
    return GitError(code, "creating mirror " + repo.dir.string());
  }
  repo.repo.reset(opened);
  std::ofstream(repo.dir / "converge-url") << repo.key << "\n";
  return IsolateConfig(opened, repo.dir);
}

Result<Commit> Mirror::Resolve(std::string_view url, std::string_view revision) {
  Result<UrlParts> parts = ParseUrl(url);
  if (!parts.ok()) return parts.status();
  std::string key = NormalizeUrl(url);
  std::string display = DisplayUrl(url);
  Repo& repo = RepoFor(key);

  uint64_t joined = 0;
  {
    std::lock_guard lock(repo.state_mu);
    joined = repo.running;
  }
  std::lock_guard git_lock(repo.git_mu);
  if (std::optional<Commit> shared = Shared(repo, joined, display, revision)) return *shared;
  uint64_t id;
  {
    std::lock_guard lock(repo.state_mu);
    id = repo.running = ++repo.next_check;
  }
  Result<Commit> result = Check(repo, url, revision);
  if (repo.repo != nullptr) Touch(repo.dir / kUsedMarker);
  {
    std::lock_guard lock(repo.state_mu);
    repo.running = 0;
    repo.last_done = id;
  }
  return result;
}

std::optional<Commit> Mirror::Shared(Repo& repo, uint64_t joined, const std::string& display,
                                     std::string_view revision) {
  if (joined == 0 || repo.repo == nullptr || !repo.last.ok()) return std::nullopt;
  {
    std::lock_guard lock(repo.state_mu);
    if (repo.last_done != joined) return std::nullopt;
  }
  Result<Target> target = Pick(*repo.last, revision, display);
  if (!target.ok()) return std::nullopt;
  Result<std::optional<std::string>> sha = LocalCommit(repo.repo.get(), *target, revision);
  if (!sha.ok() || !sha->has_value()) return std::nullopt;
  Touch(repo.dir / kUsedMarker);
  std::lock_guard lock(mu_);
  ++stats_.shared;
  return Commit{display, **sha, target->ref};
}

void Mirror::Observe(std::string_view kind, std::chrono::steady_clock::time_point started) const {
  if (options_.on_request) options_.on_request(kind, std::chrono::steady_clock::now() - started);
}

Result<Commit> Mirror::Check(Repo& repo, std::string_view url, std::string_view revision) {
  std::string display = DisplayUrl(url);
  if (Status s = OpenMirror(repo); !s.ok()) return s;

  Credentials credentials;
  {
    std::lock_guard lock(mu_);
    if (const Credentials* rule = FindCredentials(options_.credentials, repo.key)) {
      credentials = *rule;
    }
  }
  Result<UrlParts> parts = ParseUrl(url);
  if (!parts->password.empty()) {
    credentials.username = parts->username;
    credentials.password = parts->password;
  }
  auto listing = std::chrono::steady_clock::now();
  Result<std::unique_ptr<Connection>> connection =
      Connection::Open(repo.repo.get(), std::string(url), &credentials, options_.timeout);
  if (!connection.ok()) {
    repo.last = connection.status();
    return connection.status();
  }
  repo.last = (*connection)->List();
  Observe("ls-remote", listing);
  {
    std::lock_guard lock(mu_);
    ++stats_.ls_remotes;
  }
  if (!repo.last.ok()) return repo.last.status();
  Result<Target> target = Pick(*repo.last, revision, display);
  if (!target.ok()) return target.status();
  Result<std::optional<std::string>> sha = LocalCommit(repo.repo.get(), *target, revision);
  if (!sha.ok() || sha->has_value()) {
    if (!sha.ok()) return sha.status();
    return Commit{display, **sha, target->ref};
  }

  std::vector<std::string> refspecs;
  if (target->fetch_ref.empty()) {
    refspecs = {"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"};
  } else {
    refspecs = {"+" + target->fetch_ref + ":" + target->fetch_ref};
  }
  log::Debug("fetching", {{"repo", display}, {"refspec", refspecs[0]}});
  Touch(repo.dir / kFetchingMarker);
  {
    std::lock_guard lock(mu_);
    ++stats_.fetches;
  }
  auto fetching = std::chrono::steady_clock::now();
  Status fetched = (*connection)->Fetch(refspecs);
  Observe("fetch", fetching);
  std::error_code error;
  fs::remove(repo.dir / kFetchingMarker, error);
  if (!fetched.ok()) return fetched;

  sha = LocalCommit(repo.repo.get(), *target, revision);
  if (!sha.ok()) return sha.status();
  if (!sha->has_value()) {
    return Status::NotFound("revision \"" + std::string(revision) + "\" not found in " + display);
  }
  return Commit{display, **sha, target->ref};
}

Result<int> Mirror::ExpireUnused(std::chrono::system_clock::time_point now,
                                 std::chrono::seconds max_age) {
  std::error_code error;
  if (!fs::exists(options_.cache_dir, error)) return 0;
  std::map<fs::path, Repo*> known;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, repo] : repos_) known[repo->dir] = repo.get();
  }
  int removed = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(options_.cache_dir, error)) {
    if (entry.path().extension() != ".git") continue;
    fs::path used = entry.path() / kUsedMarker;
    fs::file_time_type stamp =
        fs::last_write_time(fs::exists(used, error) ? used : entry.path(), error);
    if (error) continue;
    auto last_use = std::chrono::file_clock::to_sys(stamp);
    if (now - last_use < max_age) continue;
    std::unique_lock<std::mutex> repo_lock;
    if (auto it = known.find(entry.path()); it != known.end()) {
      repo_lock = std::unique_lock(it->second->git_mu, std::try_to_lock);
      if (!repo_lock.owns_lock()) continue;
      it->second->repo.reset();
    }
    fs::remove_all(entry.path(), error);
    if (error) {
      return Status::Internal("removing unused mirror " + entry.path().string() + ": " +
                              error.message());
    }
    ++removed;
  }
  return removed;
}

Result<std::unique_ptr<TreeView>> Mirror::Tree(const Commit& commit, std::string_view path) {
  Repo& repo = RepoFor(NormalizeUrl(commit.url));
  git_repository* opened = nullptr;
  {
    std::lock_guard lock(repo.git_mu);
    Touch(repo.dir / kUsedMarker);
    if (int code = git_repository_open_bare(&opened, repo.dir.c_str()); code < 0) {
      return GitError(code, "opening the mirror of " + commit.url);
    }
  }
  return OpenTreeView(GitPtr<git_repository>(opened), commit, path,
                      TreeLimits{options_.max_file_bytes, options_.max_total_bytes});
}

}  // namespace converge::sources::git
