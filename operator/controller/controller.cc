#include "operator/controller/controller.h"

#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "diff/diff.h"
#include "kube/client/informer.h"
#include "operator/application/application.h"
#include "operator/application/repositories.h"
#include "operator/controller/events.h"
#include "operator/controller/status.h"
#include "operator/metrics/prometheus.h"
#include "sync/health/health.h"
#include "sync/sync.h"

namespace converge::controller {

// A sync to run in this reconcile.
struct SyncRequest {
  sync::Options options;
  std::string initiated_by;  // "automated" or the user's name
  int retry_count = 0;
  bool manual = false;
  std::string revision;                      // "": the target revision
  std::vector<kube::ResourceKey> resources;  // empty: all
};

namespace {

using nlohmann::json;
namespace git = sources::git;

const kube::GroupVersionKind kSecretGvk{"", "v1", "Secret"};
// Argo CD's refresh annotation, in Converge's domain: "normal" or "hard". Either makes the
// controller look at the Application now; it removes the annotation afterwards.
// While an Application is on its way to Healthy it is looked at this often, so Ready follows
// the rollout instead of the poll interval.
constexpr std::chrono::milliseconds kProgressInterval{2000};

std::string KeyOf(const kube::Object& object) {
  return std::string(object.Namespace()) + "/" + std::string(object.Name());
}

// Whether an update needs a reconcile: the controller's own status writes do not.
bool Relevant(const kube::Object& before, const kube::Object& after) {
  const json& a = before.json();
  const json& b = after.json();
  auto meta = [](const json& object, const char* key) {
    return object.value("metadata", json::object()).value(key, json());
  };
  return meta(a, "generation") != meta(b, "generation") ||
         meta(a, "annotations") != meta(b, "annotations") ||
         meta(a, "finalizers") != meta(b, "finalizers") ||
         meta(a, "deletionTimestamp") != meta(b, "deletionTimestamp") ||
         a.value("operation", json()) != b.value("operation", json());
}

// The resources operation.sync.resources names; a selector without a namespace matches any.
std::vector<kube::ResourceKey> SelectedResources(const json& requested) {
  std::vector<kube::ResourceKey> out;
  for (const json& item : requested.value("resources", json::array())) {
    if (!item.is_object()) continue;
    out.push_back({.group = item.value("group", ""),
                   .kind = item.value("kind", ""),
                   .ns = item.value("namespace", ""),
                   .name = item.value("name", "")});
  }
  return out;
}

bool Selected(const std::vector<kube::ResourceKey>& selection, const kube::ResourceKey& key,
              const std::string& destination) {
  if (selection.empty()) return true;
  for (const kube::ResourceKey& wanted : selection) {
    if (wanted.group == key.group && wanted.kind == key.kind && wanted.name == key.name &&
        (wanted.ns.empty() || wanted.ns == key.ns ||
         (key.ns.empty() && wanted.ns == destination))) {
      return true;
    }
  }
  return false;
}

std::vector<kube::Object> OnlySelected(const std::vector<kube::Object>& objects,
                                       const std::vector<kube::ResourceKey>& selection,
                                       const std::string& destination) {
  std::vector<kube::Object> out;
  for (const kube::Object& object : objects) {
    if (Selected(selection, object.Key(), destination)) out.push_back(object);
  }
  return out;
}

// The Running operationState written when a sync starts, so watchers see it under way.
json RunningOperationState(const json& requested, const std::string& initiated_by,
                           const std::string& now) {
  json operation = {{"sync", requested.is_object() ? requested : json::object()}};
  operation["initiatedBy"] =
      initiated_by == "automated" ? json{{"automated", true}} : json{{"username", initiated_by}};
  return {{"operation", std::move(operation)},
          {"phase", "Running"},
          {"message", "one or more tasks are running"},
          {"startedAt", now}};
}

std::chrono::system_clock::time_point ParseTime(const std::string& text) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(ParseRfc3339(text)));
}

// What the resources finalizer deletes of the objects tracked to an Application (Argo CD's
// cascade: Delete=false objects, Helm's "keep" ones and CRDs stay), and which of those wait for
// the deletion to be approved (Delete=confirm).
struct Cascade {
  std::vector<const kube::Object*> deleted;
  std::vector<std::string> unconfirmed;  // kube::Describe of each
};

Cascade CascadeOf(const std::vector<kube::Object>& live, const std::string& app_id,
                  const sync::Options& options) {
  Cascade cascade;
  for (const kube::Object& tracked : live) {
    if (sync::TrackedApp(tracked.Annotation(sync::kTrackingAnnotation)) != app_id) continue;
    sync::Deletion deletion = sync::DeletionOf(tracked, options);
    if (deletion == sync::Deletion::kKeep) continue;
    if (deletion == sync::Deletion::kConfirm)
      cascade.unconfirmed.push_back(kube::Describe(tracked));
    cascade.deleted.push_back(&tracked);
  }
  return cascade;
}

