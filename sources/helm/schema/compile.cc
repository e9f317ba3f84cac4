// Compiles a document into Schema nodes as the library's objCompiler does: which keywords count
// depends on the draft, keywords of the wrong JSON type are skipped (the meta-schema check has
// reported them), and before 2019-09 a $ref hides its siblings.

#include <algorithm>
#include <cmath>

#include "sources/helm/schema/internal.h"

namespace converge::sources::helm::schema {
namespace {

// Keys of the schemas that stand for something outside the document.
constexpr std::string_view kAcceptAll = "#accept-all";
constexpr std::string_view kMetaSchema = "#meta-schema-";

std::string Url(const std::string& pointer) { return std::string(kRootUrl) + "#" + pointer; }

class Compiler {
 public:
  explicit Compiler(Compiled& out) : out_(out) {}

  Status Run() {
    Result<const Schema*> root = Enqueue("");
    if (!root.ok()) return root.status();
    out_.root = *root;
    while (!queue_.empty()) {
      Schema* next = queue_.back();
      queue_.pop_back();
      if (Status s = CompileOne(*next); !s.ok()) return s;
    }
    return Status();
  }

 private:
  const Schema* Enqueue(const std::string& pointer) {
    auto found = out_.schemas.find(pointer);
    if (found != out_.schemas.end()) return found->second.get();
    auto schema = std::make_unique<Schema>();
    schema->pointer = pointer;
    Schema* raw = schema.get();
    out_.schemas.emplace(pointer, std::move(schema));
    if (pointer == kAcceptAll) {
      raw->always = true;
    } else if (pointer.starts_with(kMetaSchema)) {
      raw->meta_schema = static_cast<Draft>(std::stoi(pointer.substr(kMetaSchema.size())));
    } else {
      queue_.push_back(raw);
    }
    return raw;
  }

  Result<const Schema*> EnqueueRef(const Place& place, const json& node, const char* keyword) {
    auto ref = node.find(keyword);
    if (ref == node.end() || !ref->is_string()) return nullptr;
    Result<Target> target = out_.document.Resolve(place.base, ref->get<std::string>());
    if (!target.ok()) return target.status();
    if (target->meta_schema) {
      return Enqueue(std::string(kMetaSchema) + std::to_string(*target->meta_schema));
    }
    return Enqueue(target->accept_all ? std::string(kAcceptAll) : target->pointer);
  }

  const Schema* Child(const Schema& schema, const json& node, std::string_view keyword) {
    if (!node.contains(keyword)) return nullptr;
    return Enqueue(schema.pointer + JoinPointer({std::string(keyword)}));
  }

  SchemaList Children(const Schema& schema, const json& node, std::string_view keyword) {
    SchemaList list;
    auto value = node.find(keyword);
    if (value == node.end() || !value->is_array()) return list;
    for (size_t i = 0; i < value->size(); ++i) {
      list.push_back(
          Enqueue(schema.pointer + JoinPointer({std::string(keyword)}) + "/" + std::to_string(i)));
    }
    return list;
  }

  std::map<std::string, const Schema*> ChildMap(const Schema& schema, const json& node,
                                                std::string_view keyword) {
    std::map<std::string, const Schema*> map;
    auto value = node.find(keyword);
    if (value == node.end() || !value->is_object()) return map;
    for (const auto& [name, child] : value->items()) {
      map[name] = Enqueue(schema.pointer + JoinPointer({std::string(keyword), name}));
    }
    return map;
  }

  Additional AdditionalOf(const Schema& schema, const json& node, std::string_view keyword) {
    auto value = node.find(keyword);
    if (value == node.end()) return std::monostate();
    if (value->is_boolean()) return value->get<bool>();
    if (value->is_object()) return Child(schema, node, keyword);
    return std::monostate();
  }

  static std::optional<Decimal> Number(const json& node, const char* keyword) {
    auto value = node.find(keyword);
    if (value == node.end() || !value->is_number()) return std::nullopt;
    return ToDecimal(*value);
  }

  static std::optional<int64_t> Integer(const json& node, const char* keyword) {
    auto value = node.find(keyword);
    if (value == node.end() || !value->is_number()) return std::nullopt;
    if (value->is_number_integer()) return value->get<int64_t>();
    double number = value->get<double>();
    if (std::floor(number) != number) return std::nullopt;
    // Counts past int64 are as good as infinite; the cast would be undefined.
    return static_cast<int64_t>(std::clamp(number, -9e18, 9e18));
  }

