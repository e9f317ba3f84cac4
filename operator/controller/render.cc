#include "operator/controller/render.h"

#include <optional>
#include <set>

#include "sources/directory/directory.h"

namespace converge::controller {
namespace {

namespace git = sources::git;

// The part of a source that decides its render, as a cache key.
std::string OptionsKey(const app::Source& source) {
  nlohmann::json key = nlohmann::json::object();
  if (source.directory) {
    key["directory"] = {{"recurse", source.directory->recurse},
                        {"include", source.directory->include},
                        {"exclude", source.directory->exclude}};
  }
  return key.dump();
}

// A tree that remembers what was read through it, so the render can be cached by exactly the
// files and directories it depended on.
class RecordingTree final : public sources::tree::FileTree {
 public:
  explicit RecordingTree(const git::TreeView& tree) : tree_(tree) {}

  Result<std::vector<sources::tree::Entry>> List(std::string_view path) const override {
    Note(path);
    return tree_.List(path);
  }
  Result<std::string> Read(std::string_view path) const override {
    Note(path);
    return tree_.Read(path);
  }
  Result<sources::tree::EntryType> Stat(std::string_view path) const override {
    Note(path);
    return tree_.Stat(path);
  }
  std::string Describe(std::string_view path) const override { return tree_.Describe(path); }

  // The paths read, each with its object id in `tree` ("" when absent there).
  std::map<std::string, std::string> Ids(const git::TreeView& tree) const {
    std::lock_guard lock(mu_);
    std::map<std::string, std::string> out;
    for (const std::string& path : paths_) out[path] = IdOf(tree, path);
    return out;
  }

  static std::string IdOf(const git::TreeView& tree, const std::string& path) {
    Result<std::string> id = tree.ObjectId(path);
    return id.ok() ? *id : "";
  }

 private:
  void Note(std::string_view path) const {
    std::lock_guard lock(mu_);
    paths_.emplace(path);
  }

  const git::TreeView& tree_;
  mutable std::mutex mu_;
  mutable std::set<std::string> paths_;
};

std::vector<std::string> Globs(const std::string& text) {
  if (text.empty()) return {};
  return {text};
}

// Renders `source.path` of the repository tree `tree`.
Result<std::vector<kube::Object>> RenderTree(const sources::tree::FileTree& tree,
                                             const app::Source& source) {
  sources::directory::Options options;
  if (source.directory) {
    options.recurse = source.directory->recurse;
    options.include = Globs(source.directory->include);
    options.exclude = Globs(source.directory->exclude);
  }
  return sources::directory::Render(tree, source.path, options);
}

}  // namespace

Result<Rendered> RenderCache::Render(git::Mirror& mirror, const app::Spec& spec,
                                     std::string_view /*app_name*/,
                                     const std::vector<git::Commit>* pinned) {
  Rendered out;
  std::map<kube::ResourceKey, size_t> index;
  for (size_t i = 0; i < spec.sources.size(); ++i) {
    const app::Source& source = spec.sources[i];
    std::string where = spec.sources.size() == 1 ? "" : "source " + std::to_string(i + 1) + ": ";
    Result<git::Commit> commit = pinned != nullptr && pinned->size() == spec.sources.size()
                                     ? Result<git::Commit>((*pinned)[i])
                                     : mirror.Resolve(source.repo_url, source.target_revision);
    if (!commit.ok()) return commit.status().Wrap(where + "resolving " + source.target_revision);
    // The whole repository: a kustomization may read bases beside its folder.
    Result<std::unique_ptr<git::TreeView>> tree = mirror.Tree(*commit, "");
    if (!tree.ok()) return tree.status().Wrap(where + "path " + source.path);
    if (Result<sources::tree::EntryType> found = (*tree)->Stat(source.path); !found.ok()) {
      return found.status().Wrap(where + "path " + source.path);
    }
    std::string key =
        git::NormalizeUrl(source.repo_url) + " " + source.path + " " + OptionsKey(source);
    std::optional<std::vector<kube::Object>> objects;
    {
      std::lock_guard lock(mu_);
      auto cached = cache_.find(key);
      if (cached != cache_.end()) {
        bool unchanged = true;
        for (const auto& [path, id] : cached->second.read) {
          if (RecordingTree::IdOf(**tree, path) != id) {
            unchanged = false;
            break;
          }
        }
        if (unchanged) {
          objects = cached->second.objects;
          ++stats_.hits;
        }
      }
    }
    if (!objects.has_value()) {
      RecordingTree recording(**tree);
      Result<std::vector<kube::Object>> rendered = RenderTree(recording, source);
      if (!rendered.ok()) return rendered.status().Wrap(where.empty() ? "rendering" : where);
      objects = std::move(*rendered);
      Entry entry{.read = recording.Ids(**tree), .objects = *objects};
      out.fresh = true;
      std::lock_guard lock(mu_);
      ++stats_.renders;
      cache_[key] = std::move(entry);
    }
    out.revisions.push_back(std::move(*commit));
    for (kube::Object& object : *objects) {
      kube::ResourceKey k = object.Key();
      auto [it, fresh] = index.emplace(k, out.objects.size());
      if (fresh) {
        out.objects.push_back(std::move(object));
      } else {
        out.objects[it->second] = std::move(object);
      }
    }
  }
  return out;
}

RenderCache::Stats RenderCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace converge::controller
