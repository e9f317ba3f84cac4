// Encodings and hashes (sprig's crypto.go hashes, base64/base32) and Helm's JSON and YAML
// functions, which print through kube/'s Go-compatible encoders.

#include <cmath>

#include <openssl/evp.h>

#include "base/base64.h"
#include "kube/kube.h"
#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

std::string Digest(const EVP_MD* md, const std::string& input) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, md, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Go's json.Unmarshal result for a JSON text, numbers as float64.
Result<Value> DecodeJson(const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Invalid("unexpected end of JSON input");
  }
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) {
    return Status::Invalid("invalid character in JSON input");
  }
  return Value::FromJson(json);
}

// sigs.k8s.io/yaml.Unmarshal: the first document, numbers as float64.
Result<Value> DecodeYaml(const std::string& text) {
  Result<std::vector<kube::Document>> documents = kube::DecodeStream(text, "yaml");
  if (!documents.ok()) return documents.status();
  if (documents->empty()) return Value();
  return Value::FromJson(documents->front().value);
}

// DecodeYaml through the memo: charts decode the same text again and again. Each call gets
// its own copy, as templates may change the maps they decoded.
Result<Value> DecodeYamlOnce(Call& call, const std::string& text) {
  std::shared_ptr<const Result<Value>> decoded =
      call.memo().Get<Result<Value>>("fromYaml", text, [&] { return DecodeYaml(text); });
  if (!decoded->ok()) return decoded->status();
  return (*decoded)->DeepCopy();
}

std::string WithoutHtmlEscapes(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] == '\\' && i + 1 < json.size()) {
      if (json.compare(i, 6, "\\u003c") == 0) {
        out += '<';
        i += 5;
        continue;
      }
      if (json.compare(i, 6, "\\u003e") == 0) {
        out += '>';
        i += 5;
        continue;
      }
      if (json.compare(i, 6, "\\u0026") == 0) {
        out += '&';
        i += 5;
        continue;
      }
      out += json[i];
      out += json[i + 1];
      ++i;
      continue;
    }
    out += json[i];
  }
  return out;
}

}  // namespace

CONVERGE_FUNC(FnB64enc) {
  (void)call;
  return Value::String(Base64Encode(args[0].string_value()));
}

Result<std::string> GoBase64Decode(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool valid = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
    if (!valid && c != '\r' && c != '\n') {
      return Status::Invalid("illegal base64 data at input byte " + std::to_string(i));
    }
  }
  std::optional<std::string> decoded = Base64Decode(text);
  if (!decoded) {
    return Status::Invalid("illegal base64 data at input byte " +
                           std::to_string(text.size() / 4 * 4));
  }
  return std::move(*decoded);
}

CONVERGE_FUNC(FnB64dec) {
  (void)call;
  Result<std::string> decoded = GoBase64Decode(args[0].string_value());
  if (!decoded.ok()) return Value::String(decoded.status().message());
  return Value::String(std::move(*decoded));
}

