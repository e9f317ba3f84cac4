#include "apiserver/protobuf.h"

#include <map>
#include <vector>

#include "base/base64.h"
#include "base/clock.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

// The field numbers below are those of k8s.io/api and apimachinery's generated.proto files.
enum class Type { kString, kBytes, kInt64, kInt32, kBool, kMessage, kStringMap, kBytesMap, kTime };

struct Message;

struct Field {
  int number;
  const char* name;
  Type type;
  bool repeated = false;
  const Message* message = nullptr;
};

struct Message {
  std::vector<Field> fields;
};

const Message kTypeMeta{{{1, "apiVersion", Type::kString}, {2, "kind", Type::kString}}};
const Message kUnknown{{{1, "typeMeta", Type::kMessage, false, &kTypeMeta},
                        {2, "raw", Type::kBytes},
                        {3, "contentEncoding", Type::kString},
                        {4, "contentType", Type::kString}}};
const Message kOwnerReference{{{1, "kind", Type::kString},
                               {3, "name", Type::kString},
                               {4, "uid", Type::kString},
                               {5, "apiVersion", Type::kString},
                               {6, "controller", Type::kBool},
                               {7, "blockOwnerDeletion", Type::kBool}}};
const Message kObjectMeta{{{1, "name", Type::kString},
                           {2, "generateName", Type::kString},
                           {3, "namespace", Type::kString},
                           {5, "uid", Type::kString},
                           {6, "resourceVersion", Type::kString},
                           {7, "generation", Type::kInt64},
                           {8, "creationTimestamp", Type::kTime},
                           {11, "labels", Type::kStringMap},
                           {12, "annotations", Type::kStringMap},
                           {13, "ownerReferences", Type::kMessage, true, &kOwnerReference},
                           {14, "finalizers", Type::kString, true}}};
const Message kConfigMap{{{1, "metadata", Type::kMessage, false, &kObjectMeta},
                          {2, "data", Type::kStringMap},
                          {3, "binaryData", Type::kBytesMap},
                          {4, "immutable", Type::kBool}}};
const Message kSecret{{{1, "metadata", Type::kMessage, false, &kObjectMeta},
                       {2, "data", Type::kBytesMap},
                       {3, "type", Type::kString},
                       {4, "stringData", Type::kStringMap},
                       {5, "immutable", Type::kBool}}};
const Message kNamespaceSpec{{{1, "finalizers", Type::kString, true}}};
const Message kNamespace{{{1, "metadata", Type::kMessage, false, &kObjectMeta},
                          {2, "spec", Type::kMessage, false, &kNamespaceSpec}}};
const Message kLocalObjectReference{{{1, "name", Type::kString}}};
const Message kServiceAccount{
    {{1, "metadata", Type::kMessage, false, &kObjectMeta},
     {3, "imagePullSecrets", Type::kMessage, true, &kLocalObjectReference},
     {4, "automountServiceAccountToken", Type::kBool}}};
const Message kBoundObjectReference{{{1, "kind", Type::kString},
                                     {2, "apiVersion", Type::kString},
                                     {3, "name", Type::kString},
                                     {4, "uid", Type::kString}}};
const Message kTokenRequestSpec{
    {{1, "audiences", Type::kString, true},
     {3, "boundObjectRef", Type::kMessage, false, &kBoundObjectReference},
     {4, "expirationSeconds", Type::kInt64}}};
const Message kTokenRequest{{{1, "metadata", Type::kMessage, false, &kObjectMeta},
                             {2, "spec", Type::kMessage, false, &kTokenRequestSpec}}};
const Message kResourceAttributes{{{1, "namespace", Type::kString},
                                   {2, "verb", Type::kString},
                                   {3, "group", Type::kString},
                                   {4, "version", Type::kString},
                                   {5, "resource", Type::kString},
                                   {6, "subresource", Type::kString},
                                   {7, "name", Type::kString}}};
const Message kNonResourceAttributes{{{1, "path", Type::kString}, {2, "verb", Type::kString}}};
const Message kAccessReviewSpec{
    {{1, "resourceAttributes", Type::kMessage, false, &kResourceAttributes},
     {2, "nonResourceAttributes", Type::kMessage, false, &kNonResourceAttributes}}};
