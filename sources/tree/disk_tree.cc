#include <algorithm>
#include <system_error>

#include "base/file.h"
#include "sources/tree/tree.h"

namespace converge::sources::tree {
namespace {

namespace fs = std::filesystem;

class DiskTree final : public FileTree {
 public:
  DiskTree(fs::path root, std::string display_root)
      : root_(std::move(root)), display_root_(std::move(display_root)) {}

  Result<std::vector<Entry>> List(std::string_view path) const override {
    Result<fs::path> real = Resolve(path);
    if (!real.ok()) return real.status();
    std::error_code error;
    if (!fs::is_directory(*real, error)) {
      return Status::Invalid(Describe(path) + ": not a directory");
    }
    std::vector<Entry> entries;
    for (const fs::directory_entry& item : fs::directory_iterator(*real, error)) {
      std::string name = item.path().filename().string();
      Result<fs::path> target = Resolve(Join(path, name));
      if (!target.ok()) return target.status();
      std::error_code stat_error;
      fs::file_status status = fs::status(*target, stat_error);
      if (fs::is_directory(status)) {
        entries.push_back({std::move(name), EntryType::kDirectory});
      } else if (fs::is_regular_file(status)) {
        entries.push_back({std::move(name), EntryType::kFile});
      }
    }
    if (error) {
      return Status::Internal(Describe(path) + ": " + error.message());
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return entries;
  }

  Result<std::string> Read(std::string_view path) const override {
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
