// configMapGenerator and secretGenerator, their behaviors against existing objects, and the
// content hash suffix.
#include <map>

#include <openssl/evp.h>

#include "base/base64.h"
#include "base/utf8.h"
#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

struct KeyValue {
  std::string key;
  std::string value;
};

std::string StringOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> StringsOf(const json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const json& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

bool FlagOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

// One pair of matching outer quotes is removed from a literal's value.
std::string Unquote(std::string value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

KeyValue SplitAtEquals(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) return {std::string(text), ""};
  return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

// kustomize's env file reader: lines left-trimmed, blank and '#' lines skipped, split at the
// first '='; values keep quotes and trailing spaces; a BOM is dropped from the first line only.
std::vector<KeyValue> ParseEnvFile(std::string_view text) {
  std::vector<KeyValue> pairs;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t\r\v\f");
    line = first == std::string_view::npos ? std::string_view() : line.substr(first);
    if (!line.empty() && line[0] != '#') pairs.push_back(SplitAtEquals(line));
    if (end == text.size()) break;
    start = end + 1;
  }
  return pairs;
}

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// Go's %v of a []string: "[a b]".
std::string GoList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? " " : "") + items[i];
  return out + "]";
}

Result<std::vector<KeyValue>> CollectPairs(const json& args, const ReadFile& read) {
  std::vector<KeyValue> pairs;
  std::vector<std::string> envs = StringsOf(args, "envs");
  if (std::string env = StringOf(args, "env"); !env.empty()) envs.push_back(env);
  for (const std::string& env : envs) {
    Result<std::string> text = read(env);
    if (!text.ok()) {
      return text.status().Wrap("loading KV pairs: env source files: " + GoList(envs));
    }
    for (KeyValue& pair : ParseEnvFile(*text)) pairs.push_back(std::move(pair));
  }
  for (const std::string& literal : StringsOf(args, "literals")) {
    if (literal.find('=') == std::string::npos) {
      return Status::Invalid("loading KV pairs: literal sources " +
                             GoList(StringsOf(args, "literals")) + ": invalid literal source " +
                             literal + ", expected key=value");
    }
    KeyValue pair = SplitAtEquals(literal);
    pair.value = Unquote(std::move(pair.value));
    pairs.push_back(std::move(pair));
  }
  for (const std::string& file : StringsOf(args, "files")) {
    KeyValue spec = SplitAtEquals(file);
    std::string path = file.find('=') == std::string::npos ? file : spec.value;
    std::string key = file.find('=') == std::string::npos ? Basename(file) : spec.key;
    Result<std::string> text = read(path);
    if (!text.ok()) {
      return text.status().Wrap("loading KV pairs: file sources: " +
                                GoList(StringsOf(args, "files")));
    }
    pairs.push_back({key, std::move(*text)});
  }
  return pairs;
}

// Base64 of 70 characters or more is wrapped every 70 characters, ending with a newline.
std::string EncodeSecretValue(std::string_view value) {
  std::string encoded = Base64Encode(value);
  if (encoded.size() < 70) return encoded;
  std::string wrapped;
  for (size_t i = 0; i < encoded.size(); i += 70) {
    wrapped += encoded.substr(i, 70);
    wrapped += '\n';
  }
  return wrapped;
}

json MergedMap(const json& global, const json& local) {
  json out = global.is_object() ? global : json::object();
  if (local.is_object()) {
    for (auto it = local.begin(); it != local.end(); ++it) out[it.key()] = it.value();
  }
  return out;
}

Result<Resource> Generate(const json& args, const json& global_options, const ReadFile& read,
                          bool secret) {
  std::string name = StringOf(args, "name");
  const char* what = secret ? "secret" : "configmap";
  Result<std::vector<KeyValue>> pairs = CollectPairs(args, read);
  if (!pairs.ok()) return pairs.status();
  json object = {{"apiVersion", "v1"},
                 {"kind", secret ? "Secret" : "ConfigMap"},
                 {"metadata", {{"name", name}}}};
  if (std::string ns = StringOf(args, "namespace"); !ns.empty()) {
    object["metadata"]["namespace"] = ns;
  }
  json data = json::object();
  json binary = json::object();
  for (const KeyValue& pair : *pairs) {
    if (data.contains(pair.key) || binary.contains(pair.key)) {
      return Status::Invalid(std::string(what) + " " + name + " illegally repeats the key `" +
                             pair.key + "`");
    }
    if (secret) {
      data[pair.key] = EncodeSecretValue(pair.value);
    } else if (ValidUtf8(pair.value) == pair.value) {
      data[pair.key] = pair.value;
    } else {
      binary[pair.key] = Base64Encode(pair.value);
    }
  }
  if (!data.empty()) object["data"] = std::move(data);
  if (!binary.empty()) object["binaryData"] = std::move(binary);
  if (secret) object["type"] = args.contains("type") ? StringOf(args, "type") : "Opaque";
  json local = args.value("options", json::object());
  json global = global_options.is_object() ? global_options : json::object();
  json labels = MergedMap(global.value("labels", json()), local.value("labels", json()));
  json annotations =
      MergedMap(global.value("annotations", json()), local.value("annotations", json()));
  if (!labels.empty()) object["metadata"]["labels"] = labels;
  if (!annotations.empty()) object["metadata"]["annotations"] = annotations;
  if (FlagOf(global, "immutable") || FlagOf(local, "immutable")) object["immutable"] = true;
  Resource resource{.object = kube::Object(std::move(object))};
  resource.needs_hash =
      !(FlagOf(global, "disableNameSuffixHash") || FlagOf(local, "disableNameSuffixHash"));
  return resource;
}

