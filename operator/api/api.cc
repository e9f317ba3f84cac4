#include "operator/api/api.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "base/log.h"
#include "base/strings.h"
#include "operator/api/events.h"
#include "operator/api/resources.h"
#include "operator/application/application.h"

namespace converge::api {
namespace {

using nlohmann::json;
using server::ErrorResponse;
using server::JsonResponse;
using server::Request;
using server::Response;

std::string KeyOf(std::string_view ns, std::string_view name) {
  return std::string(ns) + "/" + std::string(name);
}

// Repository URLs compare without case, a trailing slash or ".git", as Argo CD's do.
std::string NormalizeRepo(std::string_view url) {
  std::string out = AsciiLower(url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (out.ends_with(".git")) out.resize(out.size() - 4);
  return out;
}

// The list and stream filters: ?selector= &repo= &sync= &health= (and for streams &name=
// &namespace=).
struct Filter {
  kube::LabelSelector selector;
  std::string repo;
  std::string sync;
  std::string health;
  std::string name;
  std::string ns;

  bool Empty() const {
    return selector.Empty() && repo.empty() && sync.empty() && health.empty() && name.empty() &&
           ns.empty();
  }

  // An event's object is parsed only when there is something to match.
  bool Matches(const Event& event) const {
    return Empty() || Matches(json::parse(*event.data, nullptr, false));
  }

  bool Matches(const json& application) const {
    const json& metadata = application.value("metadata", json::object());
    if (!name.empty() && metadata.value("name", "") != name) return false;
    if (!ns.empty() && metadata.value("namespace", "") != ns) return false;
    if (!selector.Matches(metadata.value("labels", json()))) return false;
    const json& status = application.value("status", json::object());
    if (!sync.empty() && status.value("sync", json::object()).value("status", "Unknown") != sync) {
      return false;
    }
    if (!health.empty() &&
        status.value("health", json::object()).value("status", "Unknown") != health) {
      return false;
    }
    if (!repo.empty()) {
      const json& spec = application.value("spec", json::object());
      json sources = spec.value("sources", json::array());
      if (spec.contains("source")) sources.push_back(spec["source"]);
      bool found = false;
      for (const json& source : sources) {
        if (source.is_object() && NormalizeRepo(source.value("repoURL", "")) == repo) found = true;
      }
      if (!found) return false;
    }
    return true;
  }
};

Result<Filter> ParseFilter(const Request& request) {
  Result<kube::LabelSelector> selector = kube::LabelSelector::Parse(request.Query("selector"));
  if (!selector.ok()) return selector.status().Wrap("selector");
  Filter filter{.selector = std::move(*selector),
                .sync = request.Query("sync"),
                .health = request.Query("health"),
                .name = request.Query("name"),
                .ns = request.Query("namespace")};
  if (std::string repo = request.Query("repo"); !repo.empty()) filter.repo = NormalizeRepo(repo);
  return filter;
}

// The request body as a JSON object ({} when empty), or the 400 to answer.
Result<json> BodyObject(const Request& request) {
  if (TrimRight(request.body).empty()) return json::object();
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Status::Invalid("the request body is not a JSON object");
  }
  return body;
}

// Checks that body[field], when present, has the JSON type `check` accepts.
Status CheckField(const json& body, const char* field, bool (json::*check)() const noexcept,
                  const char* expected) {
  if (body.contains(field) && !(body[field].*check)()) {
    return Status::Invalid(std::string(field) + ": expected " + expected);
  }
  return Status();
}

Response FromStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalid:
      return ErrorResponse(400, status.message());
    case StatusCode::kNotFound:
      return ErrorResponse(404, status.message());
    case StatusCode::kConflict:
      return ErrorResponse(409, status.message());
    case StatusCode::kUnavailable:
      return ErrorResponse(503, status.message());
    default:
      return ErrorResponse(500, status.message());
  }
}

std::string OperationPhase(const json& application) {
  return application.value("status", json::object())
      .value("operationState", json::object())
      .value("phase", "");
}

// One Server-Sent Event: "id", "event", "data" on one line.
std::string FormatEvent(const Event& event) {
  return "id: " + std::to_string(event.id) + "\nevent: " + std::string(EventTypeName(event.type)) +
         "\ndata: " + *event.data + "\n\n";
}

}  // namespace

struct Api::State {
  kube::Client& client;
  const controller::Controller& controller;
  controller::ApplicationCache& applications;
  Options options;
  EventLog events;
  std::atomic<bool> ready{false};