const Message kSelfSubjectAccessReview{{{1, "metadata", Type::kMessage, false, &kObjectMeta},
                                        {2, "spec", Type::kMessage, false, &kAccessReviewSpec}}};
const Message kRulesReviewSpec{{{1, "namespace", Type::kString}}};
const Message kSelfSubjectRulesReview{{{1, "metadata", Type::kMessage, false, &kObjectMeta},
                                       {2, "spec", Type::kMessage, false, &kRulesReviewSpec}}};
const Message kSelfSubjectReview{{{1, "metadata", Type::kMessage, false, &kObjectMeta}}};

const Message kPolicyRule{{{1, "verbs", Type::kString, true},
                           {2, "apiGroups", Type::kString, true},
                           {3, "resources", Type::kString, true},
                           {4, "resourceNames", Type::kString, true},
                           {5, "nonResourceURLs", Type::kString, true}}};
const Message kRole{{{1, "metadata", Type::kMessage, false, &kObjectMeta},
                     {2, "rules", Type::kMessage, true, &kPolicyRule}}};
const Message kSubject{{{1, "kind", Type::kString},
                        {2, "apiGroup", Type::kString},
                        {3, "name", Type::kString},
                        {4, "namespace", Type::kString}}};
const Message kRoleRef{
    {{1, "apiGroup", Type::kString}, {2, "kind", Type::kString}, {3, "name", Type::kString}}};
const Message kRoleBinding{{{1, "metadata", Type::kMessage, false, &kObjectMeta},
                            {2, "subjects", Type::kMessage, true, &kSubject},
                            {3, "roleRef", Type::kMessage, false, &kRoleRef}}};

