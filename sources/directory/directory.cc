#include "sources/directory/directory.h"

#include "base/glob.h"
#include "base/log.h"

namespace converge::sources::directory {
namespace {

struct Filters {
  std::vector<Glob> include;
  std::vector<Glob> exclude;

  bool Keep(std::string_view relative) const {
    auto matches = [&](const Glob& glob) { return glob.Match(relative); };
    bool included = include.empty() || std::any_of(include.begin(), include.end(), matches);
    return included && std::none_of(exclude.begin(), exclude.end(), matches);
  }
};

Result<std::vector<Glob>> CompileAll(const std::vector<std::string>& patterns,
                                     std::string_view what) {
  std::vector<Glob> globs;
  globs.reserve(patterns.size());
  for (const std::string& pattern : patterns) {
    Result<Glob> glob = Glob::Compile(pattern);
    if (!glob.ok()) return glob.status().Wrap(what);
    globs.push_back(std::move(*glob));
  }
  return globs;
}

enum class FileKind { kIgnored, kManifest, kJsonnet };

FileKind Classify(std::string_view name) {
  for (std::string_view extension : {".yaml", ".yml", ".json"}) {
    if (name.ends_with(extension)) return FileKind::kManifest;
  }
  return name.ends_with(".jsonnet") ? FileKind::kJsonnet : FileKind::kIgnored;
}

// Collects manifest files depth-first, entries in name order: the order of Go's
// filepath.Walk that Argo CD uses.
Status Walk(const tree::FileTree& tree, const std::string& root, const std::string& relative,
            const Options& options, const Filters& filters, std::vector<std::string>& files) {
  Result<std::vector<tree::Entry>> entries = tree.List(tree::Join(root, relative));
  if (!entries.ok()) return entries.status();
  for (const tree::Entry& entry : *entries) {
    std::string child = tree::Join(relative, entry.name);
    if (entry.type == tree::EntryType::kDirectory) {
      if (options.recurse) {
        if (Status s = Walk(tree, root, child, options, filters, files); !s.ok()) return s;
      }
      continue;
    }
    FileKind kind = Classify(entry.name);
    if (kind == FileKind::kIgnored || !filters.Keep(child)) continue;
    if (kind == FileKind::kJsonnet) {
      return Status::Invalid(tree.Describe(tree::Join(root, child)) +
                             ": jsonnet manifests are not supported; exclude the file or render "
                             "it to YAML");
    }
    files.push_back(child);
  }
  return Status();
}

}  // namespace

Result<std::vector<kube::Object>> Render(const tree::FileTree& tree, std::string_view path,
                                         const Options& options) {
  Result<std::string> root = tree::CleanRelative(path);
  if (!root.ok()) return root.status();
  Filters filters;
  Result<std::vector<Glob>> include = CompileAll(options.include, "include");
  if (!include.ok()) return include.status();
  Result<std::vector<Glob>> exclude = CompileAll(options.exclude, "exclude");
  if (!exclude.ok()) return exclude.status();
  filters.include = std::move(*include);
  filters.exclude = std::move(*exclude);

  std::vector<std::string> files;
  if (Status s = Walk(tree, *root, "", options, filters, files); !s.ok()) return s;

  std::vector<kube::Object> objects;
  for (const std::string& file : files) {
    std::string full = tree::Join(*root, file);
    Result<std::string> text = tree.Read(full);
    if (!text.ok()) return text.status();
    Result<std::vector<kube::Object>> decoded = kube::DecodeObjects(*text, tree.Describe(full));
    if (!decoded.ok()) return decoded.status();
    log::Debug("read manifests", {{"file", full}, {"objects", std::to_string(decoded->size())}});
    for (kube::Object& object : *decoded) objects.push_back(std::move(object));
  }
  return objects;
}

}  // namespace converge::sources::directory