  static std::vector<std::string> Strings(const json& value) {
    std::vector<std::string> strings;
    if (!value.is_array()) return strings;
    for (const json& item : value) {
      if (item.is_string()) strings.push_back(item.get<std::string>());
    }
    return strings;
  }

  static Result<std::unique_ptr<RE2>> Regex(const std::string& pattern, const std::string& at) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<RE2>(pattern, options);
    if (!re->ok()) {
      return Status::Invalid("invalid regex " + json(pattern).dump() + " at " + json(at).dump() +
                             ": error parsing regexp: " + re->error());
    }
    return re;
  }

  Status CompileOne(Schema& schema) {
    const json& node = *out_.document.Find(schema.pointer);
    Place place = out_.document.PlaceOf(schema.pointer);
    schema.draft = place.draft;
    schema.resource = Enqueue(place.resource);
    if (node.is_boolean()) {
      schema.always = node.get<bool>();
      return Status();
    }
    if (!node.is_object()) {
      schema.always = true;
      return Status();
    }
    Result<const Schema*> ref = EnqueueRef(place, node, "$ref");
    if (!ref.ok()) return ref.status();
    schema.ref = *ref;
    if (schema.ref != nullptr && schema.draft < kDraft2019) return Status();
    if (schema.pointer == place.resource) CompileDynamicAnchors(schema, place);
    if (Status s = CompileApplicators(schema, node); !s.ok()) return s;
    if (Status s = CompileAssertions(schema, node); !s.ok()) return s;
    return CompileLaterDrafts(schema, place, node);
  }

  void CompileDynamicAnchors(Schema& schema, const Place& place) {
    if (schema.draft < kDraft2020) return;
    const auto* anchors = out_.document.DynamicAnchors(place.resource);
    if (anchors == nullptr) return;
    for (const auto& [name, pointer] : *anchors) schema.dynamic_anchors[name] = Enqueue(pointer);
  }

  Status CompileApplicators(Schema& schema, const json& node) {
    schema.all_of = Children(schema, node, "allOf");
    schema.any_of = Children(schema, node, "anyOf");
    schema.one_of = Children(schema, node, "oneOf");
    schema.negated = Child(schema, node, "not");
    if (schema.draft < kDraft2020) {
      if (auto items = node.find("items"); items != node.end()) {
        if (items->is_array()) {
          schema.item_list = Children(schema, node, "items");
          schema.additional_items = AdditionalOf(schema, node, "additionalItems");
        } else {
          schema.items = Child(schema, node, "items");
        }
      }
    }
    schema.properties = ChildMap(schema, node, "properties");
    for (const auto& [pattern, sub] : ChildMap(schema, node, "patternProperties")) {
      Result<std::unique_ptr<RE2>> re = Regex(pattern, Url(schema.pointer + "/patternProperties"));
      if (!re.ok()) return re.status();
      schema.pattern_properties.emplace_back(std::move(*re), sub);
    }
    schema.additional_properties = AdditionalOf(schema, node, "additionalProperties");
    if (auto dependencies = node.find("dependencies");
        dependencies != node.end() && dependencies->is_object()) {
      for (const auto& [name, value] : dependencies->items()) {
        if (value.is_array()) {
          schema.dependencies[name] = Strings(value);
        } else {
          schema.dependencies[name] = Enqueue(schema.pointer + JoinPointer({"dependencies", name}));
        }
      }
    }
    return Status();
  }

