#include <algorithm>
#include <deque>

#include "sources/git/internal.h"

namespace converge::sources::git {
namespace {

// OpenSSH and Git give up after 40 links in one path; so do we, and call it a loop.
constexpr int kMaxLinks = 40;
// A symbolic link's blob is a path; anything longer is not a link we will follow.
constexpr size_t kMaxLinkTarget = 4096;

struct Node {
  std::string name;
  git_oid oid;
  git_filemode_t mode;
};

std::deque<std::string> Segments(std::string_view path) {
  std::deque<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

class GitTree final : public TreeView {
 public:
  GitTree(GitPtr<git_repository> repo, Commit commit, const git_oid& root, TreeLimits limits)
      : repo_(std::move(repo)), commit_(std::move(commit)), root_(root), limits_(limits) {
    git_libgit2_init();
  }
  ~GitTree() override {
    repo_.reset();
    git_libgit2_shutdown();
  }

  // Moves the view's root to `path`, which must be a directory.
  Status SetBase(std::string_view path) {
    Result<std::string> clean = tree::CleanRelative(path);
    if (!clean.ok()) return clean.status();
    std::lock_guard lock(mu_);
    Result<Resolved> resolved = Resolve(*clean);
    if (!resolved.ok()) return resolved.status();
    if (resolved->node.mode != GIT_FILEMODE_TREE) {
      return Status::Invalid(DescribeRepoPath(*clean) + ": not a directory");
    }
    base_ = resolved->path;
    return Status();
  }

  Result<std::vector<tree::Entry>> List(std::string_view path) const override {
    std::lock_guard lock(mu_);
    Result<Resolved> dir = ResolveView(path);
    if (!dir.ok()) return dir.status();
    if (dir->node.mode != GIT_FILEMODE_TREE) {
      return Status::Invalid(Describe(path) + ": not a directory");
    }
    git_tree* raw = nullptr;
    if (int code = git_tree_lookup(&raw, repo_.get(), &dir->node.oid); code < 0) {
      return GitError(code, Describe(path));
    }
    GitPtr<git_tree> tree(raw);
    std::vector<tree::Entry> entries;
    for (size_t i = 0, n = git_tree_entrycount(raw); i < n; ++i) {
      const git_tree_entry* entry = git_tree_entry_byindex(raw, i);
      std::string name = git_tree_entry_name(entry);
      git_filemode_t mode = git_tree_entry_filemode(entry);
      if (mode == GIT_FILEMODE_LINK) {
        Result<Resolved> target = Resolve(tree::Join(dir->path, name));
        if (target.status().code() == StatusCode::kNotFound) continue;  // dangling, as on disk
        if (!target.ok()) return target.status();
        mode = target->node.mode;
      }
      if (mode == GIT_FILEMODE_TREE) {
        entries.push_back({std::move(name), tree::EntryType::kDirectory});
      } else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
        entries.push_back({std::move(name), tree::EntryType::kFile});
      }
    }
    // Git orders a directory "a" as "a/"; the FileTree contract is plain bytewise order.
    std::sort(entries.begin(), entries.end(),
              [](const tree::Entry& a, const tree::Entry& b) { return a.name < b.name; });
    return entries;
  }

  Result<std::string> Read(std::string_view path) const override {
    std::lock_guard lock(mu_);
    Result<Resolved> file = ResolveView(path);
    if (!file.ok()) return file.status();
    if (file->node.mode == GIT_FILEMODE_TREE) {
      return Status::Invalid(Describe(path) + ": is a directory");
    }
    Result<std::string> bytes = ReadBlob(file->node.oid, Describe(path), limits_.max_file_bytes);
    if (!bytes.ok()) return bytes.status();
    if (total_read_ + bytes->size() > limits_.max_total_bytes) {
      return Status::Invalid(Describe(path) + ": reading it would pass the limit of " +
                             std::to_string(limits_.max_total_bytes) +
                             " bytes read from one repository tree");
    }
    total_read_ += bytes->size();
    return bytes;
  }

  Result<tree::EntryType> Stat(std::string_view path) const override {
    std::lock_guard lock(mu_);
    Result<Resolved> node = ResolveView(path);
    if (!node.ok()) return node.status();
    return node->node.mode == GIT_FILEMODE_TREE ? tree::EntryType::kDirectory
                                                : tree::EntryType::kFile;
  }

  std::string Describe(std::string_view path) const override {
    Result<std::string> clean = tree::CleanRelative(path);
    return DescribeRepoPath(tree::Join(base_, clean.ok() ? *clean : std::string(path)));
  }

  Result<std::string> ObjectId(std::string_view path) const override {
    std::lock_guard lock(mu_);
    Result<Resolved> node = ResolveView(path);
    if (!node.ok()) return node.status();
    return OidHex(node->node.oid);
  }

  const Commit& commit() const override { return commit_; }

 private:
  struct Resolved {
    Node node;
    std::string path;  // the real path in the repository, after links
  };

  std::string DescribeRepoPath(std::string_view repo_path) const {
    std::string revision = commit_.ref.empty() ? commit_.sha.substr(0, 12) : commit_.ref;
    return commit_.url + "@" + revision + ":" + std::string(repo_path);
  }

  // REQUIRES: mu_ held.
  Result<Resolved> ResolveView(std::string_view path) const {
    Result<std::string> clean = tree::CleanRelative(path);
    if (!clean.ok()) return clean.status().Wrap(DescribeRepoPath(base_));
    return Resolve(tree::Join(base_, *clean));
  }

  // REQUIRES: mu_ held.
  Result<std::string> ReadBlob(const git_oid& oid, const std::string& what, uint64_t limit) const {
    git_odb* raw_odb = nullptr;
    if (int code = git_repository_odb(&raw_odb, repo_.get()); code < 0) {
      return GitError(code, what);
    }
    GitPtr<git_odb> odb(raw_odb);
    size_t size = 0;
    git_object_t type;
    if (int code = git_odb_read_header(&size, &type, raw_odb, &oid); code < 0) {
      return GitError(code, what);
    }
    if (size > limit) {
      return Status::Invalid(what + ": file is " + std::to_string(size) +
                             " bytes, more than the limit of " + std::to_string(limit));
    }
    git_blob* raw = nullptr;
    if (int code = git_blob_lookup(&raw, repo_.get(), &oid); code < 0) return GitError(code, what);
    GitPtr<git_blob> blob(raw);
    return std::string(static_cast<const char*>(git_blob_rawcontent(raw)),
                       static_cast<size_t>(git_blob_rawsize(raw)));
  }

  // Walks `repo_path` from the commit's root, following links. REQUIRES: mu_ held.
  Result<Resolved> Resolve(const std::string& repo_path) const {
    std::deque<std::string> todo = Segments(repo_path);
    std::vector<Node> stack;  // the directories (and last entry) walked so far
    Node root{"", root_, GIT_FILEMODE_TREE};
    int links = 0;
    auto current_path = [&stack] {
      std::string out;
      for (const Node& node : stack) out = tree::Join(out, node.name);
      return out;
    };
    while (!todo.empty()) {
      std::string name = std::move(todo.front());
      todo.pop_front();
      if (name == ".") continue;
      if (name == "..") {
        if (stack.empty()) {
          return Status::Invalid(DescribeRepoPath(repo_path) + ": leaves the repository");
        }
        stack.pop_back();
        continue;
      }
      const Node& dir = stack.empty() ? root : stack.back();
      if (dir.mode != GIT_FILEMODE_TREE) {
        return Status::Invalid(DescribeRepoPath(current_path()) + ": not a directory");
      }
      git_tree* raw = nullptr;
      if (int code = git_tree_lookup(&raw, repo_.get(), &dir.oid); code < 0) {
        return GitError(code, DescribeRepoPath(current_path()));
      }
      GitPtr<git_tree> tree(raw);
      const git_tree_entry* entry = git_tree_entry_byname(raw, name.c_str());
      std::string entry_path = tree::Join(current_path(), name);
      if (entry == nullptr) {
        return Status::NotFound(DescribeRepoPath(entry_path) + ": no such file or directory");
      }
      Node node{name, *git_tree_entry_id(entry), git_tree_entry_filemode(entry)};
      if (node.mode == GIT_FILEMODE_COMMIT) {
        return Status::NotFound(DescribeRepoPath(entry_path) +
                                ": a submodule, which is not part of the tree");
      }
      if (node.mode != GIT_FILEMODE_LINK) {
        stack.push_back(std::move(node));
        continue;
      }
      if (++links > kMaxLinks) {
        return Status::Invalid(DescribeRepoPath(entry_path) +
                               ": too many levels of symbolic links (a link loop)");
      }
      Result<std::string> target = ReadBlob(node.oid, DescribeRepoPath(entry_path), kMaxLinkTarget);
      if (!target.ok()) return target.status();
      if (Status s = CheckLinkTarget(entry_path, *target, stack.size()); !s.ok()) return s;
      std::deque<std::string> segments = Segments(*target);
      todo.insert(todo.begin(), segments.begin(), segments.end());
    }
    Resolved resolved{stack.empty() ? root : stack.back(), current_path()};
    return resolved;
  }

  // A link's target must stay inside the repository (the CVE-2022-24348 class of escapes).
  Status CheckLinkTarget(const std::string& link, const std::string& target, size_t depth) const {
    if (!target.empty() && target[0] == '/') {
      return Status::Invalid(DescribeRepoPath(link) + ": symbolic link to absolute path \"" +
                             target + "\" leaves the repository");
    }
    int64_t level = static_cast<int64_t>(depth);
    for (const std::string& segment : Segments(target)) {
      if (segment == ".") continue;
      level += segment == ".." ? -1 : 1;
      if (level < 0) {
        return Status::Invalid(DescribeRepoPath(link) + ": symbolic link to \"" + target +
                               "\" leaves the repository");
      }
    }
    return Status();
  }

  mutable std::mutex mu_;  // guards repo_ (a libgit2 handle serves one thread at a time)
  GitPtr<git_repository> repo_;
  Commit commit_;
  git_oid root_;
  std::string base_;  // real path of the view's root in the repository
  TreeLimits limits_;
  mutable uint64_t total_read_ = 0;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<TreeView>> OpenTreeView(GitPtr<git_repository> repo, const Commit& commit,
                                               std::string_view path, TreeLimits limits) {
  git_oid oid;
  if (git_oid_fromstr(&oid, commit.sha.c_str()) < 0) {
    return Status::Invalid("\"" + commit.sha + "\" is not a commit id");
  }
  git_commit* raw = nullptr;
  if (int code = git_commit_lookup(&raw, repo.get(), &oid); code < 0) {
    return GitError(code, commit.url + ": commit " + commit.sha);
  }
  GitPtr<git_commit> owned(raw);
  auto view = std::make_unique<GitTree>(std::move(repo), commit, *git_commit_tree_id(raw), limits);
  if (Status s = view->SetBase(path); !s.ok()) return s;
  return std::unique_ptr<TreeView>(std::move(view));
}

}  // namespace converge::sources::git
