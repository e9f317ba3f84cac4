// --set and its siblings as pkg/strvals parses them: `a.b=1,c={x,y},d[2].e=f`, backslash
// escapes in keys and values, Helm's typing of bare values (true, false, null, int64 unless a
// leading zero, else string), JSON values for --set-json and verbatim text for --set-literal.

#include <charconv>

#include "sources/helm/internal.h"

namespace converge::sources::helm {
namespace {

using tmpl::Value;

constexpr int kMaxIndex = 65536;
constexpr int kMaxNestedNameLevel = 30;

// The end of input, as io.EOF is in Go's parser.
Status Eof() { return Status::NotFound("EOF"); }
bool IsEof(const Status& status) { return status.code() == StatusCode::kNotFound; }
Status NotList() { return Status::Conflict("not a list"); }
bool IsNotList(const Status& status) { return status.code() == StatusCode::kConflict; }

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Value TypedValue(const std::string& text, bool as_string) {
  if (as_string) return Value::String(text);
  if (EqualFold(text, "true")) return Value::Bool(true);
  if (EqualFold(text, "false")) return Value::Bool(false);
  if (EqualFold(text, "null")) return Value();
  if (text == "0") return Value::Int64(0);
  if (!text.empty() && text[0] != '0') {
    int64_t number = 0;
    size_t start = text[0] == '+' ? 1 : 0;
    auto [end, error] = std::from_chars(text.data() + start, text.data() + text.size(), number);
    if (error == std::errc() && end == text.data() + text.size() &&
        !(start == 1 && text.size() > 1 && text[1] == '-')) {
      return Value::Int64(number);
    }
  }
  return Value::String(text);
}

class Parser {
 public:
  Parser(std::string_view input, SetMode mode,
         const std::function<Result<std::string>(const std::string&)>* read_file)
      : input_(input), mode_(mode), read_file_(read_file) {}

  Status Parse(Value& data) {
    while (true) {
      Status s = Key(data, 0);
      if (s.ok()) continue;
      if (IsEof(s)) return Status();
      return s;
    }
  }

 private:
  // runesUntil: text up to a stop character (consumed and returned in `last`), with `\x`
  // giving x. Eof when the input ends first.
  Status RunesUntil(std::string_view stops, std::string& out, char& last) {
    out.clear();
    while (pos_ < input_.size()) {
      char c = input_[pos_++];
      if (stops.find(c) != std::string_view::npos) {
        last = c;
        return Status();
      }
      if (c == '\\' && mode_ != SetMode::kLiteral) {
        if (pos_ >= input_.size()) return Eof();
        c = input_[pos_++];
      }
      out += c;
    }
    return Eof();
  }

  Result<Value> Read(const std::string& text) {
    if (mode_ == SetMode::kString) return TypedValue(text, true);
    if (read_file_ != nullptr) {
      Result<std::string> content = (*read_file_)(text);
      // Not kNotFound, which this parser reserves for the end of its input.
      if (!content.ok()) return Status::Invalid(content.status().message());
      return Value::String(std::move(*content));
    }
    return TypedValue(text, false);
  }

  // valList: `{a,b}` or NotList.
  Result<Value> ValueList() {
    if (pos_ >= input_.size()) return Eof();
    if (input_[pos_] != '{') return NotList();
    ++pos_;
    std::vector<Value> items;
    std::string text;
    char last = 0;
    while (true) {
      Status s = RunesUntil(",}", text, last);
      if (IsEof(s)) return Status::Invalid("list must terminate with '}'");
      Result<Value> item = Read(text);
      if (!item.ok()) return item.status();
      items.push_back(std::move(*item));
      if (last == '}') {
        if (pos_ < input_.size() && input_[pos_] == ',') ++pos_;
        return Value::List(std::move(items));
      }
    }
  }

  // The value after '=' (list, scalar or empty); Eof when the input ends right after '='.
  Result<Value> AfterEquals(bool& at_end) {
    at_end = false;
    if (mode_ == SetMode::kJson) return JsonValue();
    if (mode_ == SetMode::kLiteral) {
      std::string rest(input_.substr(pos_));
      pos_ = input_.size();
      return Value::String(std::move(rest));
    }
    Result<Value> list = ValueList();
    if (list.ok()) return list;
    if (IsEof(list.status())) {
      at_end = true;
      return Value::String("");
    }
    if (!IsNotList(list.status())) return list.status();
    std::string text;
    char last = 0;
    (void)RunesUntil(",", text, last);
    return Read(text);
  }

