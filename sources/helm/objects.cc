// The built-in objects templates see besides .Values: .Capabilities, .Files and .Chart, with
// the Go types and methods helm 4.1.4 gives them.

#include <algorithm>

#include "base/base64.h"
#include "base/glob.h"
#include "kube/kube.h"
#include "sources/helm/internal.h"
#include "sources/helm/template/template.h"

namespace converge::sources::helm {
namespace {

using tmpl::ElemType;
using tmpl::Value;

// client-go's scheme as helm 4.1.4 lists it (chartutil.DefaultVersionSet), in its order.
constexpr std::string_view kDefaultApiVersions[] = {
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
};

// The scheme's versions as helm 4.1.4 lists them, or as helm 3.17.2 (client-go 1.32) does:
// without those Kubernetes 1.33 to 1.35 added, with the alphas it has since dropped.
std::vector<std::string> DefaultApiVersions(bool helm3) {
  std::vector<std::string> out;
  for (std::string_view version : kDefaultApiVersions) {
    if (helm3 && (version == "resource.k8s.io/v1" || version == "resource.k8s.io/v1beta2")) {
      continue;
    }
    if (helm3 && version == "storagemigration.k8s.io/v1beta1") {
      out.emplace_back("storagemigration.k8s.io/v1alpha1");
      continue;
    }
    out.emplace_back(version);
    if (helm3 && version == "networking.k8s.io/v1") out.emplace_back("networking.k8s.io/v1alpha1");
  }
  return out;
}

// Go checks a method's arguments before calling it: `want` strings.
Status WantArgs(const std::vector<Value>& args, size_t want) {
  if (args.size() != want) {
    return Status::Invalid("wrong number of args: want " + std::to_string(want) + " got " +
                           std::to_string(args.size()));
  }
  for (const Value& arg : args) {
    if (arg.kind() != Value::Kind::kString) {
      return Status::Invalid("wrong type for value; expected string; got " + arg.TypeName());
    }
  }
  return Status();
}

// helm 4's types live in package common; helm 3's in chartutil.
std::string_view Package(bool helm3) { return helm3 ? "chartutil" : "common"; }

// common.VersionSet: a []string with Has.
class VersionSet : public tmpl::Methods {
 public:
  explicit VersionSet(bool helm3) : name_(std::string(Package(helm3)) + ".VersionSet") {}
  std::string_view TypeName() const override { return name_; }
  bool Has(std::string_view method) const override { return method == "Has"; }
  Result<Value> Call(std::string_view, const Value& self,
                     const std::vector<Value>& args) const override {
    if (Status s = WantArgs(args, 1); !s.ok()) return s;
    for (const Value& item : self.list()) {
      if (item.string_value() == args[0].string_value()) return Value::Bool(true);
    }
    return Value::Bool(false);
  }

 private:
  std::string name_;
};

// common.KubeVersion: the struct {Version, normalizedVersion, Major, Minor} whose String
// (pointer receiver) prints the version without pre-release or build metadata; GitVersion is
// Version. helm 3's chartutil.KubeVersion has no normalizedVersion and prints Version.
class KubeVersion : public tmpl::Methods {
 public:
  explicit KubeVersion(bool helm3)
      : helm3_(helm3), name_(std::string(Package(helm3)) + ".KubeVersion") {}
  std::string_view TypeName() const override { return name_; }
  bool Has(std::string_view method) const override { return method == "GitVersion"; }
  Result<Value> Call(std::string_view, const Value& self,
                     const std::vector<Value>& args) const override {
    if (Status s = WantArgs(args, 0); !s.ok()) return s;
    return self.map().at("Version");
  }
  std::optional<std::string> String(const Value& self) const override {
    return self.map().at(helm3_ ? "Version" : "normalizedVersion").string_value();
  }
  bool StringNeedsAddress() const override { return true; }
  std::span<const Field> Fields() const override {
    static constexpr Field kHelm4[] = {
        {"Version", "Version"}, {"normalizedVersion", ""}, {"Major", "Major"}, {"Minor", "Minor"}};
    static constexpr Field kHelm3[] = {
        {"Version", "Version"}, {"Major", "Major"}, {"Minor", "Minor"}};
    if (helm3_) return kHelm3;
    return kHelm4;
  }

 private:
  bool helm3_;
  std::string name_;
};

// A struct without methods.
class StructType : public tmpl::Methods {
 public:
  StructType(std::string name, std::vector<Field> fields, bool pointer)
      : name_(std::move(name)), fields_(std::move(fields)), pointer_(pointer) {}
  std::string_view TypeName() const override { return name_; }
  bool Has(std::string_view) const override { return false; }
  Result<Value> Call(std::string_view, const Value&, const std::vector<Value>&) const override {
    return Status::Internal("no methods");
  }
  std::span<const Field> Fields() const override { return fields_; }
  bool IsPointer() const override { return pointer_; }

