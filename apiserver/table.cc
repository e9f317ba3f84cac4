#include "apiserver/table.h"

#include "base/clock.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

struct Column {
  const char* name;
  const char* type;
  const char* format;
  const char* description;
};

std::string Age(const json& object) {
  std::string created = object.value("metadata", json::object()).value("creationTimestamp", "");
  int64_t at = ParseRfc3339(created);
  return at == 0 ? "<unknown>" : HumanDuration(UnixSeconds() - at);
}

int64_t IntAt(const json& object, std::initializer_list<const char*> path) {
  const json* node = &object;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return 0;
    node = &(*node)[key];
  }
  return node->is_number_integer() ? node->get<int64_t>() : 0;
}

std::string StringAt(const json& object, std::initializer_list<std::string_view> path,
                     const std::string& fallback) {
  std::string_view value = kube::StringAt(object, path);
  return value.empty() ? fallback : std::string(value);
}

std::string ServicePorts(const json& service) {
  std::string out;
  for (const json& port : service.value("spec", json::object()).value("ports", json::array())) {
    if (!out.empty()) out += ",";
    out += std::to_string(port.value("port", 0));
    if (port.contains("nodePort")) out += ":" + std::to_string(port.value("nodePort", 0));
    out += "/" + port.value("protocol", std::string("TCP"));
  }
  return out.empty() ? "<none>" : out;
}

std::string PodReady(const json& pod) {
  size_t total = pod.value("spec", json::object()).value("containers", json::array()).size();
  size_t ready = 0;
  for (const json& status :
       pod.value("status", json::object()).value("containerStatuses", json::array())) {
    if (status.value("ready", false)) ++ready;
  }
  return std::to_string(ready) + "/" + std::to_string(total);
}

int64_t PodRestarts(const json& pod) {
  int64_t restarts = 0;
  for (const json& status :
       pod.value("status", json::object()).value("containerStatuses", json::array())) {
    restarts += status.value("restartCount", int64_t{0});
  }
  return restarts;
}

// The extra columns of a kind, between NAME and AGE, and their cells.
std::vector<Column> ExtraColumns(const ResourceType& type) {
  if (type.custom()) return {};
  const std::string& r = type.resource;
  if (r == "namespaces") return {{"Status", "string", "", "The status of the namespace"}};
  if (r == "configmaps") return {{"Data", "string", "", "Number of entries in data"}};
  if (r == "secrets") {
    return {{"Type", "string", "", "The type of the secret"},
            {"Data", "string", "", "Number of entries in data"}};
  }
  if (r == "services") {
    return {{"Type", "string", "", "The type of the service"},
            {"Cluster-IP", "string", "", "The cluster IP"},
            {"External-IP", "string", "", "External IPs"},
            {"Port(s)", "string", "", "Ports"}};
  }
  if (r == "deployments") {
    return {{"Ready", "string", "", "Number of ready replicas out of desired"},
            {"Up-to-date", "integer", "", "Replicas updated to the latest template"},
            {"Available", "integer", "", "Available replicas"}};
  }
  if (r == "pods") {
    return {{"Ready", "string", "", "Ready containers out of all"},
            {"Status", "string", "", "The aggregate status of the containers"},
            {"Restarts", "string", "", "Container restarts"}};
  }
  return {};
}

json ExtraCells(const ResourceType& type, const json& object) {
  json cells = json::array();
  if (type.custom()) return cells;
  const std::string& r = type.resource;
  if (r == "namespaces") {
    cells.push_back(StringAt(object, {"status", "phase"}, "Active"));
  } else if (r == "configmaps") {
    cells.push_back(object.value("data", json::object()).size() +
                    object.value("binaryData", json::object()).size());
  } else if (r == "secrets") {
    cells.push_back(object.value("type", std::string("Opaque")));
    cells.push_back(object.value("data", json::object()).size());
  } else if (r == "services") {
    cells.push_back(StringAt(object, {"spec", "type"}, "ClusterIP"));
    cells.push_back(StringAt(object, {"spec", "clusterIP"}, "<none>"));
    cells.push_back("<none>");
    cells.push_back(ServicePorts(object));
  } else if (r == "deployments") {
    int64_t desired = object.value("spec", json::object()).value("replicas", int64_t{1});
    cells.push_back(std::to_string(IntAt(object, {"status", "readyReplicas"})) + "/" +
                    std::to_string(desired));
    cells.push_back(IntAt(object, {"status", "updatedReplicas"}));
    cells.push_back(IntAt(object, {"status", "availableReplicas"}));
  } else if (r == "pods") {
    cells.push_back(PodReady(object));
    cells.push_back(StringAt(object, {"status", "phase"}, "Pending"));
    cells.push_back(std::to_string(PodRestarts(object)));
  }
  return cells;
}