// Whether the Application approves deleting or pruning what asks for a confirmation
// (Delete=confirm, Prune=confirm). Argo CD's rule: an approval older than what it approves,
// the deletion or the sync operation (`since`, Unix seconds), does not count.
bool Approved(const kube::Object& application, int64_t since) {
  for (const char* annotation :
       {app::kDeletionApprovedAnnotation, app::kArgoDeletionApprovedAnnotation}) {
    int64_t approved = ParseRfc3339(std::string(application.Annotation(annotation)));
    if (approved != 0 && approved >= since) return true;
  }
  return false;
}

}  // namespace

struct Controller::State {
  // The cache given to the constructor, or the controller's own (then run by Run()).
  std::unique_ptr<ApplicationCache> own_applications;
  ApplicationCache* applications = nullptr;
  std::unique_ptr<kube::Informer> secrets;
  std::atomic<uint64_t> reconciles{0};
  std::atomic<uint64_t> syncs{0};
  std::atomic<uint64_t> status_writes{0};
  std::mutex random_mu;
  std::mt19937_64 random{std::random_device{}()};
  // The revisions each Application was last rendered at, and when they were resolved.
  struct Resolved {
    std::chrono::steady_clock::time_point at;
    int64_t generation = 0;
    std::vector<git::Commit> commits;
  };
  std::mutex resolved_mu;
  std::map<std::string, Resolved> resolved;
  std::set<std::string> refresh;  // guarded by resolved_mu: keys whose next reconcile asks Git
  metrics::Histogram reconcile_seconds;
  metrics::Histogram sync_seconds;
  metrics::Histogram ls_remote_seconds;
  metrics::Histogram fetch_seconds;
  std::mutex syncs_mu;
  std::map<std::string, uint64_t> syncs_by_phase;  // "Succeeded" -> count
  // Self-heals in a row per Application since its last sync of a new revision.
  std::mutex heals_mu;
  std::map<std::string, int> heals;
  std::mutex comparisons_mu;
  std::map<std::string, std::shared_ptr<const Comparison>> comparisons;
  // The syncs under way, by Application key; a Terminating operationState cancels one.
  std::mutex running_mu;
  std::map<std::string, std::stop_source> running;

  void TerminateIfAsked(const kube::Object& application) {
    const json& status = application.json().value("status", json::object());
    if (status.value("operationState", json::object()).value("phase", "") != "Terminating") {
      return;
    }
    std::lock_guard lock(running_mu);
    auto it = running.find(KeyOf(application));
    if (it != running.end()) it->second.request_stop();
  }

  kube::ObjectRef Find(std::string_view ns, std::string_view name) const {
    return applications->Get(ns, name);
  }
};

Controller::Controller(kube::Client& client, Options options, ApplicationCache* applications)
    : client_(client),
      options_(std::move(options)),
      mirror_(std::make_unique<git::Mirror>(
          git::Options{.cache_dir = options_.cache_dir / "git",
                       .timeout = options_.git_timeout,
                       .on_request =
                           [this](std::string_view kind, std::chrono::nanoseconds took) {
                             double seconds = std::chrono::duration<double>(took).count();
                             (kind == "fetch" ? state_->fetch_seconds : state_->ls_remote_seconds)
                                 .Observe(seconds);
                           }})),
      state_(std::make_unique<State>()) {
  if (applications == nullptr) {
    state_->own_applications = std::make_unique<ApplicationCache>(client_, options_.namespaces);
    applications = state_->own_applications.get();
  }
  state_->applications = applications;
}

ApplicationCache& Controller::applications() const { return *state_->applications; }

Controller::~Controller() = default;

Controller::Stats Controller::stats() const {
  return Stats{.reconciles = state_->reconciles.load(),
               .syncs = state_->syncs.load(),
               .status_writes = state_->status_writes.load(),
               .renders = renders_.stats(),
               .git = mirror_->stats()};
}

namespace {

std::vector<kube::Object> Parsed(const std::vector<std::string>& texts) {
  std::vector<kube::Object> objects;
  objects.reserve(texts.size());
  for (const std::string& text : texts) objects.emplace_back(json::parse(text));
  return objects;
}

}  // namespace

std::vector<kube::Object> Comparison::Desired() const { return Parsed(desired_json); }

std::vector<kube::Object> Comparison::Live() const { return Parsed(live_json); }

std::shared_ptr<const Comparison> Controller::LastComparison(std::string_view ns,
                                                             std::string_view name) const {
  std::lock_guard lock(state_->comparisons_mu);
  auto it = state_->comparisons.find(std::string(ns) + "/" + std::string(name));
  return it == state_->comparisons.end() ? nullptr : it->second;
}

