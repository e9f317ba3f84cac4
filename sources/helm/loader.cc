// Chart loading as pkg/chart/v2/loader does it: the files of a directory (filtered by the root
// .helmignore) or an archive are sorted into metadata, values, schema, templates, files and
// sub-charts, then validated.

#include <algorithm>
#include <cstdlib>
#include <map>

#include "kube/kube.h"
#include "sources/helm/internal.h"
#include "sources/helm/template/template.h"

namespace converge::sources::helm {
namespace {

using tmpl::Value;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// One .helmignore rule (pkg/ignore).
struct IgnoreRule {
  std::string pattern;
  bool negate = false;
  bool must_dir = false;
  enum class Scope { kBase, kPath } scope = Scope::kBase;
};

Result<std::vector<IgnoreRule>> ParseIgnore(std::string_view text) {
  std::vector<IgnoreRule> rules;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = TrimSpace(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.starts_with('#')) continue;
    if (line.find("**") != std::string_view::npos) {
      return Status::Invalid("double-star (**) syntax is not supported");
    }
    IgnoreRule rule;
    if (line.starts_with('!')) {
      rule.negate = true;
      line.remove_prefix(1);
    }
    if (line.ends_with('/')) {
      rule.must_dir = true;
      line.remove_suffix(1);
    }
    if (line.starts_with('/')) {
      line.remove_prefix(1);
      rule.scope = IgnoreRule::Scope::kPath;
    } else if (line.find('/') != std::string_view::npos) {
      rule.scope = IgnoreRule::Scope::kPath;
    }
    rule.pattern = std::string(line);
    rules.push_back(std::move(rule));
  }
  return rules;
}

// Helm's Rules.Ignore, including its reading of negated rules: a path a negated rule does not
// match is ignored.
bool Ignored(const std::vector<IgnoreRule>& rules, std::string_view path, bool is_dir) {
  for (const IgnoreRule& rule : rules) {
    std::string_view subject = path;
    if (rule.scope == IgnoreRule::Scope::kBase) {
      size_t slash = path.rfind('/');
      if (slash != std::string_view::npos) subject = path.substr(slash + 1);
    }
    if (rule.negate) {
      if (rule.must_dir && !is_dir) return true;
      if (!PathMatch(rule.pattern, subject)) return true;
      continue;
    }
    if (rule.must_dir && !is_dir) continue;
    if (PathMatch(rule.pattern, subject)) return true;
  }
  return false;
}

std::shared_ptr<const std::string> StripBom(std::shared_ptr<const std::string> data) {
  if (!std::string_view(*data).starts_with(kBom)) return data;
  return std::make_shared<const std::string>(data->substr(kBom.size()));
}

Status WalkDirectory(const tree::FileTree& tree, const std::string& root, const std::string& dir,
                     const std::vector<IgnoreRule>& rules, std::vector<File>& files) {
  Result<std::vector<tree::Entry>> entries = tree.List(tree::Join(root, dir));
  if (!entries.ok()) return entries.status();
  for (const tree::Entry& entry : *entries) {
    std::string name = tree::Join(dir, entry.name);
    bool is_dir = entry.type == tree::EntryType::kDirectory;
    if (Ignored(rules, name, is_dir)) continue;
    if (is_dir) {
      if (Status s = WalkDirectory(tree, root, name, rules, files); !s.ok()) return s;
      continue;
    }
    Result<std::string> data = tree.Read(tree::Join(root, name));
    if (!data.ok()) return data.status().Wrap("error reading " + name);
    files.push_back({.name = std::move(name),
                     .data = StripBom(std::make_shared<const std::string>(std::move(*data)))});
  }
  return Status();
}

Result<std::vector<File>> ReadDirectory(const tree::FileTree& tree, const std::string& root) {
  std::vector<IgnoreRule> rules;
  if (Result<std::string> ignore = tree.Read(tree::Join(root, ".helmignore")); ignore.ok()) {
    Result<std::vector<IgnoreRule>> parsed = ParseIgnore(*ignore);
    if (!parsed.ok()) return parsed.status();
    rules = std::move(*parsed);
  }
  rules.push_back({.pattern = "templates/.?*", .scope = IgnoreRule::Scope::kPath});
  std::vector<File> files;
  if (Status s = WalkDirectory(tree, root, "", rules, files); !s.ok()) return s;
  return files;
}

// The entries of an archive, named without their top directory (LoadArchiveFiles).
Result<std::vector<File>> ReadArchive(std::string_view bytes) {
  Result<std::vector<File>> entries = ReadTarGz(bytes);
  if (!entries.ok()) return entries.status();
  std::vector<File> files;
  for (File& entry : *entries) {
    std::replace(entry.name.begin(), entry.name.end(), '\\', '/');
    size_t slash = entry.name.find('/');
    if (slash == std::string::npos) {
      if (entry.name == "Chart.yaml") return Status::Invalid("chart yaml not in base directory");
      return Status::Invalid("chart illegally contains content outside the base directory: \"" +
                             entry.name + "\"");
    }
    std::string name = entry.name.substr(slash + 1);
    if (name.starts_with('/')) return Status::Invalid("chart illegally contains absolute paths");
    Result<std::string> clean = tree::CleanRelative(name);
    if (!clean.ok()) return Status::Invalid("chart illegally references parent directory");
    files.push_back({.name = std::move(*clean), .data = StripBom(std::move(entry.data))});
  }
  return files;
}

// A Chart.yaml string field; helm4 also takes numbers there (`version: 1`, `appVersion: 1.10`
// reads "1.1").
std::string StringField(const nlohmann::json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end()) return "";
  if (found->is_string()) return found->get<std::string>();
  return found->is_number() ? found->dump() : "";
}

