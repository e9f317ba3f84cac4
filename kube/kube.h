#pragma once
// kube/kube.h: Kubernetes' object model as Converge sees it: unstructured objects over
// nlohmann::json, their identity, and the exact rules by which Kubernetes reads manifests
// (sigs.k8s.io/yaml: YAML 1.1 through goyaml.v2, then JSON) and prints them.
//
// This library never talks to a cluster; the REST client is a library of its own.
// Thread-compatible: concurrent const calls are safe.

#include <compare>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace converge::kube {

// Where an object was read from, for messages. Objects from the API server have none.
struct Origin {
  std::string file;  // as given to the decoder, e.g. "guestbook/ui-svc.yaml"
  int document = 0;  // 1-based index of the document in the stream
  int line = 0;      // 1-based line where the document starts

  // "file:line: document N" (or less when parts are unknown).
  std::string ToString() const;
};

// The identity of an object in a cluster. Ordered group, kind, namespace, name: the one total
// order every sorted output of Converge uses for resources.
struct ResourceKey {
  std::string group;
  std::string kind;
  std::string ns;
  std::string name;

  auto operator<=>(const ResourceKey&) const = default;
  bool operator==(const ResourceKey&) const = default;
  // "group/kind:namespace/name", the shape of Converge's tracking id.
  std::string ToString() const;
};

// An unstructured Kubernetes object. Accessors read well-known fields and return empty values
// when a field is absent or has the wrong type; they never throw.
//
// Copies share the document until one of them changes it (copy on write): the controller
// copies every cached object of every Application on each poll, and deep copies of parsed
// JSON were most of its idle CPU. A reference from mutable_json() must not be kept across a
// copy of the object.
class Object {
 public:
  Object() = default;
  explicit Object(nlohmann::json json, Origin origin = {})
      : json_(std::make_shared<nlohmann::json>(std::move(json))), origin_(std::move(origin)) {}

  const nlohmann::json& json() const;
  nlohmann::json& mutable_json();
  const Origin& origin() const { return origin_; }

  // The views point into json() and stay valid until it changes.
  std::string_view ApiVersion() const;
  std::string_view Kind() const;
  std::string_view Group() const;    // "" for the core group ("v1")
  std::string_view Version() const;  // "v1" of "apps/v1"
  std::string_view Name() const;
  std::string_view GenerateName() const;
  std::string_view Namespace() const;
  std::string_view Label(std::string_view key) const;
  std::string_view Annotation(std::string_view key) const;
  // metadata.labels / metadata.annotations, or an empty object.
  const nlohmann::json& Labels() const;
  const nlohmann::json& Annotations() const;

  void SetName(std::string_view name);
  void SetNamespace(std::string_view ns);
  void SetLabel(std::string_view key, std::string_view value);
  void SetAnnotation(std::string_view key, std::string_view value);

  ResourceKey Key() const;

 private:
  const nlohmann::json& ObjectAt(std::string_view metadata_field) const;

  std::shared_ptr<nlohmann::json> json_;  // null for a default-constructed object
  Origin origin_;
};

// The string at `path` in `value` ({"metadata", "name"}), or "" when a step is missing or the
// leaf is not a string. The view points into `value`.
std::string_view StringAt(const nlohmann::json& value,
                          std::initializer_list<std::string_view> path);

// How Converge names an object in messages and logs: "Kind/namespace/name", or "Kind/name"
// for cluster-scoped ones. Prints identity only, never data, so it is safe for Secrets.
std::string Describe(const Object& object);

// A label selector with the grammar and semantics of apimachinery's labels package:
//   a=b  a==b  a!=b  a in (x,y)  a notin (x,y)  a  !a  a>5  a<5   joined by ',' (AND)
// "!=" and "notin" also match objects without the label; an empty selector matches everything.
class LabelSelector {
 public:
  enum class Operator {
    kEquals,
    kNotEquals,
    kIn,
    kNotIn,
    kExists,
    kDoesNotExist,
    kGreaterThan,
    kLessThan
  };
  struct Requirement {
    std::string key;
    Operator op = Operator::kEquals;
    std::vector<std::string> values;
  };