std::string Controller::Metrics() const {
  using metrics::Describe;
  using metrics::Sample;
  std::string out;
  Describe(out, "converge_app_info", "gauge",
           "One per Application, with its sync and health status as labels.");
  for (const kube::ObjectRef& app : Applications()) {
    const json& status = app->json().value("status", json::object());
    const json& spec = app->json().value("spec", json::object());
    Sample(out, "converge_app_info",
           {{"namespace", std::string(app->Namespace())},
            {"name", std::string(app->Name())},
            {"repo", spec.value("source", json::object()).value("repoURL", "")},
            {"sync_status", status.value("sync", json::object()).value("status", "Unknown")},
            {"health_status", status.value("health", json::object()).value("status", "Unknown")}},
           1);
  }
  Describe(out, "converge_app_reconcile_seconds", "histogram", "Duration of one reconcile.");
  state_->reconcile_seconds.Write(out, "converge_app_reconcile_seconds", {});
  Describe(out, "converge_app_sync_seconds", "histogram", "Duration of one sync operation.");
  state_->sync_seconds.Write(out, "converge_app_sync_seconds", {});
  Describe(out, "converge_app_sync_total", "counter", "Sync operations by final phase.");
  {
    std::lock_guard lock(state_->syncs_mu);
    for (const auto& [phase, count] : state_->syncs_by_phase) {
      Sample(out, "converge_app_sync_total", {{"phase", phase}}, static_cast<double>(count));
    }
  }
  Stats now = stats();
  Describe(out, "converge_app_reconcile_total", "counter", "Reconciles run.");
  Sample(out, "converge_app_reconcile_total", {}, static_cast<double>(now.reconciles));
  Describe(out, "converge_git_request_total", "counter", "Requests to Git remotes by kind.");
  Sample(out, "converge_git_request_total", {{"kind", "ls-remote"}},
         static_cast<double>(now.git.ls_remotes));
  Sample(out, "converge_git_request_total", {{"kind", "fetch"}},
         static_cast<double>(now.git.fetches));
  Describe(out, "converge_git_request_duration_seconds", "histogram",
           "Duration of requests to Git remotes by kind.");
  state_->ls_remote_seconds.Write(out, "converge_git_request_duration_seconds",
                                  {{"kind", "ls-remote"}});
  state_->fetch_seconds.Write(out, "converge_git_request_duration_seconds", {{"kind", "fetch"}});
  Describe(out, "converge_render_total", "counter", "Renders run (cache misses).");
  Sample(out, "converge_render_total", {}, static_cast<double>(now.renders.renders));
  Describe(out, "converge_render_cache_hits_total", "counter",
           "Renders answered by the render cache.");
  Sample(out, "converge_render_cache_hits_total", {}, static_cast<double>(now.renders.hits));
  Describe(out, "converge_render_duration_seconds", "histogram",
           "Duration of renders that ran (cache misses).");
  renders_.durations().Write(out, "converge_render_duration_seconds", {});
  Describe(out, "converge_kube_request_total", "counter",
           "Requests to the Kubernetes API server by verb and HTTP status code.");
  for (const kube::RequestCount& count : client_.RequestCounts()) {
    Sample(out, "converge_kube_request_total", {{"verb", count.verb}, {"code", count.code}},
           static_cast<double>(count.count));
  }
  WorkQueue::Stats queue = queue_.stats();
  Describe(out, "converge_workqueue_depth", "gauge", "Applications waiting for a worker.");
  Sample(out, "converge_workqueue_depth", {}, static_cast<double>(queue.depth));
  Describe(out, "converge_workqueue_adds_total", "counter", "Additions to the work queue.");
  Sample(out, "converge_workqueue_adds_total", {}, static_cast<double>(queue.adds));
  Describe(out, "converge_workqueue_wait_seconds", "histogram",
           "How long Applications waited in the work queue for a worker.");
  queue_.waits().Write(out, "converge_workqueue_wait_seconds", {});
  return out;
}

std::vector<kube::ObjectRef> Controller::Applications() const {
  if (!ready_.load()) return {};
  return state_->applications->List();
}

void Controller::Refresh(const std::string& ns, const std::string& name) {
  if (!ready_.load()) {
    // This replica does not reconcile (a standby, or not started yet): the one that does
    // takes the refresh from the annotation, as from a user's.
    json patch = {{"metadata", {{"annotations", {{app::kRefreshAnnotation, "normal"}}}}}};
    kube::ApiResult<kube::Object> patched =
        client_.Patch(app::kApplicationGvk, ns, name, kube::PatchType::kMerge, patch.dump());
    if (!patched.ok()) {
      log::Warn("refreshing",
                {{"application", ns + "/" + name}, {"error", patched.error().message}});
    }
    return;
  }
  std::string key = ns + "/" + name;
  {
    std::lock_guard lock(state_->resolved_mu);
    state_->resolved.erase(key);
    state_->refresh.insert(key);
  }
  queue_.Add(key);
}

