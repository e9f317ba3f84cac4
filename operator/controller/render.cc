#include "operator/controller/render.h"

#include <optional>
#include <set>

#include "sources/directory/directory.h"
#include "sources/helm/helm.h"
#include "sources/kustomize/kustomize.h"

namespace converge::controller {
namespace {

namespace git = sources::git;

// The part of a source that decides its render, as a cache key.
std::string OptionsKey(const app::Source& source, std::string_view app_name,
                       std::string_view destination) {
  nlohmann::json key = nlohmann::json::object();
  if (source.directory) {
    key["directory"] = {{"recurse", source.directory->recurse},
                        {"include", source.directory->include},
                        {"exclude", source.directory->exclude}};
  }
  if (source.helm) {
    const app::HelmSource& h = *source.helm;
    nlohmann::json parameters = nlohmann::json::array();
    for (const app::HelmParameter& p : h.parameters) {
      parameters.push_back({p.name, p.value, p.force_string});
    }
    nlohmann::json files = nlohmann::json::array();
    for (const app::HelmFileParameter& f : h.file_parameters) files.push_back({f.name, f.path});
    key["helm"] = {{"valueFiles", h.value_files},
                   {"values", h.values},
                   {"valuesObject", h.values_object ? *h.values_object : nullptr},
                   {"parameters", parameters},
                   {"fileParameters", files},
                   {"releaseName", h.release_name},
                   {"skipCrds", h.skip_crds},
                   {"skipTests", h.skip_tests},
                   {"namespace", h.ns},
                   {"kubeVersion", h.kube_version},
                   {"apiVersions", h.api_versions},
                   {"ignoreMissing", h.ignore_missing_value_files}};
  }
  if (source.kustomize) {
    const app::KustomizeSource& k = *source.kustomize;
    nlohmann::json replicas = nlohmann::json::array();
    for (const app::KustomizeReplica& r : k.replicas) replicas.push_back({r.name, r.count});
    key["kustomize"] = {{"namePrefix", k.name_prefix},
                        {"nameSuffix", k.name_suffix},
                        {"images", k.images},
                        {"commonLabels", k.common_labels},
                        {"commonAnnotations", k.common_annotations},
                        {"namespace", k.ns},
                        {"replicas", replicas},
                        {"patches", k.patches},
                        {"components", k.components}};
  }
  // A chart's release name and namespace default to the Application's.
  key["app"] = app_name;
  key["destination"] = destination;
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

Result<std::vector<kube::Object>> RenderDirectory(const sources::tree::FileTree& tree,
                                                  const app::Source& source) {
  sources::directory::Options options;
  if (source.directory) {
    options.recurse = source.directory->recurse;
    options.include = Globs(source.directory->include);
    options.exclude = Globs(source.directory->exclude);
  }
  return sources::directory::Render(tree, source.path, options);
}

// Argo CD's kustomize overrides edit a copy of the kustomization before the build.
Result<std::vector<kube::Object>> RenderKustomization(const sources::tree::FileTree& tree,
                                                      const app::Source& source) {
  sources::kustomize::Options options;
  if (source.kustomize) {
    const app::KustomizeSource& k = *source.kustomize;
    sources::kustomize::Overrides& o = options.overrides;
    o.name_prefix = k.name_prefix;
    o.name_suffix = k.name_suffix;
    o.namespace_ = k.ns;
    o.images = k.images;
    for (const auto& [key, value] : k.common_labels) o.common_labels[key] = value;
    for (const auto& [key, value] : k.common_annotations) o.common_annotations[key] = value;
    for (const app::KustomizeReplica& r : k.replicas) {
      o.replicas.push_back({{"name", r.name}, {"count", r.count}});
    }
    o.patches = k.patches;
    o.components = k.components;
  }
  return sources::kustomize::Build(tree, source.path, options);
}

// Argo CD's Helm source: valueFiles, then values and valuesObject, then parameters (--set),
// as `helm template` with those flags.
Result<std::vector<kube::Object>> RenderChart(const sources::tree::FileTree& tree,
                                              const app::Source& source, std::string_view app_name,
                                              std::string_view destination) {
  app::HelmSource helm = source.helm.value_or(app::HelmSource{});
  auto in_chart = [&](const std::string& relative) -> Result<std::string> {
    Result<std::string> clean =
        sources::tree::CleanRelative(sources::tree::Join(source.path, relative));
    if (!clean.ok()) return clean.status();
    return tree.Read(*clean);
  };
  sources::helm::ValueOptions values;
  for (const std::string& file : helm.value_files) {
    Result<std::string> content = in_chart(file);
    if (!content.ok()) {
      if (helm.ignore_missing_value_files && content.status().code() == StatusCode::kNotFound) {
        continue;
      }
      return content.status().Wrap("valueFiles " + file);
    }
    values.files.emplace_back(file, std::move(*content));
  }
  if (!helm.values.empty()) values.files.emplace_back("values", helm.values);
  if (helm.values_object) values.files.emplace_back("valuesObject", helm.values_object->dump());
  for (const app::HelmParameter& p : helm.parameters) {
    (p.force_string ? values.set_string : values.set).push_back(p.name + "=" + p.value);
  }
  for (const app::HelmFileParameter& f : helm.file_parameters) {
    values.set_file.push_back(f.name + "=" + f.path);
  }
  values.read_file = in_chart;
  Result<sources::helm::tmpl::Value> merged = sources::helm::MergeUserValues(values);
  if (!merged.ok()) return merged.status();
  Result<sources::helm::Chart> chart = sources::helm::LoadChart(tree, source.path);
  if (!chart.ok()) return chart.status();
  sources::helm::Options options{
      .release_name = helm.release_name.empty() ? std::string(app_name) : helm.release_name,
      .release_namespace = helm.ns.empty() ? std::string(destination) : helm.ns,
      .values = std::move(*merged),
      .kube_version = helm.kube_version,
      .api_versions = helm.api_versions,
      .include_crds = !helm.skip_crds,
      .skip_tests = helm.skip_tests};
  Result<sources::helm::Release> release = sources::helm::Render(*chart, options);
  if (!release.ok()) return release.status();
  Result<std::string> text = sources::helm::FormatTemplate(*release, options);
  if (!text.ok()) return text.status();
  return kube::DecodeObjects(*text, sources::tree::Join(source.path, "(helm template)"));
}

// Renders `source.path` of the repository tree `tree` with the renderer the source names, or
// its files call for (a kustomization, a Chart.yaml, else plain manifests), as Argo CD picks.
Result<std::vector<kube::Object>> RenderTree(const sources::tree::FileTree& tree,
                                             const app::Source& source, std::string_view app_name,
                                             std::string_view destination) {
  if (source.helm) return RenderChart(tree, source, app_name, destination);
  if (source.kustomize) return RenderKustomization(tree, source);
  if (source.directory) return RenderDirectory(tree, source);
  if (sources::kustomize::IsKustomization(tree, source.path)) {
    return RenderKustomization(tree, source);
  }
  if (tree.Stat(sources::tree::Join(source.path, "Chart.yaml")).ok()) {
    return RenderChart(tree, source, app_name, destination);
  }
  return RenderDirectory(tree, source);
}

}  // namespace

Result<Rendered> RenderCache::Render(git::Mirror& mirror, const app::Spec& spec,
                                     std::string_view app_name,
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
    std::string key = git::NormalizeUrl(source.repo_url) + " " + source.path + " " +
                      OptionsKey(source, app_name, spec.destination.ns);
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
      auto started = std::chrono::steady_clock::now();
      Result<std::vector<kube::Object>> rendered =
          RenderTree(recording, source, app_name, spec.destination.ns);
      durations_.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
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
