// Loading kustomizations and accumulating their resources: the order of
// api/internal/target/kusttarget.go, the load restrictor and cycle detection of the file
// loader, and the finishing steps of the top level.
#include <algorithm>
#include <set>

#include "base/strings.h"
#include "sources/kustomize/internal.h"
#include "sources/kustomize/kustomize.h"

namespace converge::sources::kustomize {
namespace {

constexpr const char* kFileNames[] = {"kustomization.yaml", "kustomization.yml", "Kustomization"};

const std::set<std::string>& KnownFields() {
  static const std::set<std::string> kFields = {"apiVersion",
                                                "kind",
                                                "metadata",
                                                "openapi",
                                                "namePrefix",
                                                "nameSuffix",
                                                "namespace",
                                                "commonLabels",
                                                "labels",
                                                "commonAnnotations",
                                                "patchesStrategicMerge",
                                                "patchesJson6902",
                                                "patches",
                                                "images",
                                                "imageTags",
                                                "replacements",
                                                "replicas",
                                                "vars",
                                                "sortOptions",
                                                "resources",
                                                "components",
                                                "crds",
                                                "bases",
                                                "configMapGenerator",
                                                "secretGenerator",
                                                "helmGlobals",
                                                "helmCharts",
                                                "helmChartInflationGenerator",
                                                "generatorOptions",
                                                "configurations",
                                                "generators",
                                                "transformers",
                                                "validators",
                                                "buildMetadata"};
  return kFields;
}

// The display root without a trailing slash: "/" becomes "".
std::string RootPrefix(std::string_view display_root) {
  while (display_root.ends_with('/')) display_root.remove_suffix(1);
  return std::string(display_root);
}

// Resolves `rel` against `dir` in tree terms: "." and ".." are folded; an absolute path must lie
// under the display root.
Result<std::string> ResolvePath(std::string_view dir, std::string_view rel,
                                const std::string& display_root) {
  std::string joined;
  if (rel.starts_with('/')) {
    std::string prefix = RootPrefix(display_root);
    if (display_root.empty() || !(std::string(rel) + "/").starts_with(prefix + "/")) {
      return Status::Invalid("'" + std::string(rel) + "' is outside the source tree");
    }
    joined = std::string(rel.substr(prefix.size()));
  } else {
    joined = tree::Join(dir, rel);
  }
  while (joined.starts_with('/')) joined.erase(0, 1);
  Result<std::string> cleaned = tree::CleanRelative(joined);
  if (!cleaned.ok()) {
    return Status::Invalid("'" + std::string(rel) + "' is outside the source tree");
  }
  return cleaned;
}

bool IsUnder(std::string_view path, std::string_view dir) {
  return dir.empty() || path == dir ||
         (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

bool IsRemote(std::string_view entry) {
  std::string lower;
  for (char c : entry) {
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (lower.starts_with("git::")) lower = lower.substr(5);
  for (const char* prefix :
       {"https://", "http://", "ssh://", "file://", "github.com/", "github.com:"}) {
    if (lower.starts_with(prefix)) return true;
  }
  size_t at = entry.find('@');
  if (at != std::string_view::npos && at > 0 &&
      std::isalpha(static_cast<unsigned char>(entry[0]))) {
    return std::all_of(entry.begin(), entry.begin() + static_cast<long>(at), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
    });
  }
  return false;
}

std::vector<std::string> StringList(const json& k, const char* field) {
  std::vector<std::string> out;
  auto it = k.find(field);
  if (it == k.end() || !it->is_array()) return out;
  for (const json& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string StringOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string_view JsonType(const json& value) {
  switch (value.type()) {
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "string";
  }
}

Status NotAString(const json& value, const std::string& go_field) {
  return Status::Invalid("invalid Kustomization: json: cannot unmarshal " +
                         std::string(JsonType(value)) + " into Go struct field " + go_field +
                         " of type string");
}

// The values of a map[string]string field, which Go refuses to read from anything else.
Status CheckStringMap(const json& map, const std::string& go_field) {
  if (!map.is_object()) return Status();
  for (const json& value : map) {
    if (!value.is_string() && !value.is_null()) return NotAString(value, go_field);
  }
  return Status();
}

Status CheckNestedStrings(const json& k) {
  for (const json& image : k.value("images", json::array())) {
    for (const char* field : {"name", "newName", "newTag", "digest"}) {
      if (image.is_object() && image.contains(field) && !image[field].is_string()) {
        return NotAString(image[field], std::string("Image.images.") + field);
      }
    }
  }
  for (const char* generator : {"configMapGenerator", "secretGenerator"}) {
    for (const json& args : k.value(generator, json::array())) {
      json options = args.is_object() ? args.value("options", json::object()) : json::object();
      for (const char* field : {"labels", "annotations"}) {
        std::string go_field =
            std::string("GeneratorOptions.") + generator + ".GeneratorArgs.options." + field;
        if (Status s = CheckStringMap(options.value(field, json()), go_field); !s.ok()) return s;
      }
    }
  }
  json global = k.value("generatorOptions", json::object());
  for (const char* field : {"labels", "annotations"}) {
    std::string go_field = std::string("GeneratorOptions.generatorOptions.") + field;
    if (Status s = CheckStringMap(global.value(field, json()), go_field); !s.ok()) return s;
  }
  for (const json& label : k.value("labels", json::array())) {
    if (!label.is_object()) continue;
    if (Status s = CheckStringMap(label.value("pairs", json()), "Label.labels.pairs"); !s.ok()) {
      return s;
    }
  }
  return Status();
}

// The checks Go's JSON decoder makes on the Kustomization struct that users run into.
Status CheckTypes(const json& k) {
  for (auto it = k.begin(); it != k.end(); ++it) {
    if (KnownFields().count(it.key()) == 0) {
      return Status::Invalid("invalid Kustomization: json: unknown field \"" + it.key() + "\"");
    }
  }
  for (const char* field : {"commonLabels", "commonAnnotations"}) {
    auto it = k.find(field);
    if (it == k.end() || !it->is_object()) continue;
    for (auto entry = it->begin(); entry != it->end(); ++entry) {
      if (!entry->is_string() && !entry->is_null()) {
        return Status::Invalid("invalid Kustomization: json: cannot unmarshal " +
                               std::string(JsonType(*entry)) +
                               " into Go struct field Kustomization." + field + " of type string");
      }
    }
  }
  for (auto [field, type] : {std::pair{"patches", "[]types.Patch"},
                             {"resources", "[]string"},
                             {"components", "[]string"},
                             {"bases", "[]string"},
                             {"images", "[]types.Image"},
                             {"replicas", "[]types.Replica"}}) {
    auto it = k.find(field);
    if (it != k.end() && !it->is_null() && !it->is_array()) {
      return Status::Invalid("invalid Kustomization: json: cannot unmarshal " +
                             std::string(JsonType(*it)) + " into Go struct field Kustomization." +
                             field + " of type " + type);
    }
  }
  if (Status s = CheckNestedStrings(k); !s.ok()) return s;
  auto patches = k.find("patches");
  if (patches != k.end() && patches->is_array()) {
    for (const json& patch : *patches) {
      if (!patch.is_object()) {
        return Status::Invalid("invalid Kustomization: json: cannot unmarshal " +
                               std::string(JsonType(patch)) +
                               " into Go struct field Kustomization.patches of type types.Patch");
      }
    }
  }
  return Status();
}

// Go's %v of a map[string]string: "map[a:b c:d]".
std::string GoMap(const json& map) {
  std::string out = "map[";
  if (map.is_object()) {
    bool first = true;
    for (auto it = map.begin(); it != map.end(); ++it) {
      out += (first ? "" : " ") + it.key() + ":" +
             (it->is_string() ? it->get<std::string>() : it->dump());
      first = false;
    }
  }
  return out + "]";
}

// How kyaml prints the type and object metadata of an object in messages.
std::string GoMetaString(const json& object) {
  json metadata = object.value("metadata", json::object());
  return "{{" + StringOf(object, "apiVersion") + " " + StringOf(object, "kind") + "} {{" +
         StringOf(metadata, "name") + " " + StringOf(metadata, "namespace") + "} " +
         GoMap(metadata.value("labels", json())) + " " +
         GoMap(metadata.value("annotations", json())) + "}}";
}

// Go's %q of a string.
std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

class Builder {
 public:
  Builder(const tree::FileTree& tree, const Options& options) : tree_(tree), options_(options) {}

  std::string Abs(std::string_view path) const {
    if (options_.display_root.empty()) return std::string(path);
    std::string prefix = RootPrefix(options_.display_root);
    return path.empty() && !prefix.empty() ? prefix : prefix + "/" + std::string(path);
  }

  Result<json> LoadKustomization(const std::string& dir) {
    std::vector<std::string> found;
    for (const char* name : kFileNames) {
      Result<tree::EntryType> type = tree_.Stat(tree::Join(dir, name));
      if (type.ok() && *type == tree::EntryType::kFile) found.push_back(name);
    }
    if (found.empty()) {
      return Status::NotFound(
          "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in "
          "directory '" +
          Abs(dir) + "'");
    }
    if (found.size() > 1) {
      return Status::Invalid("Found multiple kustomization files under: " + Abs(dir));
    }
    std::string file = tree::Join(dir, found.front());
    Result<std::string> text = tree_.Read(file);
    if (!text.ok()) return text.status();
    Result<std::vector<kube::Document>> docs = kube::DecodeStream(*text, Abs(file));
    if (!docs.ok()) return docs.status();
    json k = docs->empty() || docs->front().value.is_null() ? json::object() : docs->front().value;
    if (!k.is_object()) {
      return Status::Invalid("invalid Kustomization: json: cannot unmarshal " +
                             std::string(JsonType(k)) +
                             " into Go value of type types.Kustomization");
    }
    if (Status s = CheckTypes(k); !s.ok()) return s;
    bool only_meta =
        std::all_of(k.begin(), k.end(), [](const json&) { return true; }) &&
        std::none_of(k.items().begin(), k.items().end(), [](const auto& item) {
          return item.key() != "apiVersion" && item.key() != "kind" && item.key() != "metadata";
        });
    if (only_meta) return Status::Invalid("kustomization.yaml is empty");
    return k;
  }

  Status CheckCycle(const std::string& dir) const {
    for (auto it = visiting_.rbegin(); it != visiting_.rend(); ++it) {
      const std::string& visited = *it;
      if (IsUnder(visited, dir)) {
        return Status::Invalid("cycle detected: candidate root '" + Abs(dir) +
                               "' contains visited root '" + Abs(visited) + "'");
      }
    }
    return Status();
  }

  // The kustomization of a base directory, refusing components.
  Result<json> LoadBase(const std::string& dir) {
    Result<json> k = LoadKustomization(dir);
    if (!k.ok()) return k;
    if (k->value("kind", "Kustomization") == "Component") {
      return Status::Invalid("expected kind != 'Component' for path '" + Abs(dir) + "'");
    }
    return k;
  }

  // A kustomization's own accumulation: its transformers see the field specs of its
  // configurations and crds and of those it accumulates; its parent sees them too.
  Result<ResMap> AccumulateDir(const std::string& dir, const json& k) {
    visiting_.push_back(dir);
    configs_.emplace_back();
    ResMap resources;
    Status status = Accumulate(dir, k, resources);
    visiting_.pop_back();
    TransformerConfig config = std::move(configs_.back());
    configs_.pop_back();
    if (!configs_.empty()) configs_.back().Merge(config);
    if (!status.ok()) return status;
    config_ = std::move(config);
    return resources;
  }

  // The top-level kustomization, with Argo CD's overrides.
  Result<json> LoadRoot(const std::string& dir) {
    Result<json> k = LoadBase(dir);
    if (!k.ok()) return k.status();
    return ApplyOverrides(std::move(*k), options_.overrides);
  }

  Result<std::string> ReadRestricted(const std::string& dir, std::string_view rel) {
    Result<std::string> path = ResolvePath(dir, rel, options_.display_root);
    if (!path.ok()) return path.status();
    if (!options_.no_load_restrictor && !IsUnder(*path, dir)) {
      return Status::Invalid("security; file '" + Abs(*path) + "' is not in or below '" + Abs(dir) +
                             "'");
    }
    Result<std::string> text = tree_.Read(*path);
    if (!text.ok()) {
      return Status::NotFound("evalsymlink failure on '" + Abs(*path) + "' : lstat " + Abs(*path) +
                              ": no such file or directory");
    }
    return text;
  }

  // A resource file: YAML 1.2 documents (kyaml), Lists expanded after the other documents.
  Status LoadResourceFile(const std::string& file, const std::string& text, ResMap& out) {
    Result<std::vector<kube::Document>> docs =
        kube::DecodeStream(text, Abs(file), kube::DecodeOptions{.yaml_1_2 = true});
    if (!docs.ok()) return docs.status();
    std::vector<json> objects;
    std::vector<json> items;
    for (kube::Document& doc : *docs) {
      if (doc.value.is_null()) continue;
      if (!doc.value.is_object()) {
        return Status::Invalid("missing Resource metadata in " + Abs(file));
      }
      std::string kind = StringOf(doc.value, "kind");
      if (kind.ends_with("List") && doc.value.contains("items") && doc.value["items"].is_array()) {
        for (json& item : doc.value["items"]) items.push_back(std::move(item));
        continue;
      }
      objects.push_back(std::move(doc.value));
    }
    for (json& item : items) objects.push_back(std::move(item));
    for (json& object : objects) {
      if (StringAt(object, {"metadata", "name"}).empty()) {
        return Status::Invalid("missing metadata.name in object " + GoMetaString(object));
      }
      if (StringOf(object, "kind").empty()) {
        return Status::Invalid("missing kind in object " + GoMetaString(object));
      }
      Resource resource{.object = kube::Object(std::move(object))};
      if (Status s = Append(out, std::move(resource)); !s.ok()) return s;
    }
    return Status();
  }

  static Status Append(ResMap& out, Resource resource) {
    ResId id = resource.Id();
    for (const Resource& existing : out) {
      ResId other = existing.Id();
      if (other.group == id.group && other.version == id.version && other.kind == id.kind &&
          other.name == id.name && SameNamespace(other.ns, id.ns)) {
        return Status::Invalid("may not add resource with an already registered id: " +
                               id.ToString());
      }
    }
    out.push_back(std::move(resource));
    return Status();
  }

  Status AccumulateResource(const std::string& dir, const std::string& entry, ResMap& out) {
    if (IsRemote(entry)) {
      return Status::Invalid("accumulating resources: '" + entry +
                             "': remote resources are not supported by Converge's kustomize "
                             "renderer; vendor the base into the repository");
    }
    Result<std::string> path = ResolvePath(dir, entry, options_.display_root);
    if (!path.ok()) return path.status().Wrap("accumulating resources");
    Result<tree::EntryType> type = tree_.Stat(*path);
    if (type.ok() && *type == tree::EntryType::kDirectory) {
      std::string context =
          "accumulating resources: accumulation err='accumulating resources from '" + entry +
          "': '" + Abs(*path) + "' must resolve to a file'";
      if (Status s = CheckCycle(*path); !s.ok()) return s.Wrap(context);
      Result<json> k = LoadBase(*path);
      if (!k.ok()) {
        return k.status().Wrap(context + ": couldn't make target for path '" + Abs(*path) + "'");
      }
      Result<ResMap> base = AccumulateDir(*path, *k);
      if (!base.ok()) {
        return base.status().Wrap(context + ": recursed accumulation of path '" + Abs(*path) + "'");
      }
      for (Resource& resource : *base) {
        if (Status s = Append(out, std::move(resource)); !s.ok()) {
          return s.Wrap(context + ": recursed merging from path '" + Abs(*path) + "'");
        }
      }
      return Status();
    }
    Result<std::string> text = ReadRestricted(dir, entry);
    if (!text.ok()) {
      std::string message = text.status().message();
      return Status::Invalid(
          "accumulating resources: accumulation err='accumulating resources "
          "from '" +
          entry + "': " + message + "': must build at directory: " +
          (type.ok() ? "'" + Abs(*path) + "': file is not directory"
                     : "not a valid directory: " + message));
    }
    Status status = LoadResourceFile(*path, *text, out);
    if (!status.ok()) {
      return Status::Invalid(
          "accumulating resources: accumulation err='accumulating resources "
          "from '" +
          entry + "': " + status.message() + "': must build at directory: '" + Abs(*path) +
          "': file is not directory");
    }
    return status;
  }

  Status Accumulate(const std::string& dir, const json& k, ResMap& acc) {
    std::vector<std::string> entries = StringList(k, "resources");
    for (const std::string& base : StringList(k, "bases")) entries.push_back(base);
    for (const std::string& entry : entries) {
      if (Status s = AccumulateResource(dir, entry, acc); !s.ok()) return s;
    }
    if (Status s = LoadConfigurations(dir, k); !s.ok()) return s;
    if (Status s = RunGenerators(dir, k, acc); !s.ok()) return s;
    for (const std::string& component : StringList(k, "components")) {
      Result<std::string> path = ResolvePath(dir, component, options_.display_root);
      if (!path.ok()) return path.status();
      if (Status s = CheckCycle(*path); !s.ok()) {
        return Status::Invalid("accumulating components: loader.New " + GoQuote(s.message()));
      }
      Result<json> ck = LoadKustomization(*path);
      if (!ck.ok()) return ck.status().Wrap("accumulating components");
      if (ck->value("kind", "Kustomization") != "Component") {
        return Status::Invalid(
            "accumulating components: accumulateDirectory: \"expected kind 'Component' for path '" +
            Abs(*path) + "' but got '" + ck->value("kind", "Kustomization") + "'\"");
      }
      visiting_.push_back(*path);
      Status status = Accumulate(*path, *ck, acc);
      visiting_.pop_back();
      if (!status.ok()) {
        return Status::Invalid(
            "accumulating components: accumulateDirectory: " +
            GoQuote("recursed accumulation of path '" + Abs(*path) + "': " + status.message()));
      }
    }
    return Transform(dir, k, acc);
  }

  // The field specs of `configurations` and `crds` files, added to the current accumulation.
  Status LoadConfigurations(const std::string& dir, const json& k) {
    for (const std::string& entry : StringList(k, "configurations")) {
      Result<json> document = LoadConfigDocument(dir, entry);
      if (!document.ok()) return document.status();
      Result<TransformerConfig> config = ParseConfigurations(*document);
      if (!config.ok()) return config.status().Wrap(Abs(tree::Join(dir, entry)));
      configs_.back().Merge(*config);
    }
    std::vector<std::string> crds = StringList(k, "crds");
    std::string context = "loading CRDs [";
    for (const std::string& entry : crds) context += (entry == crds.front() ? "" : " ") + entry;
    context += "]";
    for (const std::string& entry : crds) {
      Result<json> document = LoadConfigDocument(dir, entry);
      if (!document.ok()) return document.status().Wrap(context);
      Result<TransformerConfig> config = ParseCrdDefinitions(*document);
      if (!config.ok()) {
        return config.status()
            .Wrap("unable to parse open API definition from '" + entry + "'")
            .Wrap(context);
      }
      configs_.back().Merge(*config);
    }
    return Status();
  }

  Result<json> LoadConfigDocument(const std::string& dir, const std::string& entry) {
    Result<std::string> text = ReadRestricted(dir, entry);
    if (!text.ok()) return text.status();
    Result<std::vector<kube::Document>> docs =
        kube::DecodeStream(*text, Abs(tree::Join(dir, entry)));
    if (!docs.ok()) return docs.status();
    return docs->empty() ? json() : docs->front().value;
  }

  Status RunGenerators(const std::string& dir, const json& k, ResMap& acc) {
    ReadFile read = [&](std::string_view rel) { return ReadRestricted(dir, rel); };
    json global = k.value("generatorOptions", json::object());
    for (const char* field : {"configMapGenerator", "secretGenerator"}) {
      auto it = k.find(field);
      if (it == k.end() || !it->is_array()) continue;
      for (const json& args : *it) {
        Result<Resource> generated = std::string_view(field) == "secretGenerator"
                                         ? GenerateSecret(args, global, read)
                                         : GenerateConfigMap(args, global, read);
        if (!generated.ok()) return generated.status();
        std::string behavior = args.value("behavior", "create");
        if (Status s = AbsorbGenerated(acc, std::move(*generated), behavior); !s.ok()) {
          return s.Wrap("merging from generator");
        }
      }
    }
    if (Status s = InflateHelmCharts(dir, HelmChartEntries(k), acc); !s.ok()) return s;
    return RunGeneratorConfigs(dir, k, acc);
  }

  // `generators` entries: built-in generator configurations, in files or inline.
  Status RunGeneratorConfigs(const std::string& dir, const json& k, ResMap& acc) {
    for (const std::string& entry : StringList(k, "generators")) {
      bool inline_config = entry.find('\n') != std::string::npos;
      Result<std::string> path = ResolvePath(dir, entry, options_.display_root);
      Result<tree::EntryType> type = path.ok() && !inline_config
                                         ? tree_.Stat(*path)
                                         : Result<tree::EntryType>(Status::NotFound(entry));
      if (type.ok() && *type == tree::EntryType::kDirectory) {
        return Status::Invalid("generators: '" + entry +
                               "': a kustomization of generator configurations is not supported "
                               "by Converge's kustomize renderer");
      }
      Result<std::string> text =
          inline_config ? Result<std::string>(entry) : ReadRestricted(dir, entry);
      if (!text.ok()) return text.status();
      Result<std::vector<kube::Document>> docs =
          kube::DecodeStream(*text, Abs(tree::Join(dir, inline_config ? "" : entry)),
                             kube::DecodeOptions{.yaml_1_2 = true});
      if (!docs.ok()) return docs.status();
      for (const kube::Document& doc : *docs) {
        if (Status s = RunGeneratorConfig(dir, doc.value, acc); !s.ok()) return s;
      }
    }
    return Status();
  }

  Status RunGeneratorConfig(const std::string& dir, const json& config, ResMap& acc) {
    if (!config.is_object()) return Status();
    std::string kind = StringOf(config, "kind");
    if (StringOf(config, "apiVersion") != "builtin") {
      return Status::Invalid(
          "loading generator plugins: failed to load generator: external plugins disabled; unable "
          "to load external plugin '" +
          kind + "'");
    }
    if (kind == "HelmChartInflationGenerator") {
      json entry = config;
      if (StringOf(entry, "chartHome").empty()) entry["chartHome"] = "charts";
      return InflateHelmCharts(dir, json::array({entry}), acc);
    }
    if (kind != "ConfigMapGenerator" && kind != "SecretGenerator") {
      return Status::Invalid("builtin generator " + kind +
                             " is not supported by Converge's kustomize renderer");
    }
    json args = config;
    json metadata = config.value("metadata", json::object());
    args["name"] = metadata.value("name", json(""));
    if (metadata.contains("namespace")) args["namespace"] = metadata["namespace"];
    ReadFile read = [&](std::string_view rel) { return ReadRestricted(dir, rel); };
    Result<Resource> generated = kind == "SecretGenerator"
                                     ? GenerateSecret(args, json::object(), read)
                                     : GenerateConfigMap(args, json::object(), read);
    if (!generated.ok()) return generated.status();
    Status status = AbsorbGenerated(acc, std::move(*generated), args.value("behavior", "create"));
    return status.Wrap("merging from generator");
  }

  Status InflateHelmCharts(const std::string& dir, const json& entries, ResMap& acc) {
    HelmContext context{
        .tree = tree_,
        .resolve =
            [&](std::string_view rel) { return ResolvePath(dir, rel, options_.display_root); },
        .read = [&](std::string_view rel) { return ReadRestricted(dir, rel); },
        .abs = [&](std::string_view path) { return Abs(path); },
    };
    for (const json& entry : entries) {
      Result<std::string> text = InflateHelmChart(entry, context);
      if (!text.ok()) return text.status();
      ResMap generated;
      std::string source = tree::Join(StringOf(entry, "chartHome"), StringOf(entry, "name"));
      if (Status s = LoadResourceFile(tree::Join(dir, source), *text, generated); !s.ok()) {
        return s.Wrap("could not parse rnode slice into resource map");
      }
      for (Resource& resource : generated) {
        if (Status s = AbsorbGenerated(acc, std::move(resource), ""); !s.ok()) {
          return s.Wrap("merging from generator");
        }
      }
    }
    return Status();
  }

  // A patch's text: inline, or a file under the kustomization.
  Result<std::string> PatchText(const std::string& dir, const json& entry) {
    if (entry.contains("patch")) return StringOf(entry, "patch");
    return ReadRestricted(dir, StringOf(entry, "path"));
  }

  Status ApplyPatch(const std::string& dir, const json& entry, ResMap& acc) {
    Result<std::string> text = PatchText(dir, entry);
    if (!text.ok()) {
      return text.status().Wrap("trouble configuring builtin PatchTransformer with config: `\n" +
                                kube::EncodeYaml(entry) + "`");
    }
    Result<std::vector<kube::Document>> docs =
        kube::DecodeStream(*text, "patch", kube::DecodeOptions{.yaml_1_2 = true});
    if (!docs.ok()) return docs.status().Wrap("unable to parse SM or JSON patch");
    std::vector<json> values;
    for (kube::Document& doc : *docs) {
      if (!doc.value.is_null()) values.push_back(std::move(doc.value));
    }
    if (values.empty()) return Status();
    bool json_patch = values.size() == 1 && values.front().is_array();
    auto target = entry.find("target");
    if (json_patch) {
      if (target == entry.end()) {
        return Status::Invalid(
            "must specify a target for JSON patch [patch: " + GoQuote(TrimRight(*text)) + "]");
      }
      return ApplyJsonPatchTo(acc, *target, *text);
    }
    json options = entry.value("options", json::object());
    bool allow_name = options.value("allowNameChange", false);
    bool allow_kind = options.value("allowKindChange", false);
    if (target != entry.end()) {
      if (values.size() > 1) {
        return Status::Invalid(
            "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set "
            "`patches.target` field: [patch: " +
            GoQuote(TrimRight(*text)) + "]");
      }
      Result<Selector> selector = ParseSelector(*target);
      if (!selector.ok()) return selector.status();
      Result<std::vector<Resource*>> selected = Select(acc, *selector);
      if (!selected.ok()) return selected.status();
      std::vector<Resource*> doomed;
      for (Resource* resource : *selected) {
        if (Status s = MergeInto(*resource, values.front(), allow_name, allow_kind); !s.ok()) {
          return s;
        }
        if (resource->object.json().is_null()) doomed.push_back(resource);
      }
      Erase(acc, doomed);
      return Status();
    }
    for (const json& patch : values) {
      if (Status s = ApplyUntargeted(acc, patch, allow_name, allow_kind); !s.ok()) return s;
    }
    return Status();
  }

  static void Erase(ResMap& acc, const std::vector<Resource*>& doomed) {
    if (doomed.empty()) return;
    std::erase_if(acc, [&](const Resource& r) { return r.object.json().is_null(); });
  }

  static Status MergeInto(Resource& resource, const json& patch, bool allow_name, bool allow_kind) {
    ResId before = resource.Id();
    Result<json> merged = MergePatch(resource.object.json(), patch, before);
    if (!merged.ok()) return merged.status();
    if (merged->is_null()) {
      resource.object = kube::Object(json());
      return Status();
    }
    json& object = *merged;
    if (!allow_kind) {
      object["kind"] = before.kind;
      object["apiVersion"] = resource.object.json().value("apiVersion", json());
    }
    std::string new_name = StringAt(object, {"metadata", "name"}).data();
    object["metadata"]["name"] = before.name;
    if (before.ns.empty()) {
      object["metadata"].erase("namespace");
    } else {
      object["metadata"]["namespace"] = before.ns;
    }
    resource.object = kube::Object(std::move(object), resource.object.origin());
    if (allow_name && new_name != before.name) resource.Rename(new_name, before.ns);
    return Status();
  }

  static Status ApplyUntargeted(ResMap& acc, const json& patch, bool allow_name, bool allow_kind) {
    kube::Object patch_object(patch);
    ResId id = IdOf(patch_object);
    std::vector<Resource*> matches;
    for (Resource& resource : acc) {
      bool hit = false;
      std::vector<ResId> ids = resource.previous;
      ids.push_back(resource.Id());
      for (const ResId& candidate : ids) {
        hit = hit || (candidate.group == id.group && candidate.version == id.version &&
                      candidate.kind == id.kind && candidate.name == id.name &&
                      SameNamespace(candidate.ns, id.ns));
      }
      if (hit) matches.push_back(&resource);
    }
    if (matches.empty()) {
      return Status::Invalid("no resource matches strategic merge patch \"" + id.ToString() +
                             "\": no matches for Id " + id.ToString() +
                             "; failed to find unique target for patch " + id.ToString());
    }
    if (matches.size() > 1) {
      return Status::Invalid("multiple resources match strategic merge patch \"" + id.ToString() +
                             "\"");
    }
    if (Status s = MergeInto(*matches.front(), patch, allow_name, allow_kind); !s.ok()) return s;
    Erase(acc, matches.front()->object.json().is_null() ? matches : std::vector<Resource*>{});
    return Status();
  }

  Status ApplyPatchesStrategicMerge(const std::string& dir, const json& k, ResMap& acc) {
    auto it = k.find("patchesStrategicMerge");
    if (it == k.end() || !it->is_array()) return Status();
    for (const json& item : *it) {
      if (!item.is_string()) continue;
      std::string value = item.get<std::string>();
      json entry =
          value.find('\n') != std::string::npos ? json{{"patch", value}} : json{{"path", value}};
      if (Status s = ApplyPatch(dir, entry, acc); !s.ok()) return s;
    }
    return Status();
  }

  Status ApplyPatchesJson6902(const std::string& dir, const json& k, ResMap& acc) {
    auto it = k.find("patchesJson6902");
    if (it == k.end() || !it->is_array()) return Status();
    for (const json& item : *it) {
      Result<std::string> text = PatchText(dir, item);
      if (!text.ok()) return text.status();
      Status status = ApplyJsonPatchTo(acc, item.value("target", json::object()), *text);
      if (!status.ok()) return status;
    }
    return Status();
  }

  // A JSON 6902 patch (YAML or JSON text) applied to every object `target` selects.
  static Status ApplyJsonPatchTo(ResMap& acc, const json& target, const std::string& text) {
    Result<std::vector<kube::Document>> ops = kube::DecodeStream(text, "patch");
    if (!ops.ok()) return ops.status();
    if (ops->empty()) return Status();
    Result<Selector> selector = ParseSelector(target);
    if (!selector.ok()) return selector.status();
    Result<std::vector<Resource*>> selected = Select(acc, *selector);
    if (!selected.ok()) return selected.status();
    for (Resource* resource : *selected) {
      Status status = ApplyJsonPatch(resource->object.mutable_json(), ops->front().value);
      if (!status.ok()) return status;
    }
    return Status();
  }

  Status ApplyLabels(const json& k, ResMap& acc) {
    auto labels = k.find("labels");
    if (labels != k.end() && labels->is_array()) {
      for (const json& entry : *labels) {
        std::vector<FieldSpec> specs = ParseFieldSpecs(entry.value("fields", json()));
        if (entry.value("includeSelectors", false)) {
          for (const FieldSpec& spec :
               WithExtra(CommonLabelSpecs(), configs_.back().common_labels)) {
            specs.push_back(spec);
          }
        } else if (entry.value("includeTemplates", false)) {
          for (const FieldSpec& spec : TemplateLabelSpecs()) specs.push_back(spec);
        } else {
          specs.push_back(TemplateLabelSpecs().front());
        }
        if (Status s = AddMapEntries(acc, entry.value("pairs", json::object()), specs); !s.ok()) {
          return s;
        }
      }
    }
    return AddMapEntries(acc, k.value("commonLabels", json::object()),
                         WithExtra(CommonLabelSpecs(), configs_.back().common_labels));
  }

  Status RunTransformerConfigs(const std::string& dir, const json& k, ResMap& acc) {
    for (const std::string& entry : StringList(k, "transformers")) {
      Result<std::string> text = entry.find('\n') != std::string::npos ? Result<std::string>(entry)
                                                                       : ReadRestricted(dir, entry);
      if (!text.ok()) return text.status();
      Result<std::vector<kube::Document>> docs =
          kube::DecodeStream(*text, Abs(tree::Join(dir, entry)));
      if (!docs.ok()) return docs.status();
      for (const kube::Document& doc : *docs) {
        if (Status s = RunBuiltin(doc.value, acc); !s.ok()) return s;
      }
    }
    return Status();
  }

  static Status RunBuiltin(const json& config, ResMap& acc) {
    if (!config.is_object()) return Status();
    std::string kind = StringOf(config, "kind");
    if (StringOf(config, "apiVersion") != "builtin") {
      return Status::Invalid("external plugins disabled; unable to load external plugin '" + kind +
                             "'");
    }
    std::vector<FieldSpec> specs = ParseFieldSpecs(config.value("fieldSpecs", json()));
    if (kind == "LabelTransformer") {
      return AddMapEntries(acc, config.value("labels", json::object()), specs);
    }
    if (kind == "AnnotationsTransformer") {
      return AddMapEntries(acc, config.value("annotations", json::object()), specs);
    }
    if (kind == "NamespaceTransformer") {
      return SetNamespace(acc, StringAt(config, {"metadata", "namespace"}).data());
    }
    if (kind == "PrefixSuffixTransformer" || kind == "PrefixTransformer" ||
        kind == "SuffixTransformer") {
      return AddNamePrefixSuffix(acc, StringOf(config, "prefix"), StringOf(config, "suffix"));
    }
    if (kind == "ImageTagTransformer") {
      return TransformImages(acc, json::array({config.value("imageTag", json::object())}), {});
    }
    if (kind == "ReplicaCountTransformer") {
      return TransformReplicas(acc, json::array({config.value("replica", json::object())}), {});
    }
    return Status::Invalid("builtin transformer " + kind +
                           " is not supported by Converge's kustomize renderer yet");
  }

  // Inline replacements, with `path:` entries replaced by the replacement (or list of them) in
  // that file.
  Result<json> LoadReplacements(const std::string& dir, const json& entries) {
    json out = json::array();
    if (!entries.is_array()) return out;
    for (const json& entry : entries) {
      if (!entry.is_object() || !entry.contains("path")) {
        out.push_back(entry);
        continue;
      }
      Result<std::string> text = ReadRestricted(dir, StringOf(entry, "path"));
      if (!text.ok()) return text.status();
      Result<std::vector<kube::Document>> docs =
          kube::DecodeStream(*text, Abs(tree::Join(dir, StringOf(entry, "path"))));
      if (!docs.ok()) return docs.status();
      for (const kube::Document& doc : *docs) {
        if (doc.value.is_array()) {
          for (const json& item : doc.value) out.push_back(item);
        } else if (doc.value.is_object()) {
          out.push_back(doc.value);
        }
      }
    }
    return out;
  }

  Status Transform(const std::string& dir, const json& k, ResMap& acc) {
    const TransformerConfig& config = configs_.back();
    if (Status s = ApplyPatchesStrategicMerge(dir, k, acc); !s.ok()) return s;
    auto patches = k.find("patches");
    if (patches != k.end() && patches->is_array()) {
      for (const json& entry : *patches) {
        if (Status s = ApplyPatch(dir, entry, acc); !s.ok()) return s;
      }
    }
    if (Status s = SetNamespace(acc, StringOf(k, "namespace")); !s.ok()) return s;
    if (Status s = AddNamePrefixSuffix(acc, StringOf(k, "namePrefix"), ""); !s.ok()) return s;
    if (Status s = AddNamePrefixSuffix(acc, "", StringOf(k, "nameSuffix")); !s.ok()) return s;
    if (Status s = ApplyLabels(k, acc); !s.ok()) return s;
    if (Status s = AddMapEntries(acc, k.value("commonAnnotations", json::object()),
                                 WithExtra(CommonAnnotationSpecs(), config.common_annotations));
        !s.ok()) {
      return s;
    }
    if (Status s = ApplyPatchesJson6902(dir, k, acc); !s.ok()) return s;
    if (Status s = TransformReplicas(acc, k.value("replicas", json::array()), config.replicas);
        !s.ok()) {
      return s;
    }
    if (Status s = TransformImages(acc, k.value("images", json::array()), config.images); !s.ok()) {
      return s;
    }
    Result<json> replacements = LoadReplacements(dir, k.value("replacements", json::array()));
    if (!replacements.ok()) return replacements.status();
    if (Status s = ApplyReplacements(acc, *replacements); !s.ok()) return s;
    if (Status s = RunTransformerConfigs(dir, k, acc); !s.ok()) return s;
    auto vars = k.find("vars");
    if (vars != k.end() && vars->is_array()) {
      for (const json& var : *vars) vars_.push_back(var);
    }
    return Status();
  }

  const std::vector<json>& vars() const { return vars_; }
  // The top kustomization's field specs, once built.
  const TransformerConfig& config() const { return config_; }

 private:
  const tree::FileTree& tree_;
  const Options& options_;
  std::vector<std::string> visiting_;
  std::vector<json> vars_;
  std::vector<TransformerConfig> configs_;  // one per kustomization being accumulated
  TransformerConfig config_;
};

bool IsLocalConfig(const kube::Object& object) {
  const json& annotations = object.Annotations();
  auto it = annotations.find("config.kubernetes.io/local-config");
  return it != annotations.end() && !(it->is_string() && it->get<std::string>() == "false");
}

}  // namespace

bool IsKustomization(const tree::FileTree& tree, std::string_view dir) {
  return std::any_of(std::begin(kFileNames), std::end(kFileNames), [&](const char* name) {
    Result<tree::EntryType> type = tree.Stat(tree::Join(dir, name));
    return type.ok() && *type == tree::EntryType::kFile;
  });
}

Result<std::vector<kube::Object>> Build(const tree::FileTree& tree, std::string_view dir,
                                        const Options& options) {
  Builder builder(tree, options);
  Result<json> k = builder.LoadRoot(std::string(dir));
  if (!k.ok()) return k.status();
  Result<ResMap> resources = builder.AccumulateDir(std::string(dir), *k);
  if (!resources.ok()) return resources.status();
  AddHashSuffixes(*resources);
  if (Status s = FixNameReferences(*resources, builder.config().name_references); !s.ok()) {
    return s;
  }
  if (Status s = SubstituteVars(*resources, json(builder.vars())); !s.ok()) return s;
  std::erase_if(*resources, [](const Resource& r) { return IsLocalConfig(r.object); });
  json sort_options = k->value("sortOptions", json::object());
  if (sort_options.value("order", "legacy") != "fifo") LegacySort(*resources, sort_options);
  std::vector<kube::Object> out;
  out.reserve(resources->size());
  for (Resource& resource : *resources) out.push_back(std::move(resource.object));
  return out;
}

std::string Print(const std::vector<kube::Object>& objects) {
  std::string out;
  for (size_t i = 0; i < objects.size(); ++i) {
    if (i > 0) out += "---\n";
    out += kube::EncodeYaml(objects[i].json());
  }
  return out;
}

}  // namespace converge::sources::kustomize
