#include "operator/controller/render.h"

#include <optional>

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

std::vector<std::string> Globs(const std::string& text) {
  if (text.empty()) return {};
  return {text};
}

Result<std::vector<kube::Object>> RenderTree(const git::TreeView& tree, const app::Source& source) {
  sources::directory::Options options;
  if (source.directory) {
    options.recurse = source.directory->recurse;
    options.include = Globs(source.directory->include);
    options.exclude = Globs(source.directory->exclude);
  }
  return sources::directory::Render(tree, "", options);
}

}  // namespace

Result<Rendered> RenderCache::Render(git::Mirror& mirror, const app::Spec& spec,
                                     std::string_view /*app_name*/) {
  Rendered out;
  std::map<kube::ResourceKey, size_t> index;
  for (size_t i = 0; i < spec.sources.size(); ++i) {
    const app::Source& source = spec.sources[i];
    std::string where = spec.sources.size() == 1 ? "" : "source " + std::to_string(i + 1) + ": ";
    Result<git::Commit> commit = mirror.Resolve(source.repo_url, source.target_revision);
    if (!commit.ok()) return commit.status().Wrap(where + "resolving " + source.target_revision);
    Result<std::unique_ptr<git::TreeView>> tree = mirror.Tree(*commit, source.path);
    if (!tree.ok()) return tree.status().Wrap(where + "path " + source.path);
    Result<std::string> tree_id = (*tree)->ObjectId("");
    if (!tree_id.ok()) return tree_id.status();
    std::string key =
        git::NormalizeUrl(source.repo_url) + " " + source.path + " " + OptionsKey(source);
    std::optional<std::vector<kube::Object>> objects;
    {
      std::lock_guard lock(mu_);
      auto cached = cache_.find(key);
      if (cached != cache_.end() && cached->second.tree_id == *tree_id) {
        objects = cached->second.objects;
        ++stats_.hits;
      }
    }
    if (!objects.has_value()) {
      Result<std::vector<kube::Object>> rendered = RenderTree(**tree, source);
      if (!rendered.ok()) return rendered.status().Wrap(where.empty() ? "rendering" : where);
      objects = std::move(*rendered);
      std::lock_guard lock(mu_);
      ++stats_.renders;
      cache_[key] = Entry{.tree_id = *tree_id, .objects = *objects};
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