Result<nlohmann::json> DecodeYamlObject(std::string_view text, std::string_view source) {
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(text, source);
  if (!documents.ok()) return documents.status();
  if (documents->empty() || documents->front().value.is_null()) return nlohmann::json::object();
  if (!documents->front().value.is_object()) {
    return Status::Invalid("error unmarshaling JSON: json: cannot unmarshal " +
                           std::string(documents->front().value.is_array() ? "array" : "string") +
                           " into Go value of type chart.Metadata");
  }
  return std::move(documents->front().value);
}

Result<std::vector<Dependency>> ReadDependencies(const nlohmann::json& metadata) {
  std::vector<Dependency> dependencies;
  auto list = metadata.find("dependencies");
  if (list == metadata.end() || !list->is_array()) return dependencies;
  for (const nlohmann::json& entry : *list) {
    if (!entry.is_object()) continue;
    Dependency dependency{.name = StringField(entry, "name"),
                          .version = StringField(entry, "version"),
                          .repository = StringField(entry, "repository"),
                          .condition = StringField(entry, "condition"),
                          .alias = StringField(entry, "alias")};
    if (auto tags = entry.find("tags"); tags != entry.end() && tags->is_array()) {
      for (const nlohmann::json& tag : *tags) {
        if (tag.is_string()) dependency.tags.push_back(tag.get<std::string>());
      }
    }
    if (auto imports = entry.find("import-values"); imports != entry.end() && imports->is_array()) {
      for (const nlohmann::json& item : *imports) {
        dependency.import_values.push_back(Value::FromJson(item));
      }
    }
    dependencies.push_back(std::move(dependency));
  }
  return dependencies;
}