  // Skips blanks and one comma; true when nothing else follows (emptyVal).
  bool EmptyValue() {
    while (pos_ < input_.size()) {
      char c = input_[pos_];
      if (c == ',') {
        ++pos_;
        return true;
      }
      if (!std::isspace(static_cast<unsigned char>(c))) return false;
      ++pos_;
    }
    return true;
  }

  Result<Value> JsonValue() {
    if (EmptyValue()) return Value();
    size_t start = pos_;
    size_t end = JsonEnd(start);
    nlohmann::json parsed =
        nlohmann::json::parse(input_.substr(start, end - start), nullptr, false);
    if (parsed.is_discarded()) return Status::Invalid("invalid JSON value");
    pos_ = end;
    EmptyValue();
    return Value::FromJson(parsed);
  }

  // Where the JSON value starting at `start` ends.
  size_t JsonEnd(size_t start) const {
    int depth = 0;
    bool in_string = false;
    for (size_t i = start; i < input_.size(); ++i) {
      char c = input_[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
          if (depth == 0) return i + 1;
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      } else if (depth == 0 && (c == ',' || std::isspace(static_cast<unsigned char>(c)))) {
        return i;
      }
    }
    return input_.size();
  }

  Result<int> Index() {
    std::string text;
    char last = 0;
    if (Status s = RunesUntil("]", text, last); !s.ok()) return s;
    int index = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), index);
    if (error != std::errc() || end != text.data() + text.size()) {
      return Status::Invalid("error parsing index: strconv.Atoi: parsing \"" + text +
                             "\": invalid syntax");
    }
    return index;
  }

  static Status SetIndex(std::vector<Value>& list, int index, Value value) {
    if (index < 0)
      return Status::Invalid("negative " + std::to_string(index) + " index not allowed");
    if (index > kMaxIndex) {
      return Status::Invalid("index of " + std::to_string(index) +
                             " is greater than maximum supported index of " +
                             std::to_string(kMaxIndex));
    }
    if (list.size() <= static_cast<size_t>(index)) list.resize(static_cast<size_t>(index) + 1);
    list[static_cast<size_t>(index)] = std::move(value);
    return Status();
  }

  Status ListItem(std::vector<Value>& list, int index, int level) {
    if (index < 0)
      return Status::Invalid("negative " + std::to_string(index) + " index not allowed");
    std::string text;
    char last = 0;
    Status s = RunesUntil("[.=", text, last);
    if (!text.empty())
      return Status::Invalid("unexpected data at end of array index: \"" + text + "\"");
    if (!s.ok()) return s;
    if (last == '=') {
      bool at_end = false;
      Result<Value> value = AfterEquals(at_end);
      if (!value.ok()) return value.status();
      return SetIndex(list, index, std::move(*value));
    }
    if (last == '[') {
      Result<int> next = Index();
      if (!next.ok()) return next.status();
      std::vector<Value> inner;
      if (list.size() > static_cast<size_t>(index) &&
          list[static_cast<size_t>(index)].kind() == Value::Kind::kList) {
        inner = list[static_cast<size_t>(index)].list();
      }
      if (Status e = ListItem(inner, *next, level); !e.ok()) return e;
      return SetIndex(list, index, Value::List(std::move(inner)));
    }
    Value inner = Value::Map();
    if (list.size() > static_cast<size_t>(index) &&
        list[static_cast<size_t>(index)].kind() == Value::Kind::kMap) {
      inner = list[static_cast<size_t>(index)];
    }
    if (Status e = Key(inner, level); !e.ok()) return e;
    return SetIndex(list, index, inner);
  }

  static void Set(Value& data, const std::string& key, Value value) {
    if (key.empty()) return;
    data.mutable_map()[key] = std::move(value);
  }

