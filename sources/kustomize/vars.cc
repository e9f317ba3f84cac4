// The deprecated `vars`: $(NAME) in kustomize's var reference fields becomes a field of
// another object of the build.
#include <map>

#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

std::vector<FieldSpec> VarReferenceSpecs() {
  std::vector<FieldSpec> specs;
  auto add_pod = [&](const std::string& group, const std::string& kind, const std::string& base) {
    for (const char* list : {"containers", "initContainers"}) {
      for (const char* field : {"args", "command", "env/value"}) {
        specs.push_back(FieldSpec{.group = group, .kind = kind, .path = base + list + "/" + field});
      }
    }
  };
  add_pod("", "Pod", "spec/");
  for (const char* kind : {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"}) {
    add_pod("", kind, "spec/template/spec/");
  }
  add_pod("batch", "Job", "spec/template/spec/");
  add_pod("batch", "CronJob", "spec/jobTemplate/spec/template/spec/");
  specs.push_back(FieldSpec{.path = "metadata/annotations"});
  for (const char* path : {"spec/rules/host", "spec/tls/hosts", "spec/tls/secretName"}) {
    specs.push_back(FieldSpec{.kind = "Ingress", .path = path});
  }
  return specs;
}

std::string Expand(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '(') {
      size_t close = text.find(')', i + 2);
      if (close != std::string::npos) {
        auto it = values.find(text.substr(i + 2, close - i - 2));
        if (it != values.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

void ExpandNode(json& node, const std::map<std::string, std::string>& values) {
  if (node.is_string()) {
    node = Expand(node.get<std::string>(), values);
  } else if (node.is_structured()) {
    for (json& child : node) ExpandNode(child, values);
  }
}

Result<std::string> VarValue(ResMap& resources, const json& var) {
  std::string name = var.value("name", "");
  json ref = var.value("objref", json::object());
  std::string kind = ref.value("kind", "");
  std::string ref_name = ref.value("name", "");
  kube::Object probe(json{{"apiVersion", ref.value("apiVersion", "")}});
  for (Resource& resource : resources) {
    std::vector<ResId> ids = resource.previous;
    ids.push_back(resource.Id());
    bool hit = false;
    for (const ResId& id : ids) {
      hit = hit || (id.kind == kind && id.name == ref_name &&
                    (probe.Version().empty() || id.version == probe.Version()) &&
                    (probe.ApiVersion().empty() || id.group == probe.Group()));
    }
    if (!hit) continue;
    std::string path = var.value("fieldref", json::object()).value("fieldpath", "metadata.name");
    const json* node = &resource.object.json();
    size_t start = 0;
    while (start <= path.size()) {
      size_t dot = path.find('.', start);
      if (dot == std::string::npos) dot = path.size();
      std::string step = path.substr(start, dot - start);
      if (!node->is_object() || !node->contains(step)) {
        return Status::Invalid("field specified in var '" + name +
                               "' not found in corresponding resource");
      }
      node = &(*node)[step];
      start = dot + 1;
    }
    if (node->is_string()) return node->get<std::string>();
    return node->dump();
  }
  return Status::Invalid("var '" + name +
                         "' cannot be mapped to a field in the set of known resources");
}

}  // namespace

Status SubstituteVars(ResMap& resources, const json& vars) {
  if (!vars.is_array() || vars.empty()) return Status();
  std::map<std::string, std::string> values;
  for (const json& var : vars) {
    Result<std::string> value = VarValue(resources, var);
    if (!value.ok()) return value.status();
    values[var.value("name", "")] = *value;
  }
  std::vector<FieldSpec> specs = VarReferenceSpecs();
  for (Resource& resource : resources) {
    ResId id = resource.Id();
    for (const FieldSpec& spec : specs) {
      if (!GvkMatches(spec, id)) continue;
      Status status = VisitFieldSpec(resource.object.mutable_json(), spec, [&](json& node) {
        ExpandNode(node, values);
        return Status();
      });
      if (!status.ok()) return status;
    }
  }
  return Status();
}

}  // namespace converge::sources::kustomize
