// Waiting on an Application through the API's event stream, with the progress display of
// `converge app sync --wait` and `converge app wait`: a row whenever the Application's sync,
// health or operation changes, or one of its resources' status, health or sync message does.
#include <ctime>
#include <iomanip>
#include <map>

#include "operator/cli/app.h"

namespace converge::cli {
namespace {

using json = nlohmann::json;

struct Row {
  std::string group, kind, ns, name, status, health, hook, message;
  bool operator==(const Row&) const = default;
};

using RowKey = std::tuple<std::string, std::string, std::string, std::string>;

std::string Text(const json& object, const char* pointer) {
  const json& value = object.value(json::json_pointer(pointer), json());
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string Now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

void PrintRow(std::ostream& out, const std::string& timestamp, const Row& row) {
  const std::pair<const std::string*, int> cells[] = {
      {&timestamp, 22}, {&row.group, 13},  {&row.kind, 13},   {&row.ns, 11},
      {&row.name, 18},  {&row.status, 11}, {&row.health, 13}, {&row.hook, 10}};
  std::string line;
  for (const auto& [text, width] : cells) {
    line += *text;
    line += std::string(static_cast<int>(text->size()) < width ? width - text->size() : 2, ' ');
  }
  line += row.message;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out << line << "\n";
}

// The Application's own row: its sync and health, and the operation in its message.
Row ApplicationRow(const json& application) {
  std::string phase = Text(application, "/status/operationState/phase");
  std::string message = Text(application, "/status/operationState/message");
  if (application.contains("operation") && !application["operation"].is_null()) {
    phase = "Requested";
    message.clear();
  }
  return {.group = "converge.dev",
          .kind = "Application",
          .ns = Text(application, "/metadata/namespace"),
          .name = Text(application, "/metadata/name"),
          .status = Text(application, "/status/sync/status"),
          .health = Text(application, "/status/health/status"),
          .message =
              phase.empty() ? "" : "operation " + phase + (message.empty() ? "" : ": " + message)};
}

// A row per resource: status.resources joined with the current operation's result.
std::map<RowKey, Row> ResourceRows(const json& application, bool with_results) {
  std::map<RowKey, Row> rows;
  auto row_of = [&rows](const json& resource) -> Row& {
    RowKey key{resource.value("group", ""), resource.value("kind", ""),
               resource.value("namespace", ""), resource.value("name", "")};
    Row& row = rows[key];
    std::tie(row.group, row.kind, row.ns, row.name) = key;
    return row;
  };
  for (const json& resource :
       application.value(json::json_pointer("/status/resources"), json::array())) {
    Row& row = row_of(resource);
    row.status = resource.value("status", "");
    row.health = Text(resource, "/health/status");
  }
  if (!with_results) return rows;
  for (const json& result : application.value(
           json::json_pointer("/status/operationState/syncResult/resources"), json::array())) {
    Row& row = row_of(result);
    row.hook = result.value("hookType", "");
    row.message = result.value("message", "");
  }
  return rows;
}

class Progress {
 public:
  explicit Progress(std::ostream& out) : out_(out) {}

  void Show(const json& application, bool with_results) {
    std::string timestamp = Now();
    if (!header_printed_) {
      PrintRow(out_, "TIMESTAMP",
               {"GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "HOOK", "MESSAGE"});
      header_printed_ = true;
    }
    Row app = ApplicationRow(application);
    if (!app_ || !(*app_ == app)) PrintRow(out_, timestamp, app);
    app_ = app;
    for (auto& [key, row] : ResourceRows(application, with_results)) {
      auto [seen, inserted] = resources_.try_emplace(key, row);
      if (inserted || !(seen->second == row)) PrintRow(out_, timestamp, row);
      seen->second = row;
    }
    out_.flush();
  }

 private:
  std::ostream& out_;
  bool header_printed_ = false;
  std::optional<Row> app_;
  std::map<RowKey, Row> resources_;
};

bool HasOperation(const json& application) {
  return application.contains("operation") && !application["operation"].is_null();
}

json OperationState(const json& application) {
  return application.value(json::json_pointer("/status/operationState"), json());
}

}  // namespace

bool ApplicationSettled(const json& application, const WaitOptions& options) {
  if (HasOperation(application)) return false;
  if (Text(application, "/status/operationState/phase") == "Running") return false;
  if (options.sync && Text(application, "/status/sync/status") != "Synced") return false;
  if (options.health && Text(application, "/status/health/status") != "Healthy") return false;
  return true;
}

Result<json> WaitForApplication(apiclient::Client& client, const std::string& ns,
                                const std::string& name, const WaitOptions& options,
                                std::ostream& progress) {
  std::string target = "/api/v1/stream/applications?namespace=" + apiclient::Escape(ns) +
                       "&name=" + apiclient::Escape(name);
  Progress display(progress);
  json settled;
  Status outcome;
  // The stream may begin from a state older than the request; seeing the request on it proves
  // it has caught up.
  bool request_seen = false;
  Status streamed = client.Stream(target, options.deadline, [&](const apiclient::Event& event) {
    json application = json::parse(event.data, nullptr, false);
    if (!application.is_object() || Text(application, "/metadata/name") != name ||
        Text(application, "/metadata/namespace") != ns) {
      return true;
    }
    if (event.type == "DELETED") {
      outcome = Status::NotFound("Application " + ns + "/" + name + " was deleted");
      return false;
    }
    bool operation_done = true;
    if (options.operation_requested) {
      request_seen = request_seen || HasOperation(application);
      operation_done = !HasOperation(application) &&
                       (request_seen || OperationState(application) != options.operation_before);
    }
    display.Show(application, !options.operation_requested || operation_done);
    if (!operation_done) return true;
    std::string phase = Text(application, "/status/operationState/phase");
    if (options.operation_requested && (phase == "Failed" || phase == "Error")) {
      outcome = Status::Conflict("sync " + phase + ": " +
                                 Text(application, "/status/operationState/message"));
      return false;
    }
    if (!ApplicationSettled(application, options)) return true;
    settled = std::move(application);
    return false;
  });
  if (!streamed.ok()) {
    if (std::chrono::steady_clock::now() >= options.deadline) {
      return Status::Unavailable("timed out waiting for Application " + ns + "/" + name);
    }
    return streamed;
  }
  if (!outcome.ok()) return outcome;
  return settled;
}

}  // namespace converge::cli