  Status CompileAssertions(Schema& schema, const json& node) {
    if (auto type = node.find("type"); type != node.end()) {
      if (type->is_string()) schema.types = {type->get<std::string>()};
      if (type->is_array()) schema.types = Strings(*type);
    }
    if (auto values = node.find("enum"); values != node.end() && values->is_array()) {
      schema.enum_values = &*values;
    }
    schema.multiple_of = Number(node, "multipleOf");
    auto flag = [&](const char* keyword) {
      auto value = node.find(keyword);
      return value != node.end() && value->is_boolean() && value->get<bool>();
    };
    schema.maximum = Number(node, "maximum");
    if (flag("exclusiveMaximum")) {
      std::swap(schema.maximum, schema.exclusive_maximum);
    } else {
      schema.exclusive_maximum = Number(node, "exclusiveMaximum");
    }
    schema.minimum = Number(node, "minimum");
    if (flag("exclusiveMinimum")) {
      std::swap(schema.minimum, schema.exclusive_minimum);
    } else {
      schema.exclusive_minimum = Number(node, "exclusiveMinimum");
    }
    schema.min_length = Integer(node, "minLength");
    schema.max_length = Integer(node, "maxLength");
    if (auto pattern = node.find("pattern"); pattern != node.end() && pattern->is_string()) {
      Result<std::unique_ptr<RE2>> re = Regex(*pattern, Url(schema.pointer + "/pattern"));
      if (!re.ok()) return re.status();
      schema.pattern = std::move(*re);
    }
    schema.min_items = Integer(node, "minItems");
    schema.max_items = Integer(node, "maxItems");
    schema.unique_items = flag("uniqueItems");
    schema.max_properties = Integer(node, "maxProperties");
    schema.min_properties = Integer(node, "minProperties");
    if (auto required = node.find("required"); required != node.end()) {
      schema.required = Strings(*required);
    }
    // Helm leaves format assertions at the library's default: on before 2019-09, off after.
    if (auto format = node.find("format"); schema.draft < kDraft2019 && format != node.end() &&
                                           format->is_string() &&
                                           KnownFormat(format->get<std::string>())) {
      schema.format = format->get<std::string>();
    }
    return Status();
  }

  Status CompileLaterDrafts(Schema& schema, const Place& place, const json& node) {
    if (schema.draft >= kDraft6) {
      schema.contains = Child(schema, node, "contains");
      schema.property_names = Child(schema, node, "propertyNames");
      if (auto constant = node.find("const"); constant != node.end()) schema.constant = &*constant;
    }
    if (schema.draft >= kDraft7) {
      if (auto condition = node.find("if"); condition != node.end()) {
        schema.if_schema = Child(schema, node, "if");
        bool always = condition->is_boolean() && condition->get<bool>();
        bool never = condition->is_boolean() && !condition->get<bool>();
        if (!never) schema.then_schema = Child(schema, node, "then");
        if (!always) schema.else_schema = Child(schema, node, "else");
      }
    }
    if (schema.draft >= kDraft2019) {
      Result<const Schema*> recursive = EnqueueRef(place, node, "$recursiveRef");
      if (!recursive.ok()) return recursive.status();
      schema.recursive_ref = *recursive;
      auto anchor = node.find("$recursiveAnchor");
      schema.recursive_anchor = anchor != node.end() && anchor->is_boolean() && anchor->get<bool>();
      if (schema.contains != nullptr) {
        schema.min_contains = Integer(node, "minContains");
        schema.max_contains = Integer(node, "maxContains");
      }
      if (auto required = node.find("dependentRequired");
          required != node.end() && required->is_object()) {
        for (const auto& [name, value] : required->items()) {
          if (value.is_array()) schema.dependent_required[name] = Strings(value);
        }
      }
      schema.dependent_schemas = ChildMap(schema, node, "dependentSchemas");
      schema.unevaluated_items = Child(schema, node, "unevaluatedItems");
      schema.unevaluated_properties = Child(schema, node, "unevaluatedProperties");
    }
    if (schema.draft >= kDraft2020) {
      Result<const Schema*> dynamic = EnqueueRef(place, node, "$dynamicRef");
      if (!dynamic.ok()) return dynamic.status();
      schema.dynamic_ref = *dynamic;
      if (schema.dynamic_ref != nullptr) {
        std::string fragment = SplitFragment(node["$dynamicRef"].get<std::string>()).second;
        if (!fragment.empty() && fragment[0] != '/') schema.dynamic_ref_anchor = fragment;
      }
      if (auto anchor = node.find("$dynamicAnchor"); anchor != node.end() && anchor->is_string()) {
        schema.dynamic_anchor = anchor->get<std::string>();
      }
      schema.prefix_items = Children(schema, node, "prefixItems");
      schema.items_after_prefix = Child(schema, node, "items");
    }
    return Status();
  }

  Compiled& out_;
  std::vector<Schema*> queue_;
};

}  // namespace

Result<std::unique_ptr<Compiled>> Compile(Document document) {
  auto compiled = std::make_unique<Compiled>(Compiled{.document = std::move(document)});
  if (Status s = Compiler(*compiled).Run(); !s.ok()) return s;
  return compiled;
}

}  // namespace converge::sources::helm::schema
