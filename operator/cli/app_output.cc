// What `converge app` prints. The tables follow the layout Argo CD users know from
// `argocd app list/get/history` (column names and order), with Converge's fields.
#include <algorithm>
#include <map>
#include <sstream>

#include "kube/kube.h"
#include "operator/cli/app.h"

namespace converge::cli {
namespace {

using json = nlohmann::json;

constexpr char kNone[] = "<none>";

// A string field by JSON pointer, "" when absent or not a string.
std::string Field(const json& object, const char* pointer) {
  const json& value = object.value(json::json_pointer(pointer), json());
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string OrNone(std::string value) { return value.empty() ? kNone : value; }

// The first source: Applications with several list them all under spec.sources.
const json& FirstSource(const json& application) {
  static const json kEmpty = json::object();
  if (!application.contains("spec") || !application["spec"].is_object()) return kEmpty;
  const json& spec = application["spec"];
  if (spec.contains("source") && spec["source"].is_object()) return spec["source"];
  if (spec.contains("sources") && spec["sources"].is_array() && !spec["sources"].empty() &&
      spec["sources"][0].is_object()) {
    return spec["sources"][0];
  }
  return kEmpty;
}

std::string Cluster(const json& application) {
  std::string server = Field(application, "/spec/destination/server");
  return server.empty() ? Field(application, "/spec/destination/name") : server;
}

// Argo CD's spelling: Manual, Auto, Auto-Prune.
std::string SyncPolicy(const json& application) {
  const json& automated =
      application.value(json::json_pointer("/spec/syncPolicy/automated"), json());
  if (!automated.is_object() || !automated.value("enabled", true)) return "Manual";
  return automated.value("prune", false) ? "Auto-Prune" : "Auto";
}

// Problem conditions only (the kstatus Ready/Reconciling/Stalled trio is the summary already):
// "SyncError", or "SyncError(2)" when repeated; sorted.
std::string Conditions(const json& application) {
  std::map<std::string, int> counts;
  for (const json& condition :
       application.value(json::json_pointer("/status/conditions"), json::array())) {
    std::string type = condition.value("type", "");
    if (type.ends_with("Error") || type.ends_with("Warning")) ++counts[type];
  }
  std::string out;
  for (const auto& [type, count] : counts) {
    if (!out.empty()) out += ",";
    out += count == 1 ? type : type + "(" + std::to_string(count) + ")";
  }
  return OrNone(out);
}

std::string ShortRevision(const std::string& revision) {
  bool hex = revision.size() == 40 && std::all_of(revision.begin(), revision.end(), [](char c) {
               return std::isxdigit(static_cast<unsigned char>(c)) != 0;
             });
  return hex ? revision.substr(0, 7) : revision;
}

// "main (1a2b3c4)", as Argo CD prints a target with the commit it resolved to.
std::string TargetAndRevision(const std::string& target, const std::string& revision) {
  if (revision.empty()) return target;
  return (target.empty() ? "HEAD" : target) + " (" + ShortRevision(revision) + ")";
}

void Line(std::ostringstream& out, std::string_view label, std::string_view value) {
  out << label << std::string(label.size() < 20 ? 20 - label.size() : 1, ' ') << value << "\n";
}

void SummaryLines(const json& application, std::ostringstream& out) {
  const json& source = FirstSource(application);
  Line(out, "Name:",
       Field(application, "/metadata/namespace") + "/" + Field(application, "/metadata/name"));
  Line(out, "Server:", Cluster(application));
  Line(out, "Namespace:", Field(application, "/spec/destination/namespace"));
  Line(out, "Repo:", source.value("repoURL", ""));
  Line(out, "Target:", source.value("targetRevision", ""));
  Line(out, "Path:", source.value("path", ""));
  Line(out, "Sync Policy:", SyncPolicy(application));
  std::string sync = Field(application, "/status/sync/status");
  std::string revision = Field(application, "/status/sync/revision");
  Line(out, "Sync Status:",
       OrNone(sync) +
           (revision.empty()
                ? ""
                : " to " + TargetAndRevision(source.value("targetRevision", ""), revision)));
  std::string health = Field(application, "/status/health/status");
  std::string health_message = Field(application, "/status/health/message");
  Line(out, "Health Status:",
       OrNone(health) + (health_message.empty() ? "" : " (" + health_message + ")"));
  std::string conditions = Conditions(application);
  if (conditions != kNone) Line(out, "Conditions:", conditions);
}

void OperationLines(const json& application, std::ostringstream& out) {
  const json& state = application.value(json::json_pointer("/status/operationState"), json());
  if (!state.is_object()) return;
  out << "\n";
  Line(out, "Operation:", "Sync");
  Line(out, "Sync Revision:", Field(state, "/syncResult/revision"));
  Line(out, "Phase:", state.value("phase", ""));
  Line(out, "Start:", state.value("startedAt", ""));
  Line(out, "Finished:", state.value("finishedAt", ""));
  Line(out, "Message:", state.value("message", ""));
}

struct ResourceRow {
  std::string status;
  std::string health;
  std::string hook;
  std::string message;
};

using ResourceId = std::tuple<std::string, std::string, std::string, std::string>;

ResourceId IdOf(const json& resource) {
  return {resource.value("group", ""), resource.value("kind", ""), resource.value("namespace", ""),
          resource.value("name", "")};
}

// status.resources (sync and health now) joined with the last sync's result per resource (its
// message and hook), in (group, kind, namespace, name) order.
std::string ResourceTable(const json& application) {
  std::map<ResourceId, ResourceRow> rows;
  for (const json& resource :
       application.value(json::json_pointer("/status/resources"), json::array())) {
    ResourceRow& row = rows[IdOf(resource)];
    row.status = resource.value("status", "");
    row.health = Field(resource, "/health/status");
  }
  for (const json& result : application.value(
           json::json_pointer("/status/operationState/syncResult/resources"), json::array())) {
    ResourceRow& row = rows[IdOf(result)];
    row.hook = result.value("hookType", "");
    row.message = result.value("message", "");
    if (row.status.empty() && !row.hook.empty()) row.status = result.value("hookPhase", "");
  }
  if (rows.empty()) return "";
  std::vector<std::vector<std::string>> table = {
      {"GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "HOOK", "MESSAGE"}};
  for (const auto& [id, row] : rows) {
    const auto& [group, kind, ns, name] = id;
    table.push_back({group, kind, ns, name, row.status, row.health, row.hook, row.message});
  }
  return FormatTable(table);
}

}  // namespace

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string ListTable(const std::vector<json>& applications) {
  std::vector<std::vector<std::string>> table = {{"NAME", "CLUSTER", "NAMESPACE", "STATUS",
                                                  "HEALTH", "SYNCPOLICY", "CONDITIONS", "REPO",
                                                  "PATH", "TARGET"}};
  for (const json& application : applications) {
    const json& source = FirstSource(application);
    table.push_back(
        {Field(application, "/metadata/namespace") + "/" + Field(application, "/metadata/name"),
         Cluster(application), Field(application, "/spec/destination/namespace"),
         OrNone(Field(application, "/status/sync/status")),
         OrNone(Field(application, "/status/health/status")), SyncPolicy(application),
         Conditions(application), source.value("repoURL", ""), source.value("path", ""),
         source.value("targetRevision", "")});
  }
  return FormatTable(table);
}

std::string ApplicationText(const json& application) {
  std::ostringstream out;
  SummaryLines(application, out);
  OperationLines(application, out);
  std::string resources = ResourceTable(application);
  if (!resources.empty()) out << "\n" << resources;
  return out.str();
}

std::string HistoryTable(const json& history) {
  std::string out;
  std::string current_repo;
  std::vector<std::vector<std::string>> table;
  auto flush = [&] {
    if (table.empty()) return;
    if (!out.empty()) out += "\n";
    out += "SOURCE  " + current_repo + "\n" + FormatTable(table);
    table.clear();
  };
  for (const json& entry : history.is_array() ? history : json::array()) {
    const json source = FirstSource(json{{"spec", entry}});
    std::string repo = source.value("repoURL", "");
    if (table.empty() || repo != current_repo) {
      flush();
      current_repo = repo;
      table.push_back({"ID", "DATE", "REVISION"});
    }
    std::string target = source.value("targetRevision", "");
    table.push_back({std::to_string(entry.value("id", int64_t{0})), entry.value("deployedAt", ""),
                     TargetAndRevision(target, entry.value("revision", ""))});
  }
  flush();
  return out;
}

std::string ManagedDiffText(const json& managed_resources) {
  std::string out;
  for (const json& item : managed_resources.value("items", json::array())) {
    std::string diff = item.value("diff", "");
    if (diff.empty()) continue;
    std::string group = item.value("group", "");
    std::string ns = item.value("namespace", "");
    out += "===== " + (group.empty() ? "" : group + "/") + item.value("kind", "") + " " +
           (ns.empty() ? "" : ns + "/") + item.value("name", "") + " ======\n" + diff;
    if (!diff.ends_with('\n')) out += "\n";
  }
  return out;
}

Result<std::optional<std::string>> FormatStructured(const json& value, std::string_view output) {
  if (output.empty() || output == "wide") return std::optional<std::string>();
  if (output == "json") return std::optional<std::string>(kube::EncodeJson(value, 4) + "\n");
  if (output == "yaml") return std::optional<std::string>(kube::EncodeYaml(value));
  return Status::Invalid("--output \"" + std::string(output) + "\": expected json or yaml");
}

}  // namespace converge::cli