 private:
  std::string name_;
  std::vector<Field> fields_;
  bool pointer_;
};

// version.BuildInfo; helm 3's has no KubeClientVersion.
std::shared_ptr<StructType> BuildInfoType(bool helm3) {
  std::vector<tmpl::Methods::Field> fields = {{"Version", "version"},
                                              {"GitCommit", "git_commit"},
                                              {"GitTreeState", "git_tree_state"},
                                              {"GoVersion", "go_version"}};
  if (!helm3) fields.push_back({"KubeClientVersion", "kube_client_version"});
  return std::make_shared<StructType>("version.BuildInfo", std::move(fields), false);
}

std::shared_ptr<StructType> CapabilitiesType(bool helm3) {
  return std::make_shared<StructType>(
      "*" + std::string(Package(helm3)) + ".Capabilities",
      std::vector<tmpl::Methods::Field>{{"KubeVersion", "KubeVersion"},
                                        {"APIVersions", "APIVersions"},
                                        {"HelmVersion", "HelmVersion"}},
      true);
}

std::string ToYaml(const Value& value) {
  std::string text = kube::EncodeYaml(value.ToJson());
  if (text.ends_with('\n')) text.pop_back();
  return text;
}

std::string BaseName(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

// engine.files: a map[string][]byte of the chart's files with Helm's accessors.
class FilesType : public tmpl::Methods, public std::enable_shared_from_this<FilesType> {
 public:
  std::string_view TypeName() const override { return "engine.files"; }
  bool Has(std::string_view method) const override {
    return method == "Get" || method == "GetBytes" || method == "Glob" || method == "Lines" ||
           method == "AsConfig" || method == "AsSecrets";
  }
  Result<Value> Call(std::string_view method, const Value& self,
                     const std::vector<Value>& args) const override {
    const auto& files = self.map();
    bool no_args = method == "AsConfig" || method == "AsSecrets";
    if (Status s = WantArgs(args, no_args ? 0 : 1); !s.ok()) return s;
    if (method == "Get" || method == "GetBytes") {
      auto found = files.find(args[0].string_value());
      std::string data = found == files.end() ? "" : found->second.bytes_value();
      return method == "Get" ? Value::String(std::move(data)) : Value::Bytes(std::move(data));
    }
    if (method == "Lines") {
      auto found = files.find(args[0].string_value());
      if (found == files.end()) return Value::List({}, ElemType::kString);
      std::string text = found->second.bytes_value();
      // Helm reads the last byte of the file unchecked.
      if (text.empty()) return Status::Invalid("runtime error: index out of range [-1]");
      if (text.ends_with('\n')) text.pop_back();
      std::vector<std::string> lines;
      size_t start = 0;
      while (true) {
        size_t newline = text.find('\n', start);
        lines.push_back(
            text.substr(start, newline == std::string::npos ? newline : newline - start));
        if (newline == std::string::npos) break;
        start = newline + 1;
      }
      return Value::StringList(lines);
    }
    if (method == "Glob") {
      Result<Glob> glob = Glob::Compile(args[0].string_value(), U"/");
      if (!glob.ok()) glob = Glob::Compile("**", U"/");
      Value matched = Value::Map();
      for (const auto& [name, data] : files) {
        if (glob->Match(name)) matched.mutable_map()[name] = data;
      }
      matched.set_methods(shared_from_this());
      return matched;
    }
    // helm4 prints an empty selection as "{}", not "".
    Value map = Value::Map();
    for (const auto& [name, data] : files) {
      map.mutable_map()[BaseName(name)] = Value::String(
          method == "AsConfig" ? data.bytes_value() : Base64Encode(data.bytes_value()));
    }
    return Value::String(ToYaml(map));
  }
};

// A string field of Chart.yaml: a YAML scalar of another type reads as its text, as
// sigs.k8s.io/yaml gives it to a Go string ("n" is YAML 1.1's false, so "false").
Value StringField(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return Value::String("");
  if (found->is_string()) return Value::String(found->get<std::string>());
  return Value::String(found->dump());
}

// Chart.Dependencies as processed (aliases applied, import-values normalised), each as the map
// of its Go field names helm 4 gives templates.
Value DependencyObjects(const std::vector<Dependency>& dependencies) {
  Value list = Value::List();
  for (const Dependency& dependency : dependencies) {
    Value object = Value::Map();
    auto& map = object.mutable_map();
    map["Alias"] = Value::String(dependency.alias);
    map["Condition"] = Value::String(dependency.condition);
    map["Enabled"] = Value::Bool(dependency.enabled);
    map["ImportValues"] = Value::List(dependency.import_values);
    map["Name"] = Value::String(dependency.name);
    map["Repository"] = Value::String(dependency.repository);
    std::vector<Value> tags;
    for (const std::string& tag : dependency.tags) tags.push_back(Value::String(tag));
    map["Tags"] = Value::List(std::move(tags));
    map["Version"] = Value::String(dependency.version);
    list.mutable_list().push_back(std::move(object));
  }
  return list;
}

// Chart.yaml's maintainers as maps of the Go field names.
Value MaintainerObjects(const nlohmann::json& metadata) {
  Value list = Value::List();
  auto found = metadata.find("maintainers");
  if (found == metadata.end() || !found->is_array()) return list;
  for (const nlohmann::json& maintainer : *found) {
    Value object = Value::Map();
    for (auto [key, field] : {std::pair{"email", "Email"}, {"name", "Name"}, {"url", "URL"}}) {
      object.mutable_map()[field] = StringField(maintainer, key);
    }
    list.mutable_list().push_back(std::move(object));
  }
  return list;
}

}  // namespace

Value MakeCapabilities(const Options& options, Status& status) {
  bool helm3 = options.helm_major == 3;
  std::string version = helm3 ? "v1.32.0" : "v1.35.0";
  if (!options.kube_version.empty()) {
    version = options.kube_version;
    if (!version.starts_with('v')) version = "v" + version;
    if (!tmpl::SemverSatisfies("*", version).ok() && !tmpl::SemverSatisfies("*-0", version).ok()) {
      status = Status::Invalid("invalid kube version '" + options.kube_version +
                               "': could not parse \"" + options.kube_version + "\" as version");
    }
  }
  std::string numbers = version.substr(1, version.find_first_of("-+") - 1);
  size_t dot = numbers.find('.');
  size_t second = numbers.find('.', dot + 1);
  Value kube = Value::Map();
  kube.mutable_map()["Version"] = Value::String(version);
  if (!helm3) {
    kube.mutable_map()["normalizedVersion"] =
        Value::String(version.substr(0, version.find_first_of("-+")));
  }
  kube.mutable_map()["Major"] = Value::String(numbers.substr(0, dot));
  kube.mutable_map()["Minor"] =
      Value::String(dot == std::string::npos ? "0" : numbers.substr(dot + 1, second - dot - 1));
  kube.set_methods(std::make_shared<KubeVersion>(helm3));

  std::vector<std::string> api_versions = DefaultApiVersions(helm3);
  api_versions.insert(api_versions.end(), options.api_versions.begin(), options.api_versions.end());
  Value apis = Value::StringList(api_versions);
  apis.set_methods(std::make_shared<VersionSet>(helm3));

  Value helm = Value::Map();
  helm.mutable_map()["Version"] = Value::String(helm3 ? "v3.17.2" : "v4.1.4");
  helm.mutable_map()["GitCommit"] =
      Value::String(helm3 ? "cc0bbbd6d6276b83880042c1ecb34087e84d41eb"
                          : "05fa37973dc9e42b76e1d2883494c87174b6074f");
  helm.mutable_map()["GitTreeState"] = Value::String("clean");
  helm.mutable_map()["GoVersion"] = Value::String(helm3 ? "go1.23.7" : "go1.25.9");
  if (!helm3) helm.mutable_map()["KubeClientVersion"] = Value::String("v1.35");
  helm.set_methods(BuildInfoType(helm3));

  Value capabilities = Value::Map();
  capabilities.mutable_map()["KubeVersion"] = kube;
  capabilities.mutable_map()["APIVersions"] = apis;
  capabilities.mutable_map()["HelmVersion"] = helm;
  capabilities.set_methods(CapabilitiesType(helm3));
  return capabilities;
}

Value MakeFiles(const std::vector<File>& files) {
  Value map = Value::Map();
  for (const File& file : files) map.mutable_map()[file.name] = Value::Bytes(file.data);
  map.set_methods(std::make_shared<FilesType>());
  return map;
}

Value MakeChartObject(const Chart& chart, bool is_root) {
  const nlohmann::json& metadata = chart.metadata;
  auto string_field = [&](const char* key) { return StringField(metadata, key); };
  auto list_field = [&](const char* key) {
    auto found = metadata.find(key);
    if (found == metadata.end() || !found->is_array()) return Value::List();
    return Value::FromJson(*found);
  };
  Value object = Value::Map();
  auto& map = object.mutable_map();
  map["APIVersion"] = Value::String(chart.api_version);
  map["Annotations"] = Value();
  if (auto found = metadata.find("annotations"); found != metadata.end() && found->is_object()) {
    Value annotations = Value::Map(ElemType::kString);
    for (const auto& [key, value] : found->items()) {
      annotations.mutable_map()[key] =
          Value::String(value.is_string() ? value.get<std::string>() : value.dump());
    }
    map["Annotations"] = annotations;
  }
  map["AppVersion"] = string_field("appVersion");
  map["Condition"] = string_field("condition");
  map["Dependencies"] = DependencyObjects(chart.dependencies);
  auto deprecated = metadata.find("deprecated");
  map["Deprecated"] = Value::Bool(deprecated != metadata.end() && deprecated->is_boolean() &&
                                  deprecated->get<bool>());
  map["Description"] = string_field("description");
  map["Home"] = string_field("home");
  map["Icon"] = string_field("icon");
  map["IsRoot"] = Value::Bool(is_root);
  map["Keywords"] = list_field("keywords");
  map["KubeVersion"] = string_field("kubeVersion");
  map["Maintainers"] = MaintainerObjects(metadata);
  map["Name"] = Value::String(chart.name);
  map["Sources"] = list_field("sources");
  map["Tags"] = string_field("tags");
  map["Type"] = string_field("type");
  map["Version"] = Value::String(chart.version);
  return object;
}

}  // namespace converge::sources::helm