  Status Key(Value& data, int level) {
    std::string key;
    char last = 0;
    Status s = RunesUntil(mode_ == SetMode::kLiteral ? "=[." : "=[,.", key, last);
    if (!s.ok()) {
      if (key.empty()) return s;
      return Status::Invalid("key \"" + key + "\" has no value");
    }
    if (last == '[') {
      Result<int> index = Index();
      if (!index.ok()) return index.status();
      std::vector<Value> list;
      auto found = data.map().find(key);
      if (found != data.map().end()) {
        if (found->second.kind() != Value::Kind::kList) {
          return Status::Invalid("unable to parse key: interface conversion: interface {} is " +
                                 found->second.TypeName() + ", not []interface {}");
        }
        list = found->second.list();
      }
      Status e = ListItem(list, *index, level);
      Set(data, key, Value::List(std::move(list)));
      return e;
    }
    if (last == '=') {
      bool at_end = false;
      Result<Value> value = AfterEquals(at_end);
      if (!value.ok()) return value.status();
      Set(data, key, std::move(*value));
      return at_end ? Eof() : Status();
    }
    if (last == ',') {
      Set(data, key, Value::String(""));
      return Status::Invalid("key \"" + key + "\" has no value (cannot end with ,)");
    }
    if (++level > kMaxNestedNameLevel) {
      return Status::Invalid(
          "value name nested level is greater than maximum supported nested "
          "level of " +
          std::to_string(kMaxNestedNameLevel));
    }
    Value inner = Value::Map();
    if (auto found = data.map().find(key); found != data.map().end()) {
      if (found->second.kind() != Value::Kind::kMap) {
        return Status::Invalid("unable to parse key: interface conversion: interface {} is " +
                               found->second.TypeName() + ", not map[string]interface {}");
      }
      inner = found->second;
    }
    Status e = Key(inner, level);
    if (e.ok() && inner.map().empty()) {
      return Status::Invalid("key map \"" + key + "\" has no value");
    }
    if (!inner.map().empty()) Set(data, key, inner);
    return e;
  }

  std::string_view input_;
  size_t pos_ = 0;
  SetMode mode_;
  const std::function<Result<std::string>(const std::string&)>* read_file_;
};

}  // namespace

Status ParseSet(std::string_view text, SetMode mode, Value& target) {
  return Parser(text, mode, nullptr).Parse(target);
}

Status ParseSetFile(std::string_view text,
                    const std::function<Result<std::string>(const std::string&)>& read_file,
                    Value& target) {
  return Parser(text, SetMode::kTyped, &read_file).Parse(target);
}

Result<Value> MergeUserValues(const ValueOptions& options) {
  Value base = Value::Map();
  for (const auto& [name, content] : options.files) {
    Result<Value> values = ReadValues(content, name);
    if (!values.ok()) return values.status().Wrap("failed to parse " + name);
    base = MergeTables(*values, base, true);
  }
  for (const std::string& value : options.set_json) {
    std::string_view trimmed = TrimSpace(value);
    if (trimmed.starts_with('{')) {
      nlohmann::json parsed = nlohmann::json::parse(trimmed, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        return Status::Invalid("failed parsing --set-json data JSON: " + value);
      }
      base = MergeTables(Value::FromJson(parsed), base, true);
    } else if (!ParseSet(value, SetMode::kJson, base).ok()) {
      return Status::Invalid("failed parsing --set-json data " + value);
    }
  }
  struct Layer {
    const std::vector<std::string>& values;
    SetMode mode;
    const char* flag;
  };
  for (const Layer& layer : {Layer{options.set, SetMode::kTyped, "--set"},
                             Layer{options.set_string, SetMode::kString, "--set-string"}}) {
    for (const std::string& value : layer.values) {
      if (Status s = ParseSet(value, layer.mode, base); !s.ok()) {
        return Status::Invalid(std::string("failed parsing ") + layer.flag +
                               " data: " + s.message());
      }
    }
  }
  for (const std::string& value : options.set_file) {
    if (!options.read_file) return Status::Invalid("--set-file is not available here");
    if (Status s = ParseSetFile(value, options.read_file, base); !s.ok()) {
      return Status::Invalid("failed parsing --set-file data: " + s.message());
    }
  }
  for (const std::string& value : options.set_literal) {
    if (Status s = ParseSet(value, SetMode::kLiteral, base); !s.ok()) {
      return Status::Invalid("failed parsing --set-literal data: " + s.message());
    }
  }
  return base;
}

}  // namespace converge::sources::helm