  State(kube::Client& c, const controller::Controller& ctl, Options o)
      : client(c),
        controller(ctl),
        applications(ctl.applications()),
        options(std::move(o)),
        events(options.replay_events,
               static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count())) {}

  bool Served(std::string_view ns) const {
    if (options.namespaces.empty()) return true;
    return std::find(options.namespaces.begin(), options.namespaces.end(), ns) !=
           options.namespaces.end();
  }

  kube::ObjectRef Find(std::string_view ns, std::string_view name) const {
    if (!Served(ns)) return nullptr;
    return applications.Get(ns, name);
  }

  // Runs `handler` with the addressed Application, or answers 503/404.
  Response WithApplication(const Request& request,
                           const std::function<Response(const kube::Object&)>& handler) const {
    if (!ready) return ErrorResponse(503, "the API is starting");
    kube::ObjectRef found = Find(request.Param("namespace"), request.Param("name"));
    if (found == nullptr) {
      return ErrorResponse(
          404,
          "application " + KeyOf(request.Param("namespace"), request.Param("name")) + " not found");
    }
    return handler(*found);
  }

  Response Patched(const kube::Object& application, const json& patch) {
    kube::ApiResult<kube::Object> patched =
        client.Patch(app::kApplicationGvk, application.Namespace(), application.Name(),
                     kube::PatchType::kMerge, patch.dump());
    if (!patched.ok()) return FromStatus(patched.status());
    return JsonResponse(200, patched->json());
  }

  // Starts a sync as Argo CD's API does: refused while another operation is pending or runs.
  Response StartSync(const kube::Object& application, json sync) {
    const json& object = application.json();
    if (object.contains("operation") && !object["operation"].is_null()) {
      return ErrorResponse(409, "another operation is already in progress");
    }
    std::string phase = OperationPhase(object);
    if (phase == "Running" || phase == "Terminating") {
      return ErrorResponse(409, "another operation is already in progress");
    }
    json operation = {{"sync", std::move(sync)}, {"initiatedBy", {{"username", options.username}}}};
    return Patched(application, {{"operation", std::move(operation)}});
  }

  // Sets the refresh annotation and waits (briefly) until the controller has taken it.
  Response Refresh(const kube::Object& application, const std::string& type) {
    if (type != "normal" && type != "hard") {
      return ErrorResponse(400, "refresh type \"" + type + "\" is not normal or hard");
    }
    json patch = {{"metadata", {{"annotations", {{app::kRefreshAnnotation, type}}}}}};
    kube::ApiResult<kube::Object> patched =
        client.Patch(app::kApplicationGvk, application.Namespace(), application.Name(),
                     kube::PatchType::kMerge, patch.dump());
    if (!patched.ok()) return FromStatus(patched.status());
    kube::ObjectRef after = events.WaitFor(
        KeyOf(application.Namespace(), application.Name()),
        [](const kube::Object* current) {
          return current == nullptr || !current->Annotations().contains(app::kRefreshAnnotation);
        },
        options.refresh_wait);
    return JsonResponse(200, after == nullptr ? patched->json() : after->json());
  }

  Response List(const Request& request) const {
    if (!ready) return ErrorResponse(503, "the API is starting");
    Result<Filter> filter = ParseFilter(request);
    if (!filter.ok()) return ErrorResponse(400, filter.status().message());
    json items = json::array();
    for (const kube::ObjectRef& application : applications.List()) {
      if (Served(application->Namespace()) && filter->Matches(application->json())) {
        items.push_back(application->json());
      }
    }
    return JsonResponse(200, {{"items", std::move(items)}});
  }

  Response Sync(const Request& request) {
    Result<json> body = BodyObject(request);
    if (!body.ok()) return ErrorResponse(400, body.status().message());
    for (Status s : {CheckField(*body, "revision", &json::is_string, "a string"),
                     CheckField(*body, "prune", &json::is_boolean, "a boolean"),
                     CheckField(*body, "dryRun", &json::is_boolean, "a boolean"),
                     CheckField(*body, "resources", &json::is_array, "a list"),
                     CheckField(*body, "syncOptions", &json::is_array, "a list")}) {
      if (!s.ok()) return ErrorResponse(400, s.message());
    }
    json sync = json::object();
    for (const char* field : {"revision", "prune", "dryRun", "syncOptions"}) {
      if (body->contains(field)) sync[field] = (*body)[field];
    }
    if (body->contains("resources")) {
      json resources = json::array();
      for (const json& resource : (*body)["resources"]) {
        if (!resource.is_object() || !resource.contains("kind") || !resource.contains("name")) {
          return ErrorResponse(400, "resources: each needs kind and name");
        }
        json selected = json::object();
        for (const char* field : {"group", "kind", "namespace", "name"}) {
          if (resource.contains(field) && !resource[field].is_string()) {
            return ErrorResponse(400, std::string("resources: ") + field + " is not a string");
          }
          selected[field] = resource.value(field, "");
        }
        resources.push_back(std::move(selected));
      }
      sync["resources"] = std::move(resources);
    }
    return WithApplication(request, [&](const kube::Object& application) {
      return StartSync(application, std::move(sync));
    });
  }

  Response Rollback(const Request& request) {
    Result<json> body = BodyObject(request);
    if (!body.ok()) return ErrorResponse(400, body.status().message());
    if (!body->contains("id") || !(*body)["id"].is_number_integer()) {
      return ErrorResponse(400, "id: expected the integer id of a history entry");
    }
    for (Status s : {CheckField(*body, "prune", &json::is_boolean, "a boolean"),
                     CheckField(*body, "dryRun", &json::is_boolean, "a boolean")}) {
      if (!s.ok()) return ErrorResponse(400, s.message());
    }
    int64_t id = (*body)["id"].get<int64_t>();
    return WithApplication(request, [&](const kube::Object& application) {
      const json& object = application.json();
      const json& automated = object.value("spec", json::object())
                                  .value("syncPolicy", json::object())
                                  .value("automated", json());
      if (automated.is_object() && automated.value("enabled", true)) {
        return ErrorResponse(400, "rollback cannot be initiated when auto-sync is enabled");
      }
      for (const json& entry :
           object.value("status", json::object()).value("history", json::array())) {
        if (entry.value("id", int64_t{-1}) != id) continue;
        json sync = {{"revision", entry.value("revision", "")},
                     {"prune", body->value("prune", false)},
                     {"dryRun", body->value("dryRun", false)}};
        return StartSync(application, std::move(sync));
      }
      return ErrorResponse(404, "application " +
                                    KeyOf(application.Namespace(), application.Name()) +
                                    " has no history entry " + std::to_string(id));
    });
  }

  // Argo CD's TerminateOperation: a running sync is marked Terminating (the controller cancels
  // it); a requested one not yet started is withdrawn.
  Response CancelOperation(const kube::Object& application) {
    const json& object = application.json();
    std::string phase = OperationPhase(object);
    if (phase == "Running") {
      json patch = {{"status", {{"operationState", {{"phase", "Terminating"}}}}}};
      kube::ApiResult<kube::Object> patched =
          client.Patch(app::kApplicationGvk, application.Namespace(), application.Name(),
                       kube::PatchType::kMerge, patch.dump(), {.subresource = "status"});
      if (!patched.ok()) return FromStatus(patched.status());
      return JsonResponse(200, json::object());
    }
    if (object.contains("operation") && !object["operation"].is_null()) {
      Response withdrawn = Patched(application, {{"operation", nullptr}});
      if (withdrawn.status != 200) return withdrawn;
      return JsonResponse(200, json::object());
    }
    if (phase == "Terminating") return ErrorResponse(409, "the operation is already terminating");
    return ErrorResponse(409, "no operation is in progress");
  }

  Response Stream(const Request& request) {
    if (!ready) return ErrorResponse(503, "the API is starting");
    Result<Filter> filter = ParseFilter(request);
    if (!filter.ok()) return ErrorResponse(400, filter.status().message());
    std::optional<uint64_t> resume;
    if (std::string last = request.Header("last-event-id"); !last.empty()) {
      if (last.find_first_not_of("0123456789") != std::string::npos || last.size() > 19) {
        return ErrorResponse(400, "Last-Event-ID \"" + last + "\" is not an event id");
      }
      resume = std::stoull(last);
    }
    Response response{.content_type = "text/event-stream",
                      .headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}}};
    response.stream = [this, filter = std::move(*filter), resume](server::Stream& out) {
      uint64_t cursor = 0;
      bool send_state = true;
      if (resume) {
        cursor = *resume;
        send_state = false;
      }
      while (!out.stop.stop_requested()) {
        if (send_state) {
          for (const Event& event : events.State(&cursor)) {
            if (filter.Matches(event) && !out.write(FormatEvent(event))) return;
          }
          send_state = false;
        }
        std::optional<std::vector<Event>> next = events.After(cursor, options.keep_alive, out.stop);
        if (!next) {
          // The id is out of the buffer's reach (too old, or from before a restart).
          send_state = true;
          continue;
        }
        if (next->empty()) {
          if (!out.stop.stop_requested() && !out.write(": keep-alive\n\n")) return;
          continue;
        }
        for (const Event& event : *next) {
          cursor = event.id;
          if (filter.Matches(event) && !out.write(FormatEvent(event))) return;
        }
      }
    };
    return response;
  }
};