CONVERGE_FUNC(FnB32enc) {
  (void)call;
  const std::string& data = args[0].string_value();
  std::string out;
  for (size_t i = 0; i < data.size(); i += 5) {
    uint64_t block = 0;
    size_t n = std::min<size_t>(5, data.size() - i);
    for (size_t k = 0; k < 5; ++k) {
      block = (block << 8) | (k < n ? static_cast<unsigned char>(data[i + k]) : 0);
    }
    size_t chars = (n * 8 + 4) / 5;
    for (size_t k = 0; k < 8; ++k) {
      out += k < chars ? kBase32[(block >> (35 - 5 * k)) & 31] : '=';
    }
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnB32dec) {
  (void)call;
  const std::string& text = args[0].string_value();
  std::string out;
  uint64_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=' || c == '\r' || c == '\n') continue;
    const char* found = std::strchr(kBase32, c);
    if (found == nullptr || c == '\0') {
      return Value::String("illegal base32 data at input byte " + std::to_string(i));
    }
    buffer = (buffer << 5) | static_cast<uint64_t>(found - kBase32);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnSha1sum) {
  (void)call;
  return Value::String(Digest(EVP_sha1(), args[0].string_value()));
}

CONVERGE_FUNC(FnSha256sum) {
  (void)call;
  return Value::String(Digest(EVP_sha256(), args[0].string_value()));
}

CONVERGE_FUNC(FnSha512sum) {
  (void)call;
  return Value::String(Digest(EVP_sha512(), args[0].string_value()));
}

CONVERGE_FUNC(FnAdler32sum) {
  (void)call;
  uint32_t a = 1;
  uint32_t b = 0;
  for (unsigned char c : args[0].string_value()) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return Value::String(std::to_string((b << 16) | a));
}

namespace {

// encoding/json refuses NaN and infinities: "json: unsupported value: +Inf".
Status JsonEncodable(const Value& value) {
  if (value.kind() == Value::Kind::kFloat64 && !std::isfinite(value.float_value())) {
    return Status::Invalid("json: unsupported value: " +
                           std::string(std::isnan(value.float_value()) ? "NaN"
                                       : value.float_value() > 0       ? "+Inf"
                                                                       : "-Inf"));
  }
  if (value.kind() == Value::Kind::kList) {
    for (const Value& item : value.list()) {
      if (Status status = JsonEncodable(item); !status.ok()) return status;
    }
  }
  if (value.kind() == Value::Kind::kMap) {
    for (const auto& [key, item] : value.map()) {
      if (Status status = JsonEncodable(item); !status.ok()) return status;
    }
  }
  return Status();
}

enum class JsonStyle { kCompact, kPretty, kRaw };

// encoding/json's output, compact or indented by `indent` spaces: a map's keys sorted, a
// struct's exported fields in declaration order under their JSON names.
void AppendGoJson(std::string& out, const Value& value, int indent, int depth) {
  bool is_list = value.kind() == Value::Kind::kList;
  if (!is_list && (value.kind() != Value::Kind::kMap || value.elem() == ElemType::kTime)) {
    out += kube::EncodeJson(value.ToJson());
    return;
  }
  bool empty = true;
  auto element = [&](const std::string* key, const Value& item) {
    out += empty ? "" : ",";
    empty = false;
    if (indent >= 0) out += "\n" + std::string(static_cast<size_t>(indent * (depth + 1)), ' ');
    if (key != nullptr) out += kube::EncodeJson(*key) + (indent >= 0 ? ": " : ":");
    AppendGoJson(out, item, indent, depth + 1);
  };
  out += is_list ? '[' : '{';
  if (is_list) {
    for (const Value& item : value.list()) element(nullptr, item);
  } else if (std::span<const Methods::Field> fields = value.StructFields(); !fields.empty()) {
    for (const Methods::Field& field : fields) {
      auto found = value.map().find(field.name);
      if (field.json_name.empty() || found == value.map().end()) continue;
      std::string key(field.json_name);
      element(&key, found->second);
    }
  } else {
    for (const auto& [key, item] : value.map()) element(&key, item);
  }
  if (indent >= 0 && !empty) out += "\n" + std::string(static_cast<size_t>(indent * depth), ' ');
  out += is_list ? ']' : '}';
}

std::string EncodeJsonAs(const Value& value, JsonStyle style) {
  std::string json;
  AppendGoJson(json, value, style == JsonStyle::kPretty ? 2 : -1, 0);
  if (style == JsonStyle::kPretty) return json;
  return style == JsonStyle::kRaw ? WithoutHtmlEscapes(json) : json;
}

// Sprig's toJson and toPrettyJson print "" where encoding fails; toRawJson and the must forms
// fail.
Result<Value> ToJsonAs(const Value& value, JsonStyle style, bool must) {
  Status encodable = JsonEncodable(value);
  if (!encodable.ok()) return must ? Result<Value>(encodable) : Value::String("");
  return Value::String(EncodeJsonAs(value, style));
}

}  // namespace

CONVERGE_FUNC(FnToJson) {
  (void)call;
  return ToJsonAs(args[0], JsonStyle::kCompact, false);
}

CONVERGE_FUNC(FnToPrettyJson) {
  (void)call;
  return ToJsonAs(args[0], JsonStyle::kPretty, false);
}

CONVERGE_FUNC(FnToRawJson) {
  (void)call;
  return ToJsonAs(args[0], JsonStyle::kRaw, true);
}

CONVERGE_FUNC(FnMustToJson) {
  (void)call;
  return ToJsonAs(args[0], JsonStyle::kCompact, true);
}

CONVERGE_FUNC(FnMustToPrettyJson) {
  (void)call;
  return ToJsonAs(args[0], JsonStyle::kPretty, true);
}

// encoding/json's name for what was found where a map or list was wanted.
std::string JsonKindName(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kMap:
      return "object";
    case Value::Kind::kList:
      return "array";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kBool:
      return "bool";
    default:
      return "number";
  }
}

// fromJson/fromYaml: the map, or a map holding the error under "Error" as Helm returns it.
// `prefix` is what Helm's decoder puts before encoding/json's message.
Value DecodedMap(const Result<Value>& value, const std::string& prefix) {
  if (value.ok() && value->kind() == Value::Kind::kMap) return *value;
  Value map = Value::Map();
  if (!value.ok()) {
    map.mutable_map()["Error"] = Value::String(value.status().message());
  } else if (!value->IsNil()) {
    map.mutable_map()["Error"] =
        Value::String(prefix + "json: cannot unmarshal " + JsonKindName(*value) +
                      " into Go value of type map[string]interface {}");
  }
  return map;
}

// fromJsonArray/fromYamlArray: the list, or a one-element list holding the error.
Value DecodedList(const Result<Value>& value, const std::string& prefix) {
  if (value.ok() && value->kind() == Value::Kind::kList) return *value;
  if (value.ok() && value->IsNil()) return Value::List();
  return Value::List(
      {Value::String(value.ok() ? prefix + "json: cannot unmarshal " + JsonKindName(*value) +
                                      " into Go value of type []interface {}"
                                : value.status().message())});
}

CONVERGE_FUNC(FnFromJson) {
  (void)call;
  return DecodedMap(DecodeJson(args[0].string_value()), "");
}

// Sprig's mustFromJson (Helm overrides only fromJson): any JSON value, errors returned.
CONVERGE_FUNC(FnMustFromJson) {
  (void)call;
  return DecodeJson(args[0].string_value());
}

CONVERGE_FUNC(FnFromJsonArray) {
  (void)call;
  return DecodedList(DecodeJson(args[0].string_value()), "");
}

CONVERGE_FUNC(FnToYaml) {
  (void)call;
  std::string yaml = kube::EncodeYaml(args[0].ToJson());
  if (yaml.ends_with('\n')) yaml.pop_back();
  return Value::String(yaml);
}

CONVERGE_FUNC(FnFromYaml) {
  return DecodedMap(DecodeYamlOnce(call, args[0].string_value()),
                    "error unmarshaling JSON: while decoding JSON: ");
}

CONVERGE_FUNC(FnFromYamlArray) {
  return DecodedList(DecodeYamlOnce(call, args[0].string_value()),
                     "error unmarshaling JSON: while decoding JSON: ");
}

}  // namespace converge::sources::helm::tmpl