  // Parses the text form (the labelSelector query parameter, kubectl -l).
  static Result<LabelSelector> Parse(std::string_view text);
  // Reads a metav1.LabelSelector object: matchLabels and matchExpressions (In, NotIn, Exists,
  // DoesNotExist). A null or empty object matches everything.
  static Result<LabelSelector> FromObject(const nlohmann::json& selector);

  // `labels` is a metadata.labels object (or null).
  bool Matches(const nlohmann::json& labels) const;
  bool Empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

// One document of a YAML or JSON stream.
struct Document {
  nlohmann::json value;  // null for an empty document
  int index = 0;         // 1-based
  int line = 0;          // 1-based line of its first content
};

// Mapping keys leading from a document's root to one field: {"metadata", "name"}; never empty.
using FieldPath = std::span<const std::string_view>;

struct DecodeOptions {
  // Read plain scalars as goyaml.v3 does (kustomize's resources): only true/false spellings are
  // booleans, so yes/no/on/off/y/n stay strings, and dates become RFC 3339 timestamps
  // ("2001-12-14T00:00:00Z"); a stream starting with '{' is YAML too (flow style), not JSON.
  // Default false: YAML 1.1, as kubectl.
  bool yaml_1_2 = false;
  // When not empty (at most 64 paths), a YAML document is built only along these paths, for a
  // reader of a few fields that must still refuse what a full decode refuses: every node is read
  // and checked as usual, so errors are the same. Of a mapping on the way to a field only the
  // keys leading on are kept; sequences and scalars there are kept, and so are anchored nodes
  // and aliases, whole. The value a path ends at is whole. Default empty: everything is built.
  // JSON streams are always built whole.
  std::span<const FieldPath> only;
};

// Splits and decodes a stream exactly as kubectl does (apimachinery's YAMLOrJSONDecoder):
//   - a stream whose first non-blank character is '{' is a sequence of JSON values;
//   - otherwise it is split into YAML documents at lines starting with "---", and each
//     document is read as YAML 1.1 by goyaml.v2's rules, then turned into JSON the way
//     sigs.k8s.io/yaml does (keys become strings; yes/no/on/off are booleans; 0x1F, 0o17 and
//     017 are integers; anchors, aliases and "<<" merges apply; NaN and infinities and null
//     keys are errors);
//   - numbers then take the types Kubernetes' JSON decoder gives them: integers (also floats
//     with integral values) are int64, everything else double.
// Errors read "source:line:column: document N: problem". Content after a "..." marker without
// a following "---" is refused (kubectl would silently drop it).
Result<std::vector<Document>> DecodeStream(std::string_view text, std::string_view source,
                                           DecodeOptions options = {});

// Decodes a stream into Kubernetes objects: empty documents are skipped, any document whose
// "items" field is set is a List and is replaced by its items (recursively; items without
// apiVersion and kind take them from the list, "FooList" giving "Foo"), and every object must
// be a mapping with string apiVersion and kind.
Result<std::vector<Object>> DecodeObjects(std::string_view text, std::string_view source);

// YAML as sigs.k8s.io/yaml.Marshal prints it (kubectl -o yaml, Helm's toYaml): goyaml.v2 style,
// keys in goyaml's natural order, 2-space indent, lines folded at 80 columns. Ends with "\n".
std::string EncodeYaml(const nlohmann::json& value);

// Objects as one YAML stream, documents separated by "---\n".
std::string EncodeYamlStream(const std::vector<Object>& objects);

// Resource quantities ("500m", "1Gi", "1e3") in the canonical form apimachinery's
// resource.Quantity prints and the API server stores: 0.5 -> 500m, 1000m -> 1, 1536Mi stays,
// 1024Mi -> 1Gi, 2000 -> 2k. Nullopt when `text` is not a quantity or too large to handle
// exactly (callers keep the original then).
bool IsQuantity(std::string_view text);
std::optional<std::string> CanonicalQuantity(std::string_view text);

// JSON as Go's encoding/json prints it: keys sorted bytewise, <, > and & escaped, floats in
// Go's shortest form. indent < 0 is compact (json.Marshal); otherwise json.MarshalIndent with
// that many spaces, as kubectl -o json does with 4.
std::string EncodeJson(const nlohmann::json& value, int indent = -1);

}  // namespace converge::kube

template <>
struct std::hash<converge::kube::ResourceKey> {
  size_t operator()(const converge::kube::ResourceKey& key) const noexcept;
};
