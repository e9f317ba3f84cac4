#pragma once
// sources/tree/tree.h: a read-only view of a file tree, the one input every renderer takes. A
// directory on disk, a Git tree (sources/git) and a Helm chart archive all implement it, so
// renderers never know where files come from.
//
// Paths are relative to the tree's root, '/'-separated, without "." or ".." segments; "" is
// the root. Implementations are immutable after construction and safe to read from several
// threads at once.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace converge::sources::tree {

enum class EntryType { kFile, kDirectory };

struct Entry {
  std::string name;  // one path segment
  EntryType type = EntryType::kFile;
};

class FileTree {
 public:
  virtual ~FileTree() = default;

  // The entries of a directory, sorted bytewise by name. kNotFound when `path` does not exist,
  // kInvalid when it is a file.
  virtual Result<std::vector<Entry>> List(std::string_view path) const = 0;

  // The bytes of a file. kNotFound when absent, kInvalid when `path` is a directory.
  virtual Result<std::string> Read(std::string_view path) const = 0;

  // kNotFound when `path` does not exist.
  virtual Result<EntryType> Stat(std::string_view path) const = 0;

  // How messages name `path` so a user can find it: the directory as the user gave it joined
  // with the path, or a repository, revision and path for a Git tree.
  virtual std::string Describe(std::string_view path) const = 0;
};

// A tree over a directory on disk. Symbolic links are followed when their target stays inside
// `root`; a link leaving it is an error naming the link, so a repository cannot make Converge
// read arbitrary files of the host.
Result<std::unique_ptr<FileTree>> OpenDirectory(const std::filesystem::path& root);

// Joins two relative paths, dropping empty parts: Join("", "a") == "a", Join("a", "b") == "a/b".
std::string Join(std::string_view dir, std::string_view name);

// Cleans a user-supplied relative path: "./a//b/" -> "a/b". Fails when it is absolute or
// climbs above the root with "..".
Result<std::string> CleanRelative(std::string_view path);

}  // namespace converge::sources::tree