Api::Api(kube::Client& client, const controller::Controller& controller, Options options)
    : state_(std::make_unique<State>(client, controller, std::move(options))) {}

Api::~Api() = default;

void Api::Run(std::stop_token stop) {
  State& state = *state_;
  auto record = [&state](EventType type, const kube::ObjectRef& object) {
    if (!state.Served(object->Namespace())) return;
    state.events.Record(type, KeyOf(object->Namespace(), object->Name()), object);
  };
  uint64_t subscription = state.applications.Subscribe({
      .on_add = [record](const kube::ObjectRef& added) { record(EventType::kAdded, added); },
      .on_update = [record](const kube::Object&,
                            const kube::ObjectRef& after) { record(EventType::kModified, after); },
      .on_delete =
          [record](const kube::Object& deleted) {
            record(EventType::kDeleted, std::make_shared<const kube::Object>(deleted));
          },
  });
  if (state.applications.WaitForSync(stop)) {
    for (const kube::ObjectRef& application : state.applications.List()) {
      if (!state.Served(application->Namespace())) continue;
      state.events.Seed(KeyOf(application->Namespace(), application->Name()), application);
    }
    state.ready = true;
  }
  std::mutex mu;
  std::condition_variable_any stopped;
  std::unique_lock lock(mu);
  stopped.wait(lock, stop, [] { return false; });
  state.applications.Unsubscribe(subscription);
}