// A CRD column's "simple JSON path" (.a.b, .a[0].b) in `object`, or nullptr. Filters are
// not evaluated: such a column stays empty.
const json* FindSimplePath(const json& object, std::string_view path) {
  const json* node = &object;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t end = path.find_first_of(".[", i + 1);
      if (end == std::string_view::npos) end = path.size();
      std::string key(path.substr(i + 1, end - i - 1));
      if (!node->is_object() || !node->contains(key)) return nullptr;
      node = &(*node)[key];
      i = end;
    } else if (path[i] == '[') {
      size_t end = path.find(']', i);
      if (end == std::string_view::npos) return nullptr;
      std::string index(path.substr(i + 1, end - i - 1));
      if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos ||
          !node->is_array() || std::stoul(index) >= node->size()) {
        return nullptr;
      }
      node = &(*node)[std::stoul(index)];
      i = end + 1;
    } else {
      return nullptr;
    }
  }
  return node;
}

json PrinterCell(const json& column, const json& object) {
  const json* value = FindSimplePath(object, column.value("jsonPath", ""));
  if (value == nullptr || value->is_null()) return nullptr;
  std::string type = column.value("type", "string");
  if (type == "date" && value->is_string()) {
    int64_t at = ParseRfc3339(value->get<std::string>());
    return at == 0 ? *value : json(HumanDuration(UnixSeconds() - at));
  }
  if (type == "string") return value->is_string() ? *value : json(kube::EncodeJson(*value));
  return *value;
}

json PartialMetadata(const json& object) {
  json metadata = object.value("metadata", json::object());
  metadata.erase("managedFields");
  return {
      {"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", metadata}};
}

}  // namespace

bool WantsTable(const std::string& accept) {
  // The first media range decides; kubectl lists the Table types first and plain JSON last.
  std::string first = accept.substr(0, accept.find(','));
  return first.find("as=Table") != std::string::npos;
}

json Table(const ResourceType& type, const std::vector<json>& objects,
           const std::string& resource_version) {
  json columns = json::array();
  columns.push_back({{"name", "Name"},
                     {"type", "string"},
                     {"format", "name"},
                     {"description", "Name must be unique within a namespace."},
                     {"priority", 0}});
  // A CRD's own columns replace the default AGE column, as kube-apiserver does.
  bool crd_columns = type.custom() && !type.printer_columns.empty();
  if (crd_columns) {
    for (const json& column : type.printer_columns) {
      columns.push_back({{"name", column.value("name", "")},
                         {"type", column.value("type", "string")},
                         {"format", column.value("format", "")},
                         {"description", column.value("description", "")},
                         {"priority", column.value("priority", 0)}});
    }
  } else {
    for (const Column& column : ExtraColumns(type)) {
      columns.push_back({{"name", column.name},
                         {"type", column.type},
                         {"format", column.format},
                         {"description", column.description},
                         {"priority", 0}});
    }
    columns.push_back({{"name", "Age"},
                       {"type", "date"},
                       {"format", ""},
                       {"description",
                        "CreationTimestamp is a timestamp representing the server "
                        "time when this object was created."},
                       {"priority", 0}});
  }
  json rows = json::array();
  for (const json& object : objects) {
    json cells = json::array();
    cells.push_back(object.value("metadata", json::object()).value("name", ""));
    if (crd_columns) {
      for (const json& column : type.printer_columns) cells.push_back(PrinterCell(column, object));
    } else {
      for (json& cell : ExtraCells(type, object)) cells.push_back(std::move(cell));
      cells.push_back(Age(object));
    }
    rows.push_back({{"cells", std::move(cells)}, {"object", PartialMetadata(object)}});
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", {{"resourceVersion", resource_version}}},
          {"columnDefinitions", std::move(columns)},
          {"rows", std::move(rows)}};
}

Response TableResponse(const ResourceType& type, const std::vector<json>& objects,
                       const std::string& resource_version) {
  Response response;
  response.content_type = kTableContentType;
  response.body = kube::EncodeJson(Table(type, objects, resource_version));
  return response;
}

}  // namespace converge::apiserver