const Message* MessageFor(const std::string& api_version, const std::string& kind) {
  static const std::map<std::pair<std::string, std::string>, const Message*> kKinds = {
      {{"v1", "ConfigMap"}, &kConfigMap},
      {{"v1", "Secret"}, &kSecret},
      {{"v1", "Namespace"}, &kNamespace},
      {{"v1", "ServiceAccount"}, &kServiceAccount},
      {{"authentication.k8s.io/v1", "TokenRequest"}, &kTokenRequest},
      {{"rbac.authorization.k8s.io/v1", "Role"}, &kRole},
      {{"rbac.authorization.k8s.io/v1", "ClusterRole"}, &kRole},
      {{"rbac.authorization.k8s.io/v1", "RoleBinding"}, &kRoleBinding},
      {{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"}, &kRoleBinding},
      {{"authentication.k8s.io/v1", "SelfSubjectReview"}, &kSelfSubjectReview},
      {{"authorization.k8s.io/v1", "SelfSubjectAccessReview"}, &kSelfSubjectAccessReview},
      {{"authorization.k8s.io/v1", "SelfSubjectRulesReview"}, &kSelfSubjectRulesReview},
  };
  auto it = kKinds.find({api_version, kind});
  return it == kKinds.end() ? nullptr : it->second;
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool AtEnd() const { return pos_ >= data_.size(); }

  bool Varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      auto byte = static_cast<uint8_t>(data_[pos_++]);
      out |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  bool Bytes(std::string_view& out) {
    uint64_t length = 0;
    if (!Varint(length) || length > data_.size() - pos_) return false;
    out = data_.substr(pos_, length);
    pos_ += length;
    return true;
  }

  bool Skip(int wire_type) {
    uint64_t ignored = 0;
    std::string_view bytes;
    switch (wire_type) {
      case 0:
        return Varint(ignored);
      case 1:
        pos_ += 8;
        return pos_ <= data_.size();
      case 2:
        return Bytes(bytes);
      case 5:
        pos_ += 4;
        return pos_ <= data_.size();
      default:
        return false;
    }
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

Result<json> Decode(std::string_view data, const Message& message);

Result<std::pair<std::string, std::string>> MapEntry(std::string_view data) {
  Reader reader(data);
  std::pair<std::string, std::string> entry;
  while (!reader.AtEnd()) {
    uint64_t tag = 0;
    if (!reader.Varint(tag)) return Status::Invalid("malformed protobuf map entry");
    std::string_view value;
    if ((tag & 7) != 2 || !reader.Bytes(value))
      return Status::Invalid("malformed protobuf map entry");
    ((tag >> 3) == 1 ? entry.first : entry.second) = std::string(value);
  }
  return entry;
}

Result<json> Decode(std::string_view data, const Message& message) {
  json out = json::object();
  Reader reader(data);
  while (!reader.AtEnd()) {
    uint64_t tag = 0;
    if (!reader.Varint(tag)) return Status::Invalid("malformed protobuf body");
    int number = static_cast<int>(tag >> 3);
    int wire = static_cast<int>(tag & 7);
    const Field* field = nullptr;
    for (const Field& candidate : message.fields) {
      if (candidate.number == number) field = &candidate;
    }
    if (field == nullptr) {
      if (!reader.Skip(wire)) return Status::Invalid("malformed protobuf body");
      continue;
    }
    json value;
    if (wire == 0) {
      uint64_t number_value = 0;
      if (!reader.Varint(number_value)) return Status::Invalid("malformed protobuf body");
      if (field->type == Type::kBool) {
        value = number_value != 0;
      } else {
        value = static_cast<int64_t>(number_value);
      }
    } else if (wire == 2) {
      std::string_view bytes;
      if (!reader.Bytes(bytes)) return Status::Invalid("malformed protobuf body");
      switch (field->type) {
        case Type::kString:
          value = std::string(bytes);
          break;
        case Type::kBytes:
          value = Base64Encode(bytes);
          break;
        case Type::kMessage: {
          Result<json> nested = Decode(bytes, *field->message);
          if (!nested.ok()) return nested.status();
          value = std::move(*nested);
          break;
        }
        case Type::kStringMap:
        case Type::kBytesMap: {
          Result<std::pair<std::string, std::string>> entry = MapEntry(bytes);
          if (!entry.ok()) return entry.status();
          out[field->name][entry->first] =
              field->type == Type::kBytesMap ? Base64Encode(entry->second) : entry->second;
          continue;
        }
        case Type::kTime: {
          Reader time(bytes);
          int64_t seconds = 0;
          while (!time.AtEnd()) {
            uint64_t time_tag = 0;
            uint64_t time_value = 0;
            if (!time.Varint(time_tag) || !time.Varint(time_value)) break;
            if ((time_tag >> 3) == 1) seconds = static_cast<int64_t>(time_value);
          }
          value = seconds == 0 ? json() : json(FormatRfc3339(seconds));
          break;
        }
        default:
          return Status::Invalid("malformed protobuf body");
      }
    } else if (!reader.Skip(wire)) {
      return Status::Invalid("malformed protobuf body");
    }
    // Go's zero values travel on the wire but are omitted from JSON (omitempty).
    bool zero = (value.is_string() && value.get_ref<const std::string&>().empty()) ||
                (value.is_number_integer() && value.get<int64_t>() == 0) ||
                (field->type == Type::kTime && value.is_null());
    if (zero && !field->repeated) continue;
    if (field->repeated) {
      out[field->name].push_back(std::move(value));
    } else {
      out[field->name] = std::move(value);
    }
  }
  return out;
}

}  // namespace

Result<json> DecodeProtobufObject(std::string_view body) {
  constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, 4) != kMagic) return Status::Invalid("the protobuf body lacks the k8s magic");
  Result<json> unknown = Decode(body.substr(4), kUnknown);
  if (!unknown.ok()) return unknown.status();
  std::string api_version = unknown->value("typeMeta", json::object()).value("apiVersion", "");
  std::string kind = unknown->value("typeMeta", json::object()).value("kind", "");
  const Message* message = MessageFor(api_version, kind);
  if (message == nullptr) {
    return Status::Invalid("this server reads " + kind + " (" + api_version +
                           ") only as JSON or YAML; send the object with kubectl create -f or "
                           "kubectl apply -f");
  }
  std::optional<std::string> raw = Base64Decode(unknown->value("raw", ""));
  if (!raw) return Status::Invalid("malformed protobuf body");
  Result<json> object = Decode(*raw, *message);
  if (!object.ok()) return object.status();
  (*object)["apiVersion"] = api_version;
  (*object)["kind"] = kind;
  return object;
}

}  // namespace converge::apiserver