std::vector<server::Route> Api::Routes() {
  State* s = state_.get();
  const std::string app = "/api/v1/applications/{namespace}/{name}";
  auto with_app = [s](std::function<Response(const Request&, const kube::Object&)> handler) {
    return [s, handler = std::move(handler)](const Request& request) {
      return s->WithApplication(
          request, [&](const kube::Object& application) { return handler(request, application); });
    };
  };
  return {
      {.method = "GET",
       .pattern = "/api/v1/applications",
       .handler = [s](const Request& request) { return s->List(request); }},
      {.method = "GET",
       .pattern = app,
       .handler = with_app([s](const Request& request, const kube::Object& application) {
         std::string refresh = request.Query("refresh");
         if (!refresh.empty()) return s->Refresh(application, refresh);
         return JsonResponse(200, application.json());
       })},
      {.method = "GET",
       .pattern = app + "/managed-resources",
       .handler = with_app([s](const Request&, const kube::Object& application) {
         auto comparison =
             s->controller.LastComparison(application.Namespace(), application.Name());
         if (comparison == nullptr) return ErrorResponse(503, "not compared yet");
         return JsonResponse(200, ManagedResources(*comparison));
       })},
      {.method = "GET",
       .pattern = app + "/resource-tree",
       .handler = with_app([s](const Request&, const kube::Object& application) {
         auto comparison =
             s->controller.LastComparison(application.Namespace(), application.Name());
         if (comparison == nullptr) return ErrorResponse(503, "not compared yet");
         return JsonResponse(200, ResourceTree(*comparison, s->client));
       })},
      {.method = "GET",
       .pattern = app + "/history",
       .handler = with_app([](const Request&, const kube::Object& application) {
         return JsonResponse(200, {{"items", application.json()
                                                 .value("status", json::object())
                                                 .value("history", json::array())}});
       })},
      {.method = "POST",
       .pattern = app + "/sync",
       .handler = [s](const Request& request) { return s->Sync(request); }},
      {.method = "POST",
       .pattern = app + "/rollback",
       .handler = [s](const Request& request) { return s->Rollback(request); }},
      {.method = "POST",
       .pattern = app + "/refresh",
       .handler = with_app([s](const Request& request, const kube::Object& application) {
         std::string type = request.Query("type");
         return s->Refresh(application, type.empty() ? "normal" : type);
       })},
      {.method = "DELETE",
       .pattern = app + "/operation",
       .handler = with_app([s](const Request&, const kube::Object& application) {
         return s->CancelOperation(application);
       })},
      {.method = "GET",
       .pattern = "/api/v1/stream/applications",
       .handler = [s](const Request& request) { return s->Stream(request); }},
  };
}

}  // namespace converge::api