std::string GoIdString(const ResId& id) {
  return "resid.ResId{Gvk:resid.Gvk{Group:\"" + id.group + "\", Version:\"" + id.version +
         "\", Kind:\"" + id.kind + "\", isClusterScoped:false}, Name:\"" + id.name +
         "\", Namespace:\"" + id.ns + "\"}";
}

bool IdMatches(const ResId& a, const ResId& b) {
  return a.group == b.group && a.version == b.version && a.kind == b.kind && a.name == b.name &&
         SameNamespace(a.ns, b.ns);
}

void OverlayMap(json& object, const char* field, const json& old_object) {
  auto old_it = old_object.find(field);
  if (old_it == old_object.end() || !old_it->is_object()) return;
  json merged = *old_it;
  auto new_it = object.find(field);
  if (new_it != object.end() && new_it->is_object()) {
    for (auto it = new_it->begin(); it != new_it->end(); ++it) merged[it.key()] = it.value();
  }
  object[field] = std::move(merged);
}

}  // namespace

Result<Resource> GenerateConfigMap(const json& args, const json& global_options,
                                   const ReadFile& read) {
  return Generate(args, global_options, read, false);
}

Result<Resource> GenerateSecret(const json& args, const json& global_options,
                                const ReadFile& read) {
  return Generate(args, global_options, read, true);
}

Status AbsorbGenerated(ResMap& resources, Resource generated, std::string_view behavior) {
  ResId id = generated.Id();
  Resource* match = nullptr;
  for (Resource& resource : resources) {
    bool hit = IdMatches(resource.Id(), id);
    for (const ResId& previous : resource.previous) hit = hit || IdMatches(previous, id);
    if (hit) {
      match = &resource;
      break;
    }
  }
  bool merge = behavior == "merge";
  if (match == nullptr) {
    if (merge || behavior == "replace") {
      return Status::Invalid("id " + GoIdString(id) + " does not exist; cannot merge or replace");
    }
    resources.push_back(std::move(generated));
    return Status();
  }
  if (!merge && behavior != "replace") {
    return Status::Invalid("id " + GoIdString(id) + " exists; behavior must be merge or replace");
  }
  json& object = generated.object.mutable_json();
  const json& old_object = match->object.json();
  OverlayMap(object["metadata"], "labels", old_object.value("metadata", json::object()));
  OverlayMap(object["metadata"], "annotations", old_object.value("metadata", json::object()));
  if (merge) {
    OverlayMap(object, "data", old_object);
    OverlayMap(object, "binaryData", old_object);
  }
  generated.object.SetName(match->object.Name());
  if (!match->object.Namespace().empty()) generated.object.SetNamespace(match->object.Namespace());
  match->object = std::move(generated.object);
  match->needs_hash = match->needs_hash && generated.needs_hash;
  return Status();
}

std::string ContentHash(const json& object) {
  std::string kind = object.value("kind", "");
  json encoded = {{"kind", kind}, {"name", ""}};
  auto data = object.find("data");
  encoded["data"] = data != object.end() && data->is_object() ? *data : json("");
  if (kind == "ConfigMap") {
    auto binary = object.find("binaryData");
    if (binary != object.end() && binary->is_object()) encoded["binaryData"] = *binary;
  } else {
    encoded["type"] = object.value("type", json(""));
    auto string_data = object.find("stringData");
    if (string_data != object.end() && string_data->is_object()) {
      encoded["stringData"] = *string_data;
    }
  }
  std::string text = kube::EncodeJson(encoded);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hash;
  for (unsigned int i = 0; i < 5; ++i) {
    hash += kHex[digest[i] >> 4];
    hash += kHex[digest[i] & 15];
  }
  for (char& c : hash) {
    switch (c) {
      case '0':
        c = 'g';
        break;
      case '1':
        c = 'h';
        break;
      case '3':
        c = 'k';
        break;
      case 'a':
        c = 'm';
        break;
      case 'e':
        c = 't';
        break;
      default:
        break;
    }
  }
  return hash;
}

void AddHashSuffixes(ResMap& resources) {
  for (Resource& resource : resources) {
    if (!resource.needs_hash) continue;
    ResId id = resource.Id();
    resource.Rename(id.name + "-" + ContentHash(resource.object.json()), id.ns);
  }
}

}  // namespace converge::sources::kustomize