void Controller::Run(std::stop_token stop) {
  uint64_t subscription = state_->applications->Subscribe({
      .on_add = [this](const kube::ObjectRef& added) { queue_.Add(KeyOf(*added)); },
      .on_update =
          [this](const kube::Object& before, const kube::ObjectRef& after) {
            state_->TerminateIfAsked(*after);
            if (Relevant(before, *after)) queue_.Add(KeyOf(*after));
          },
      .on_delete = [this](const kube::Object& deleted) { queue_.Add(KeyOf(deleted)); },
  });
  auto credentials_changed = [this] {
    std::vector<kube::Object> secrets;
    for (const kube::ObjectRef& secret : state_->secrets->List()) secrets.push_back(*secret);
    app::RepositoryCredentials read = app::ReadRepositoryCredentials(
        secrets, options_.cache_dir / "credentials", options_.known_hosts);
    for (const std::string& error : read.errors) log::Warn("repository credentials: " + error);
    mirror_->SetCredentials(std::move(read.rules));
  };
  state_->secrets = std::make_unique<kube::Informer>(
      client_,
      kube::InformerOptions{.gvk = kSecretGvk,
                            .ns = options_.credentials_namespace,
                            .label_selector = app::kSecretTypeLabel},
      kube::InformerHandlers{
          .on_add = [&](const kube::Object&) { credentials_changed(); },
          .on_update = [&](const kube::Object&, const kube::Object&) { credentials_changed(); },
          .on_delete = [&](const kube::Object&) { credentials_changed(); }});

  // A change to a tracked object brings its Application back at once (drift, rollout progress).
  live_ = std::make_unique<LiveCache>(
      client_,
      [this](const std::string& app_id) {
        size_t underscore = app_id.find('_');
        if (underscore != std::string::npos) {
          queue_.Add(app_id.substr(0, underscore) + "/" + app_id.substr(underscore + 1));
        }
      },
      options_.namespaces);
  if (Status started = live_->Start(stop); !started.ok()) {
    log::Error("live object cache: " + started.message());
  }
  std::vector<std::jthread> threads;
  if (state_->own_applications != nullptr) {
    threads.emplace_back([this, stop] { state_->own_applications->Run(stop); });
  }
  threads.emplace_back([this, stop] { state_->secrets->Run(stop); });
  std::stop_callback shut_down(stop, [this] { queue_.ShutDown(); });
  // Credentials first, so the first reconciles already have them.
  while (!stop.stop_requested() && !state_->secrets->WaitForSync(std::chrono::milliseconds(200))) {
  }
  // A shared cache may have been filled before this subscription: every Application it holds
  // is looked at once.
  if (state_->applications->WaitForSync(stop)) {
    for (const kube::ObjectRef& application : state_->applications->List()) {
      queue_.Add(KeyOf(*application));
    }
  }
  ready_ = !stop.stop_requested();
  log::Info("controller started", {{"workers", std::to_string(options_.workers)}});
  std::vector<std::jthread> workers;
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers.emplace_back([this, stop] { Work(stop); });
  }
  workers.clear();  // joins: the workers end when the queue shuts down
  state_->applications->Unsubscribe(subscription);
  threads.clear();
  log::Info("controller stopped");
}

void Controller::Work(std::stop_token stop) {
  while (std::optional<std::string> key = queue_.Get()) {
    auto started = std::chrono::steady_clock::now();
    Reconcile(*key, stop);
    state_->reconcile_seconds.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    queue_.Done(*key);
  }
}

Result<sync::Plan> Controller::SyncPlan(const SyncRequest& request, const app::Spec& spec,
                                        const std::string& name, const std::string& app_id,
                                        const std::string& destination, const Rendered& target,
                                        const std::vector<kube::Object>& target_live,
                                        std::string& revision) {
  const std::vector<kube::Object>* desired = &target.objects;
  const std::vector<kube::Object>* live = &target_live;
  std::optional<Rendered> requested;
  std::optional<std::vector<kube::Object>> requested_live;
  if (!request.revision.empty()) {
    if (spec.sources.size() != 1) {
      return Status::Invalid("operation.sync.revision needs a single-source Application");
    }
    app::Spec at = spec;
    at.sources[0].target_revision = request.revision;
    Result<Rendered> rendered = renders_.Render(*mirror_, at, name);
    if (!rendered.ok()) return rendered.status().Wrap("revision " + request.revision);
    requested = std::move(*rendered);
    Result<std::vector<kube::Object>> read = live_->Read(app_id, requested->objects, destination);
    if (!read.ok()) return read.status();
    requested_live = std::move(*read);
    desired = &requested->objects;
    live = &*requested_live;
    if (!requested->revisions.empty()) revision = requested->revisions.front().sha;
  }
  return sync::MakePlan({.app_id = app_id,
                         .destination_namespace = destination,
                         .desired = OnlySelected(*desired, request.resources, destination),
                         .live = OnlySelected(*live, request.resources, destination)},
                        request.options);
}

