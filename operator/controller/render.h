#pragma once
// operator/controller/render.h: an Application's sources turned into the objects it wants:
// each source's revision resolved through the Git mirror, its tree rendered by the renderer its
// files call for, and the results merged (a later source wins over an earlier one on the same
// object, as Argo CD's multiple sources do). A render is cached with the Git object ids of
// every file and directory it read (a kustomization's bases, a chart's files), so a commit
// that changes none of them costs no render, however much else of the repository it changes.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kube/kube.h"
#include "operator/application/application.h"
#include "operator/metrics/prometheus.h"
#include "sources/git/git.h"

namespace converge::controller {

struct Rendered {
  std::vector<kube::Object> objects;
  std::vector<sources::git::Commit> revisions;  // one per source, in order
  bool fresh = false;  // some source was rendered now rather than taken from the cache
};

class RenderCache {
 public:
  // Renders every source of `spec` for the Application `app_name` (the default Helm release
  // name). Errors name the source and the file and line where the renderer found the problem.
  // With `pinned` (one commit per source, from an earlier render) the revisions are not
  // resolved again: a reconcile caused by a live object's change needs no Git traffic.
  Result<Rendered> Render(sources::git::Mirror& mirror, const app::Spec& spec,
                          std::string_view app_name,
                          const std::vector<sources::git::Commit>* pinned = nullptr);

  struct Stats {
    uint64_t renders = 0;  // renders that ran (cache misses)
    uint64_t hits = 0;
  };
  Stats stats() const;
  // How long the renders that ran took (failed ones included).
  const metrics::Histogram& durations() const { return durations_; }

 private:
  struct Entry {
    // Every path the render read, with its Git object id then ("" for a path it found absent).
    std::map<std::string, std::string> read;
    std::vector<kube::Object> objects;
  };
  // One entry per source (repository, path and options), holding its latest render: memory
  // stays bounded by the number of sources however many commits pass.
  std::map<std::string, Entry> cache_;
  mutable std::mutex mu_;
  Stats stats_;
  metrics::Histogram durations_;
};

}  // namespace converge::controller
