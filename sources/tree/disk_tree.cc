#include <algorithm>
#include <system_error>

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/file.h"
#include "sources/tree/tree.h"

namespace converge::sources::tree {
namespace {

namespace fs = std::filesystem;

class DiskTree final : public FileTree {
 public:
  DiskTree(fs::path root, std::string display_root)
      : root_(std::move(root)),
        display_root_(std::move(display_root)),
        root_fd_(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {}
  DiskTree(const DiskTree&) = delete;
  DiskTree& operator=(const DiskTree&) = delete;
  ~DiskTree() override {
    if (root_fd_ >= 0) ::close(root_fd_);
  }

  Result<std::vector<Entry>> List(std::string_view path) const override {
    std::optional<Result<std::vector<Entry>>> entries = ListBeneath(path);
    if (!entries) entries = ListCarefully(path);
    if (!entries->ok()) return entries->status();
    std::sort((*entries)->begin(), (*entries)->end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return std::move(*entries);
  }

  Result<std::string> Read(std::string_view path) const override {
    if (std::optional<Result<std::string>> fast = ReadBeneath(path)) return std::move(*fast);
    Result<fs::path> real = Resolve(path);
    if (!real.ok()) return real.status();
    std::error_code error;
    if (fs::is_directory(*real, error)) {
      return Status::Invalid(Describe(path) + ": is a directory");
    }
    std::optional<std::string> text = ReadFile(*real);
    if (!text) return Status::Internal(Describe(path) + ": cannot be read");
    return std::move(*text);
  }

  Result<EntryType> Stat(std::string_view path) const override {
    Result<fs::path> real = Resolve(path);
    if (!real.ok()) return real.status();
    std::error_code error;
    return fs::is_directory(*real, error) ? EntryType::kDirectory : EntryType::kFile;
  }

  std::string Describe(std::string_view path) const override {
    if (path.empty()) return display_root_;
    if (display_root_.empty() || display_root_ == ".") return std::string(path);
    return display_root_ + (display_root_.back() == '/' ? "" : "/") + std::string(path);
  }

 private:
  // The fast paths below open files with openat2's RESOLVE_BENEATH: one system call instead of
  // canonicalising every path (a stat per segment). They give up (nullopt) whenever the kernel
  // refuses, and the canonicalising path then decides, with its messages, whether a link that
  // leaves the root and comes back, an absolute link into the root, or a missing file is fine.
  int OpenBeneath(std::string_view path, int flags) const {
    Result<std::string> clean = CleanRelative(path);
    if (root_fd_ < 0 || !clean.ok()) return -1;
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd =
        ::syscall(SYS_openat2, root_fd_, clean->empty() ? "." : clean->c_str(), &how, sizeof how);
    return fd < 0 ? -1 : static_cast<int>(fd);
  }

  std::optional<Result<std::string>> ReadBeneath(std::string_view path) const {
    // Non-blocking so that a FIFO in a repository cannot stall a render.
    int fd = OpenBeneath(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) return std::nullopt;
    struct stat info {};
    std::optional<Result<std::string>> result;
    if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
      result = Status::Invalid(Describe(path) + ": is a directory");
    } else if (std::optional<std::string> text = ReadDescriptor(fd)) {
      result = std::move(*text);
    } else {
      result = Status::Internal(Describe(path) + ": cannot be read");
    }
    ::close(fd);
    return result;
  }

  std::optional<Result<std::vector<Entry>>> ListBeneath(std::string_view path) const {
    int fd = OpenBeneath(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return std::nullopt;
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
      ::close(fd);
      return std::nullopt;
    }
    std::vector<Entry> entries;
    std::optional<Status> failed;
    while (const dirent* item = ::readdir(dir)) {
      std::string name = item->d_name;
      if (name == "." || name == "..") continue;
      if (item->d_type == DT_DIR) {
        entries.push_back({std::move(name), EntryType::kDirectory});
      } else if (item->d_type == DT_REG) {
        entries.push_back({std::move(name), EntryType::kFile});
      } else if (item->d_type == DT_LNK || item->d_type == DT_UNKNOWN) {
        if (Status s = AddResolved(path, std::move(name), entries); !s.ok()) {
          failed = s;
          break;
        }
      }
    }
    ::closedir(dir);
    if (failed) return *failed;
    return entries;
  }

  Result<std::vector<Entry>> ListCarefully(std::string_view path) const {
    Result<fs::path> real = Resolve(path);
    if (!real.ok()) return real.status();
    std::error_code error;
    if (!fs::is_directory(*real, error)) {
      return Status::Invalid(Describe(path) + ": not a directory");
    }
    std::vector<Entry> entries;
    for (const fs::directory_entry& item : fs::directory_iterator(*real, error)) {
      if (Status s = AddResolved(path, item.path().filename().string(), entries); !s.ok()) {
        return s;
      }
    }
    if (error) {
      return Status::Internal(Describe(path) + ": " + error.message());
    }
    return entries;
  }

  // Adds the entry `name` of directory `dir` by what it resolves to; links are resolved within
  // the root and other kinds of file are left out.
  Status AddResolved(std::string_view dir, std::string name, std::vector<Entry>& entries) const {
    Result<fs::path> target = Resolve(Join(dir, name));
    if (!target.ok()) return target.status();
    std::error_code error;
    fs::file_status status = fs::status(*target, error);
    if (fs::is_directory(status)) {
      entries.push_back({std::move(name), EntryType::kDirectory});
    } else if (fs::is_regular_file(status)) {
      entries.push_back({std::move(name), EntryType::kFile});
    }
    return Status();
  }

  // The real location of `path`, after links, checked to stay below the root.
  Result<fs::path> Resolve(std::string_view path) const {
    Result<std::string> clean = CleanRelative(path);
    if (!clean.ok()) return clean.status();
    fs::path joined = clean->empty() ? root_ : root_ / *clean;
    std::error_code error;
    fs::path real = fs::canonical(joined, error);
    if (error) {
      if (error == std::errc::no_such_file_or_directory) {
        return Status::NotFound(Describe(*clean) + ": no such file or directory");
      }
      return Status::Internal(Describe(*clean) + ": " + error.message());
    }
    auto [root_end, real_it] = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
    if (root_end != root_.end()) {
      return Status::Invalid(Describe(*clean) + ": symbolic link leads outside " + display_root_);
    }
    return real;
  }

  fs::path root_;  // canonical
  std::string display_root_;
  int root_fd_;  // -1 when the root could not be opened: only the careful path is taken
};

}  // namespace

Result<std::unique_ptr<FileTree>> OpenDirectory(const std::filesystem::path& root) {
  std::error_code error;
  fs::path real = fs::canonical(root, error);
  if (error) {
    return Status::NotFound(root.string() + ": " + error.message());
  }
  if (!fs::is_directory(real, error)) {
    return Status::Invalid(root.string() + ": not a directory");
  }
  return std::unique_ptr<FileTree>(std::make_unique<DiskTree>(std::move(real), root.string()));
}

std::string Join(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  if (name.empty()) return std::string(dir);
  std::string out(dir);
  out.push_back('/');
  out.append(name);
  return out;
}

Result<std::string> CleanRelative(std::string_view path) {
  if (!path.empty() && path[0] == '/') {
    return Status::Invalid("path \"" + std::string(path) + "\" must be relative");
  }
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(pos, end - pos);
    if (part == "..") {
      if (parts.empty()) {
        return Status::Invalid("path \"" + std::string(path) + "\" leaves the tree");
      }
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = end + 1;
  }
  std::string out;
  for (std::string_view part : parts) {
    out = Join(out, part);
  }
  return out;
}

}  // namespace converge::sources::tree