bool ValidAlias(std::string_view alias) {
  return std::all_of(alias.begin(), alias.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// Metadata.Validate.
Status Validate(const Chart& chart) {
  auto invalid = [](const std::string& message) {
    return Status::Invalid("validation: " + message);
  };
  if (chart.name.empty()) return invalid("chart.metadata.name is required");
  if (chart.name.find('/') != std::string::npos) {
    return invalid("chart.metadata.name \"" + chart.name + "\" is invalid");
  }
  if (chart.version.empty()) return invalid("chart.metadata.version is required");
  if (!tmpl::SemverSatisfies("*", chart.version).ok()) {
    return invalid("chart.metadata.version \"" + chart.version + "\" is invalid");
  }
  if (!chart.type.empty() && chart.type != "application" && chart.type != "library") {
    return invalid("chart.metadata.type must be application or library");
  }
  std::map<std::string, bool> seen;
  for (const Dependency& dependency : chart.dependencies) {
    if (!ValidAlias(dependency.alias)) {
      return invalid("dependency \"" + dependency.name +
                     "\" has disallowed characters in the alias");
    }
    const std::string& key = dependency.alias.empty() ? dependency.name : dependency.alias;
    if (seen[key]) return invalid("more than one dependency with name or alias \"" + key + "\"");
    seen[key] = true;
  }
  return Status();
}

Result<Chart> LoadFiles(std::vector<File> files);

Result<Chart> LoadSubchart(const std::string& name, std::vector<File> files) {
  if (name.ends_with(".tgz")) {
    if (files.size() != 1 || files.front().name != name) {
      return Status::Invalid("expected " + name);
    }
    return LoadArchive(*files.front().data);
  }
  std::vector<File> inside;
  for (File& file : files) {
    size_t slash = file.name.find('/');
    if (slash == std::string::npos) continue;
    inside.push_back({.name = file.name.substr(slash + 1), .data = std::move(file.data)});
  }
  return LoadFiles(std::move(inside));
}

Status ReadMetadata(Chart& chart, const std::vector<File>& files) {
  bool found = false;
  for (const File& file : files) {
    if (file.name != "Chart.yaml") continue;
    Result<nlohmann::json> metadata = DecodeYamlObject(*file.data, "Chart.yaml");
    if (!metadata.ok()) {
      return Status::Invalid("cannot load Chart.yaml: " + GoYamlError(metadata.status().message()));
    }
    chart.metadata = std::move(*metadata);
    found = true;
  }
  if (!found) return Status::Invalid("Chart.yaml file is missing");
  chart.api_version = StringField(chart.metadata, "apiVersion");
  if (chart.api_version.empty()) chart.api_version = "v1";
  chart.name = StringField(chart.metadata, "name");
  chart.version = StringField(chart.metadata, "version");
  chart.type = StringField(chart.metadata, "type");
  Result<std::vector<Dependency>> dependencies = ReadDependencies(chart.metadata);
  if (!dependencies.ok()) return dependencies.status();
  chart.dependencies = std::move(*dependencies);
  return Status();
}

Result<Chart> LoadFiles(std::vector<File> files) {
  Chart chart;
  chart.values = Value::Map();
  if (Status s = ReadMetadata(chart, files); !s.ok()) return s;
  std::map<std::string, std::vector<File>> subcharts;
  for (File& file : files) {
    const std::string& name = file.name;
    if (name == "Chart.yaml" || name == "Chart.lock") continue;
    if (name == "values.yaml") {
      Result<Value> values = ReadValues(*file.data, "values.yaml");
      if (!values.ok()) {
        return Status::Invalid("cannot load values.yaml: " +
                               GoYamlError(values.status().message()));
      }
      chart.values = std::move(*values);
    } else if (name == "values.schema.json") {
      chart.schema = *file.data;
    } else if (name == "requirements.yaml") {
      Result<nlohmann::json> requirements = DecodeYamlObject(*file.data, name);
      if (!requirements.ok()) return requirements.status().Wrap("cannot load requirements.yaml");
      if (requirements->contains("dependencies")) {
        Result<std::vector<Dependency>> dependencies = ReadDependencies(*requirements);
        if (!dependencies.ok()) return dependencies.status();
        chart.dependencies = std::move(*dependencies);
        chart.metadata["dependencies"] = (*requirements)["dependencies"];
      }
      if (chart.api_version == "v1") chart.files.push_back(std::move(file));
    } else if (name == "requirements.lock") {
      if (chart.api_version == "v1") chart.files.push_back(std::move(file));
    } else if (name.starts_with("templates/")) {
      chart.templates.push_back(std::move(file));
    } else if (name.starts_with("charts/") && !name.ends_with(".prov")) {
      std::string inside = name.substr(7);
      std::string top = inside.substr(0, inside.find('/'));
      subcharts[top].push_back({.name = std::move(inside), .data = std::move(file.data)});
    } else {
      chart.files.push_back(std::move(file));
    }
  }
  if (Status s = Validate(chart); !s.ok()) return s;
  for (auto& [name, sub_files] : subcharts) {
    if (name.empty() || name.front() == '_' || name.front() == '.') continue;
    Result<Chart> sub = LoadSubchart(name, std::move(sub_files));
    if (!sub.ok()) {
      return Status::Invalid("error unpacking subchart " + name + " in " + chart.name + ": " +
                             sub.status().message());
    }
    chart.charts.push_back(std::move(*sub));
  }
  return chart;
}

}  // namespace

std::string GoYamlError(const std::string& message) {
  size_t document = message.find(": document ");
  if (document == std::string::npos) return message;
  size_t column_colon = message.rfind(':', document - 1);
  size_t line_colon = column_colon == std::string::npos || column_colon == 0
                          ? std::string::npos
                          : message.rfind(':', column_colon - 1);
  size_t problem_start = message.find(": ", document + 2);
  if (line_colon == std::string::npos || problem_start == std::string::npos) return message;
  int line = std::atoi(message.c_str() + line_colon + 1);
  std::string problem = message.substr(problem_start + 2);
  size_t context = problem.find(" while ");
  bool scanner = context != std::string::npos &&
                 std::string_view(problem).substr(context + 7).starts_with("scanning");
  if (context != std::string::npos) problem.resize(context);
  if (!scanner) --line;
  std::string where = line > 0 ? "line " + std::to_string(line) + ": " : "";
  return "error converting YAML to JSON: yaml: " + where + problem;
}

Result<Value> ReadValues(std::string_view text, std::string_view source) {
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(text, source);
  if (!documents.ok()) return documents.status();
  Value values = Value::Map();
  for (const kube::Document& document : *documents) {
    if (document.value.is_null()) continue;
    if (!document.value.is_object()) {
      return Status::Invalid("error unmarshaling JSON: json: cannot unmarshal " +
                             std::string(document.value.is_array() ? "array" : "string") +
                             " into Go value of type map[string]interface {}");
    }
    values = MergeTables(Value::FromJson(document.value), values, true);
  }
  return values;
}

Result<Chart> LoadArchive(std::string_view bytes) {
  Result<std::vector<File>> files = ReadArchive(bytes);
  if (!files.ok()) return files.status();
  return LoadFiles(std::move(*files));
}

Result<Chart> LoadChart(const tree::FileTree& tree, std::string_view path) {
  Result<tree::EntryType> type = tree.Stat(path);
  if (!type.ok()) return type.status();
  if (*type == tree::EntryType::kFile) {
    Result<std::string> bytes = tree.Read(path);
    if (!bytes.ok()) return bytes.status();
    return LoadArchive(*bytes);
  }
  Result<std::vector<File>> files = ReadDirectory(tree, std::string(path));
  if (!files.ok()) return files.status();
  return LoadFiles(std::move(*files));
}

}  // namespace converge::sources::helm
