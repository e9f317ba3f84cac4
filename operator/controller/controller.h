#pragma once
// operator/controller/controller.h: the reconcile loop of Applications. Informers keep the
// Applications (and the repository Secrets) in memory; a work queue hands each changed or due
// Application to one of N workers, which resolves its revision, renders it (through the render
// cache), compares it with the live objects, syncs it when its policy says so (or when a user
// asked through `operation`), and writes the status when it changed. Deleting an Application
// with the resources finalizer deletes what it deployed first.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client/client.h"
#include "kube/client/informer.h"
#include "operator/controller/application_cache.h"
#include "operator/controller/live_cache.h"
#include "operator/controller/render.h"
#include "operator/controller/status.h"
#include "operator/controller/workqueue.h"
#include "sources/git/git.h"

namespace converge::controller {

struct Options {
  // Namespaces whose Applications are reconciled; empty: all.
  std::vector<std::string> namespaces;
  int workers = 4;
  // Every Application is looked at again after this long plus up to `poll_jitter`, so that
  // new commits are found without a webhook (Argo CD: 120 s + 60 s).
  std::chrono::milliseconds poll_interval{120 * 1000};
  std::chrono::milliseconds poll_jitter{60 * 1000};
  // A repository's refs checked less than this long ago answer a poll without asking the
  // remote again, so a thousand Applications of one repository cost a few round trips (capped
  // at half the poll interval). Refreshes always ask.
  std::chrono::milliseconds revision_cache{10 * 1000};
  // Git mirrors under cache_dir/git, credential files under cache_dir/credentials.
  std::filesystem::path cache_dir;
  // Where repository Secrets are read; "" for every namespace.
  std::string credentials_namespace;
  std::filesystem::path known_hosts;
  std::chrono::seconds git_timeout{60};
  // Limit for one sync, health waits included.
  std::chrono::seconds sync_timeout{300};
  // The pause after a sync wave is applied (sync::ExecuteOptions::wave_delay).
  std::chrono::milliseconds sync_wave_delay{2000};
};

// One comparison of an Application's desired objects with the live ones. Secret data is not
// masked here: whoever shows it masks it.
struct Comparison {
  // The objects as compared (destination namespace filled in), kept as JSON text: parsed
  // copies of every managed object of every Application doubled the operator's memory (a
  // thousand Applications: 150 -> 300 MiB), for pages that are seldom asked for.
  std::vector<std::string> desired_json;
  std::vector<std::string> live_json;
  diff::Report report;                   // one entry per resource key
  std::vector<ResourceState> resources;  // sync and health per resource, report order
  // What it was made from: the spec's generation, the revisions and the live objects'
  // resourceVersions.
  std::string inputs;

  std::vector<kube::Object> Desired() const;
  std::vector<kube::Object> Live() const;
};

struct SyncRequest;

// Besides its policy, an Application is synced when its `operation.sync` asks: `revision`
// (a commit to sync instead of the target revision; rollbacks use a history entry's),
// `resources` (only these, [{group, kind, namespace, name}]), `prune`, `dryRun`,
// `syncOptions`. While the sync runs, status.operationState.phase is Running; setting it to
// Terminating (DELETE .../operation) cancels the sync between steps.
class Controller {
 public:
  // `client` and `applications` must outlive the controller. Without `applications` the
  // controller keeps its own cache of the Applications of options.namespaces.
  Controller(kube::Client& client, Options options, ApplicationCache* applications = nullptr);
  ~Controller();

  // Runs until `stop` is requested, then lets in-flight reconciles finish (a running sync is
  // cancelled between steps) and returns.
  void Run(std::stop_token stop);

  // Makes the Application `ns`/`name` ask Git for its revisions now (a webhook's push). Before
  // Run() is under way (a standby replica) it sets the refresh annotation for the replica
  // that reconciles.
  void Refresh(const std::string& ns, const std::string& name);

  // True once the informers have their first lists.
  bool Ready() const { return ready_.load(); }

  struct Stats {
    uint64_t reconciles = 0;
    uint64_t syncs = 0;
    uint64_t status_writes = 0;
    RenderCache::Stats renders;
    sources::git::Stats git;
  };
  Stats stats() const;

  // What the last reconcile of an Application compared, for the API's managed-resources and
  // resource-tree. Null before its first comparison (or when this replica does not lead).
  // Thread-safe.
  std::shared_ptr<const Comparison> LastComparison(std::string_view ns,
                                                   std::string_view name) const;

  // The Prometheus text of /metrics: Applications by sync and health status, reconcile and
  // sync durations, syncs by phase, Git requests and their durations by kind, render counts
  // and durations, Kubernetes requests by verb and code, work-queue depth and wait.
  std::string Metrics() const;

  // The Applications in the informers' caches; empty until Ready(). Thread-safe.
  std::vector<kube::ObjectRef> Applications() const;

  // The cache Applications are read from (the one given to the constructor, or the
  // controller's own, filled while Run() runs).
  ApplicationCache& applications() const;

  struct State;

 private:
  void Work(std::stop_token stop);
  void Reconcile(const std::string& key, std::stop_token stop);
  // The plan of a requested or automated sync: the target's objects, or those of the
  // requested revision (then `revision` becomes its commit), narrowed to the requested
  // resources.
  Result<sync::Plan> SyncPlan(const SyncRequest& request, const app::Spec& spec,
                              const std::string& name, const std::string& app_id,
                              const std::string& destination, const Rendered& target,
                              const std::vector<kube::Object>& target_live, std::string& revision);

  kube::Client& client_;
  Options options_;
  std::unique_ptr<sources::git::Mirror> mirror_;
  RenderCache renders_;
  WorkQueue queue_;
  std::unique_ptr<LiveCache> live_;
  std::unique_ptr<State> state_;
  std::atomic<bool> ready_{false};
};

}  // namespace converge::controller