void Controller::Reconcile(const std::string& key, std::stop_token stop) {
  ++state_->reconciles;
  size_t slash = key.find('/');
  std::string ns = key.substr(0, slash);
  std::string name = key.substr(slash + 1);
  kube::ObjectRef found = state_->Find(ns, name);
  if (found == nullptr) {
    queue_.Forget(key);
    {
      std::lock_guard lock(state_->comparisons_mu);
      state_->comparisons.erase(key);
    }
    std::lock_guard lock(state_->resolved_mu);
    state_->resolved.erase(key);
    state_->refresh.erase(key);
    return;
  }
  // A requested operation in the cache may be one this controller has just run and cleared,
  // the clearing not yet seen: the server's copy decides, or the operation would run twice.
  if (const json& operation = found->json().value("operation", json()); !operation.is_null()) {
    kube::ApiResult<kube::Object> fresh = client_.Get(app::kApplicationGvk, ns, name);
    if (fresh.ok()) found = std::make_shared<const kube::Object>(std::move(*fresh));
  }
  const kube::Object& application = *found;
  const json& object = application.json();
  std::string app_id = ns + "_" + name;
  json previous = object.value("status", json::object());
  Observation observed{
      .generation = object["metadata"].value("generation", int64_t{0}),
      .spec = object.value("spec", json::object()),
  };
  std::string now = FormatRfc3339(UnixSeconds());
  std::chrono::milliseconds next = options_.poll_interval;
  {
    std::lock_guard lock(state_->random_mu);
    if (options_.poll_jitter.count() > 0) {
      next += std::chrono::milliseconds(state_->random() %
                                        static_cast<uint64_t>(options_.poll_jitter.count()));
    }
  }

  bool status_failed = false;
  // Set once a sync wrote its Running state: the final status goes on top of it.
  std::optional<kube::Object> running_written;
  auto write_status = [&] {
    json status = BuildStatus(previous, observed, now);
    if (!StatusChanged(previous, status)) return;
    status["reconciledAt"] = now;
    kube::Object updated = running_written ? *running_written : application;
    updated.mutable_json()["status"] = std::move(status);
    kube::ApiResult<kube::Object> written = client_.UpdateStatus(updated);
    if (!written.ok() && running_written && written.reason() == kube::Reason::kConflict) {
      // A Terminating request wrote the status while the sync ran; the outcome replaces it.
      kube::ApiResult<kube::Object> fresh = client_.Get(app::kApplicationGvk, ns, name);
      if (fresh.ok()) {
        fresh->mutable_json()["status"] = updated.json()["status"];
        written = client_.UpdateStatus(*fresh);
      }
    }
    if (!written.ok()) {
      // A conflict only means the cache had not yet seen the Application's latest version
      // (often this controller's own last write): the retry reads the newer one.
      bool conflict = written.reason() == kube::Reason::kConflict;
      (conflict ? log::Debug : log::Warn)(
          "writing status", {{"application", key}, {"error", written.error().message}});
      status_failed = true;
      queue_.AddRateLimited(key);
      return;
    }
    ++state_->status_writes;
  };

  Result<app::Spec> spec = app::ParseSpec(observed.spec);
  std::string destination = spec.ok() ? spec->destination.ns : "";

  if (object["metadata"].contains("deletionTimestamp")) {
    const json& finalizers = object["metadata"].value("finalizers", json::array());
    if (std::find(finalizers.begin(), finalizers.end(), app::kResourcesFinalizer) ==
        finalizers.end()) {
      return;
    }
    // Deletes what the Application deployed (objects tracked to it, nothing else, none that
    // says Delete=false), then lets the Application go. With a Delete=confirm object among
    // them nothing is deleted until the deletion is approved.
    Result<std::vector<kube::Object>> live = live_->Read(app_id, {}, destination);
    if (!live.ok()) {
      queue_.AddRateLimited(key);
      return;
    }
    Cascade cascade =
        CascadeOf(*live, app_id, spec.ok() ? spec->sync_policy.options : sync::Options{});
    int64_t asked = ParseRfc3339(std::string(object["metadata"].value("deletionTimestamp", "")));
    if (!cascade.unconfirmed.empty() && !Approved(application, asked)) {
      size_t more = cascade.unconfirmed.size() - 1;
      observed.conditions.push_back(
          {kDeletionError, "waiting for deletion confirmation of " + cascade.unconfirmed.front() +
                               (more > 0 ? " and " + std::to_string(more) + " more" : "") +
                               ": annotate the " + "Application with " +
                               app::kDeletionApprovedAnnotation + "=<RFC 3339 time>"});
      write_status();
      queue_.AddAfter(key, next);
      return;
    }
    for (const kube::Object* tracked : cascade.deleted) {
      if (!tracked->json()["metadata"].contains("deletionTimestamp")) {
        client_.Delete(kube::GroupVersionKind::Of(*tracked), tracked->Namespace(), tracked->Name(),
                       {.propagation = kube::Propagation::kForeground});
      }
    }
    if (!cascade.deleted.empty()) {
      queue_.AddAfter(key, std::chrono::milliseconds(500));
      return;
    }
    json kept = json::array();
    for (const json& finalizer : finalizers) {
      if (finalizer != app::kResourcesFinalizer) kept.push_back(finalizer);
    }
    json patch = {{"metadata", {{"finalizers", kept}}}};
    kube::ApiResult<kube::Object> patched =
        client_.Patch(app::kApplicationGvk, ns, name, kube::PatchType::kMerge, patch.dump());
    if (!patched.ok() && patched.reason() != kube::Reason::kNotFound) queue_.AddRateLimited(key);
    return;
  }

  if (!spec.ok()) {
    observed.conditions.push_back({kInvalidSpecError, spec.status().message()});
    write_status();
    return;
  }
  observed.history_limit = spec->revision_history_limit;
  if (!application.Annotation(app::kRefreshAnnotation).empty()) {
    json patch = {{"metadata", {{"annotations", {{app::kRefreshAnnotation, nullptr}}}}}};
    client_.Patch(app::kApplicationGvk, ns, name, kube::PatchType::kMerge, patch.dump());
  }

  auto comparison_error = [&](const Status& status) {
    observed.conditions.push_back({kComparisonError, status.message()});
    write_status();
    queue_.AddAfter(key, next);
  };
  // Git is asked again once per poll interval, on a spec change or a refresh; a reconcile that
  // a live object's change caused in between reuses the revisions.
  std::optional<std::vector<git::Commit>> pinned;
  // A requested sync also asks Git, as Argo CD's sync bypasses its revision cache: "sync" means
  // the branch as it is now.
  const json& requested_operation = object.value("operation", json());
  bool refresh = !application.Annotation(app::kRefreshAnnotation).empty() ||
                 (requested_operation.is_object() && requested_operation.contains("sync"));
  {
    std::lock_guard lock(state_->resolved_mu);
    refresh = state_->refresh.erase(key) > 0 || refresh;
    auto it = state_->resolved.find(key);
    if (it != state_->resolved.end() && it->second.generation == observed.generation && !refresh &&
        std::chrono::steady_clock::now() - it->second.at < options_.poll_interval) {
      pinned = it->second.commits;
    }
  }
  std::chrono::milliseconds revision_max_age =
      refresh ? std::chrono::milliseconds(0)
              : std::min(options_.revision_cache, options_.poll_interval / 2);
  Result<Rendered> rendered =
      renders_.Render(*mirror_, *spec, name, pinned ? &*pinned : nullptr, revision_max_age);
  if (!rendered.ok()) return comparison_error(rendered.status());
  if (rendered->fresh) {
    log::Info("rendered",
              {{"application", key}, {"objects", std::to_string(rendered->objects.size())}});
  }
  if (!pinned) {
    std::lock_guard lock(state_->resolved_mu);
    state_->resolved[key] = {std::chrono::steady_clock::now(), observed.generation,
                             rendered->revisions};
  }
  for (const git::Commit& commit : rendered->revisions) observed.revisions.push_back(commit.sha);
  std::string revision = observed.revisions.empty() ? "" : observed.revisions.front();
  Result<std::vector<kube::Object>> live = live_->Read(app_id, rendered->objects, destination);
  if (!live.ok()) return comparison_error(live.status());
  Result<sync::Plan> compare_plan = sync::MakePlan({.app_id = app_id,
                                                    .destination_namespace = destination,
                                                    .desired = rendered->objects,
                                                    .live = *live},
                                                   {});
  if (!compare_plan.ok()) return comparison_error(compare_plan.status());
  sync::ComparisonSides sides = sync::SidesOf(*compare_plan, app_id, *live);
  Result<diff::Differ> differ =
      diff::Differ::Create({.ignore_differences = spec->ignore_differences});
  if (!differ.ok()) return comparison_error(differ.status());
  Result<diff::Report> report = differ->CompareAll(sides.desired, sides.live);
  if (!report.ok()) return comparison_error(report.status());
  auto comparison = std::make_shared<Comparison>();

  std::map<kube::ResourceKey, const kube::Object*> live_by_key;
  for (const kube::Object& o : sides.live) live_by_key.emplace(o.Key(), &o);
  std::map<kube::ResourceKey, std::string> versions;
  for (const kube::Object& o : sides.desired) versions.emplace(o.Key(), std::string(o.Version()));
  for (const kube::Object& o : sides.live) versions.emplace(o.Key(), std::string(o.Version()));
  std::vector<std::optional<sync::health::HealthStatus>> healths;
  bool needs_apply = false;
  bool needs_prune = false;
  for (const diff::ResourceDiff& resource : report->resources) {
    ResourceState state{
        .key = resource.key, .version = versions[resource.key], .sync = resource.status};
    if (resource.status != diff::SyncStatus::kExtraneous) {
      auto it = live_by_key.find(resource.key);
      state.health = sync::health::Assess(it == live_by_key.end() ? nullptr : it->second, {});
      healths.push_back(state.health);
    }
    needs_apply |= resource.status == diff::SyncStatus::kOutOfSync ||
                   resource.status == diff::SyncStatus::kMissing;
    needs_prune |= resource.status == diff::SyncStatus::kExtraneous;
    observed.resources.push_back(std::move(state));
  }
  observed.health = sync::health::Aggregate(healths);
  observed.compared = true;
  // The same revisions, spec and live objects compare the same: an idle poll keeps the
  // snapshot it has instead of writing every object out again.
  comparison->inputs = std::to_string(observed.generation);
  for (const std::string& sha : observed.revisions) comparison->inputs += " " + sha;
  for (const kube::Object& o : sides.live) {
    comparison->inputs += " " + o.Key().ToString() + "@" +
                          o.json()["metadata"].value("resourceVersion", std::string());
  }
  std::shared_ptr<const Comparison> before = LastComparison(ns, name);
  if (before == nullptr || before->inputs != comparison->inputs) {
    for (const kube::Object& o : sides.desired) {
      comparison->desired_json.push_back(kube::EncodeJson(o.json()));
    }
    for (const kube::Object& o : sides.live) {
      comparison->live_json.push_back(kube::EncodeJson(o.json()));
    }
    comparison->report = *report;
    comparison->resources = observed.resources;
    std::lock_guard lock(state_->comparisons_mu);
    state_->comparisons[key] = std::move(comparison);
  }
  for (const kube::ResourceKey& shared : sides.shared) {
    observed.conditions.push_back(
        {kSharedResourceWarning, shared.ToString() + " is part of another Application"});
  }

  // Whether to sync now: a user's request, or the automated policy (Argo CD's rules: never the
  // same revision again after a failure except through retries, drift healed only with
  // selfHeal, prune-only changes only with prune).
  std::optional<SyncRequest> request;
  const json& operation = object.value("operation", json());
  const sync::RetryPolicy retry = spec->sync_policy.retry.value_or(app::DefaultAutomatedRetry());
  const json& last = previous.value("operationState", json::object());
  if (operation.is_object() && operation.contains("sync")) {
    const json& requested = operation["sync"];
    SyncRequest manual{.options = spec->sync_policy.options, .manual = true};
    manual.options.prune = requested.value("prune", false);
    manual.options.dry_run = requested.value("dryRun", false);
    std::vector<std::string> extra;
    for (const json& option : requested.value("syncOptions", json::array())) {
      if (option.is_string()) extra.push_back(option.get<std::string>());
    }
    if (Status s = sync::ApplySyncOptions(extra, manual.options); !s.ok()) {
      observed.conditions.push_back({kSyncError, "operation.sync.syncOptions: " + s.message()});
    } else {
      manual.initiated_by =
          operation.value("initiatedBy", json::object()).value("username", std::string("user"));
      manual.revision = requested.value("revision", "");
      manual.resources = SelectedResources(requested);
      request = manual;
    }
  } else if (spec->sync_policy.automated && spec->sync_policy.automated->enabled &&
             (needs_apply || (needs_prune && spec->sync_policy.options.prune))) {
    std::string last_revision =
        last.value("syncResult", json::object()).value("revision", std::string());
    std::string last_phase = last.value("phase", std::string());
    int last_retries = last.value("retryCount", 0);
    SyncRequest automated{.options = spec->sync_policy.options, .initiated_by = "automated"};
    if (last_revision != revision) {
      request = automated;
      std::lock_guard lock(state_->heals_mu);
      state_->heals.erase(key);
    } else if (last_phase == "Failed" || last_phase == "Error") {
      if (sync::MayRetry(retry, last_retries + 1)) {
        auto due = ParseTime(last.value("finishedAt", now)) + sync::RetryDelay(retry, last_retries);
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
            due - std::chrono::system_clock::now());
        if (wait.count() <= 0) {
          automated.retry_count = last_retries + 1;
          request = automated;
        } else {
          observed.retrying = true;
          next = std::min(next, wait);
        }
      }
      if (!request) observed.conditions.push_back({kSyncError, last.value("message", "")});
    } else if (spec->sync_policy.automated->self_heal) {
      // Argo CD's self-heal backoff: the first heal at once, then 2 s, 6 s, 18 s... up to
      // 5 min after the previous one, so a controller fighting Converge over a field does not
      // make it apply in a loop.
      std::lock_guard lock(state_->heals_mu);
      int& heals = state_->heals[key];
      std::chrono::seconds delay = SelfHealDelay(heals);
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          ParseTime(last.value("finishedAt", now)) + delay - std::chrono::system_clock::now());
      if (wait.count() <= 0) {
        ++heals;
        request = automated;
      } else {
        next = std::min(next, wait);
      }
    }
  }

  bool clear_operation = operation.is_object() && operation.contains("sync");
  if (request) {
    ++state_->syncs;
    sync::Outcome outcome;
    std::stop_source cancel;
    std::stop_callback forward(stop, [&cancel] { cancel.request_stop(); });
    {
      std::lock_guard lock(state_->running_mu);
      state_->running[key] = cancel;
    }
    json running = previous;
    running["operationState"] = RunningOperationState(
        operation.is_object() ? operation.value("sync", json::object()) : json::object(),
        request->initiated_by, now);
    kube::Object marked = application;
    marked.mutable_json()["status"] = running;
    if (kube::ApiResult<kube::Object> written = client_.UpdateStatus(marked); written.ok()) {
      running_written = std::move(*written);
      previous = std::move(running);
    }
    std::string synced_revision = revision;
    Result<sync::Plan> plan =
        SyncPlan(*request, *spec, name, app_id, destination, *rendered, *live, synced_revision);
    if (!plan.ok()) {
      outcome.phase = sync::OperationPhase::kFailed;
      outcome.message = plan.status().message();
      outcome.started_at = outcome.finished_at = std::chrono::system_clock::now();
    } else {
      log::Info("syncing", {{"application", key},
                            {"revision", synced_revision},
                            {"initiatedBy", request->initiated_by}});
      RecordEvent(client_, application, EventType::kNormal, "OperationStarted",
                  (request->initiated_by == "automated" ? "Initiated automated sync to "
                                                        : "Initiated sync to ") +
                      synced_revision);
      outcome = sync::Execute(
          *plan, client_,
          {.app_id = app_id,
           .sync = request->options,
           .revision = synced_revision,
           .timeout = options_.sync_timeout,
           .wave_delay = options_.sync_wave_delay,
           .ignore = &*differ,
           .prune_approved =
               [&](std::chrono::system_clock::time_point started) {
                 kube::ApiResult<kube::Object> fresh = client_.Get(app::kApplicationGvk, ns, name);
                 return fresh.ok() &&
                        Approved(*fresh, std::chrono::duration_cast<std::chrono::seconds>(
                                             started.time_since_epoch())
                                             .count());
               }},
          cancel.get_token());
    }
    {
      std::lock_guard lock(state_->running_mu);
      state_->running.erase(key);
    }
    bool succeeded = outcome.phase == sync::OperationPhase::kSucceeded;
    state_->sync_seconds.Observe(
        std::chrono::duration<double>(outcome.finished_at - outcome.started_at).count());
    {
      std::lock_guard lock(state_->syncs_mu);
      ++state_->syncs_by_phase[std::string(sync::OperationPhaseName(outcome.phase))];
    }
    log::Info(succeeded ? "sync succeeded" : "sync failed",
              {{"application", key}, {"message", outcome.message}});
    for (const sync::ResourceResult& result : outcome.resources) {
      if (result.status == sync::ResultStatus::kPruned) {
        RecordEvent(client_, application, EventType::kNormal, "ResourcePruned", result.message);
      }
    }
    RecordEvent(client_, application, succeeded ? EventType::kNormal : EventType::kWarning,
                "OperationCompleted",
                "Sync operation to " + synced_revision + (succeeded ? " succeeded" : " failed: ") +
                    (succeeded ? "" : outcome.message));
    observed.operation =
        sync::OperationState{.outcome = std::move(outcome), .retry_count = request->retry_count};
    observed.operation_revision = synced_revision;
    observed.initiated_by = request->initiated_by;
    observed.prune = request->options.prune;
    if (succeeded) {
      queue_.Add(key);  // compare again now that the cluster changed
    } else {
      observed.conditions.push_back({kSyncError, observed.operation->outcome.message});
      if (!request->manual && sync::MayRetry(retry, request->retry_count + 1)) {
        observed.retrying = true;
        next = std::min<std::chrono::milliseconds>(next,
                                                   sync::RetryDelay(retry, request->retry_count));
      }
    }
  }
  write_status();
  if (clear_operation) {
    client_.Patch(app::kApplicationGvk, ns, name, kube::PatchType::kMerge, R"({"operation":null})");
  }
  if (observed.health.code == sync::health::HealthCode::kProgressing ||
      observed.health.code == sync::health::HealthCode::kMissing) {
    next = std::min(next, kProgressInterval);
  }
  // A failing status write keeps its backoff growing; anything else starts it afresh.
  if (!status_failed) queue_.Forget(key);
  queue_.AddAfter(key, next);
}

}  // namespace converge::controller
