#include "sources/helm/schema/internal.h"
#include "sources/helm/template/fmt.h"

namespace converge::sources::helm::schema {
namespace {

std::string_view WithoutScheme(std::string_view uri) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (uri.starts_with(scheme)) return uri.substr(scheme.size());
  }
  return {};
}

std::string EscapeToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string JoinPointer(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& token : tokens) out += "/" + EscapeToken(token);
  return out;
}

std::vector<std::string> SplitPointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  size_t start = 1;
  while (true) {
    size_t slash = pointer.find('/', start);
    std::string token(
        pointer.substr(start, slash == std::string_view::npos ? slash : slash - start));
    for (size_t at; (at = token.find("~1")) != std::string::npos;) token.replace(at, 2, "/");
    for (size_t at; (at = token.find("~0")) != std::string::npos;) token.replace(at, 2, "~");
    tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return tokens;
}

std::optional<Draft> DraftOf(std::string_view full) {
  std::string without_fragment = SplitFragment(full).first;
  std::string_view uri = WithoutScheme(without_fragment);
  if (uri == "json-schema.org/draft-04/schema") return kDraft4;
  if (uri == "json-schema.org/draft-06/schema") return kDraft6;
  if (uri == "json-schema.org/draft-07/schema") return kDraft7;
  if (uri == "json-schema.org/draft/2019-09/schema") return kDraft2019;
  if (uri == "json-schema.org/draft/2020-12/schema" || uri == "json-schema.org/schema") {
    return kDraft2020;
  }
  return std::nullopt;
}

std::string MetaSchemaUrl(Draft draft) {
  switch (draft) {
    case kDraft4:
      return "http://json-schema.org/draft-04/schema#";
    case kDraft6:
      return "http://json-schema.org/draft-06/schema#";
    case kDraft7:
      return "http://json-schema.org/draft-07/schema#";
    case kDraft2019:
      return "https://json-schema.org/draft/2019-09/schema#";
    case kDraft2020:
      break;
  }
  return "https://json-schema.org/draft/2020-12/schema#";
}

const std::vector<std::pair<std::string_view, Holds>>& SchemaKeywords() {
  static const std::vector<std::pair<std::string_view, Holds>> kKeywords = {
      {"additionalItems", Holds::kSchema},
      {"additionalProperties", Holds::kSchema},
      {"not", Holds::kSchema},
      {"items", Holds::kSchema},
      {"contains", Holds::kSchema},
      {"propertyNames", Holds::kSchema},
      {"if", Holds::kSchema},
      {"then", Holds::kSchema},
      {"else", Holds::kSchema},
      {"unevaluatedItems", Holds::kSchema},
      {"unevaluatedProperties", Holds::kSchema},
      {"contentSchema", Holds::kSchema},
      {"allOf", Holds::kList},
      {"anyOf", Holds::kList},
      {"oneOf", Holds::kList},
      {"prefixItems", Holds::kList},
      {"properties", Holds::kMap},
      {"patternProperties", Holds::kMap},
      {"definitions", Holds::kMap},
      {"$defs", Holds::kMap},
      {"dependentSchemas", Holds::kMap},
      {"dependencies", Holds::kMap},
  };
  return kKeywords;
}

Result<Document> Document::Index(json root) {
  Document document;
  Place place{.base = std::string(kRootUrl), .draft = kDraft2020, .resource = ""};
  if (root.is_object()) {
    if (auto uri = root.find("$schema"); uri != root.end()) {
      if (!uri->is_string()) {
        return Status::Invalid("jsonschema: invalid $schema in " + std::string(kRootUrl));
      }
      std::optional<Draft> draft = DraftOf(uri->get<std::string>());
      if (!draft) {
        return Status::Invalid("failing loading " +
                               tmpl::GoQuote(SplitFragment(uri->get<std::string>()).first) +
                               ": Converge reads no schema outside values.schema.json");
      }
      place.draft = *draft;
    }
  }
  document.root_ = std::move(root);
  document.resources_[std::string(kRootUrl)] = "";
  document.Walk(document.root_, "", place);
  return document;
}

void Document::Walk(const json& node, const std::string& pointer, Place place) {
  if (!node.is_object()) {
    if (node.is_boolean()) places_.emplace(pointer, place);
    return;
  }
  const char* id_keyword = place.draft == kDraft4 ? "id" : "$id";
  auto id = node.find(id_keyword);
  bool ignored = place.draft < kDraft2019 && node.contains("$ref");
  if (id != node.end() && id->is_string() && !ignored) {
    auto [uri, fragment] = SplitFragment(ResolveUri(place.base, id->get<std::string>()));
    if (uri != place.base || pointer.empty()) {
      place.base = uri;
      place.resource = pointer;
      resources_[uri] = pointer;
      if (auto meta = node.find("$schema"); meta != node.end() && meta->is_string()) {
        if (std::optional<Draft> draft = DraftOf(meta->get<std::string>())) place.draft = *draft;
      }
    }
    if (!fragment.empty() && place.draft < kDraft2019) anchors_[uri + "#" + fragment] = pointer;
  }
  if (place.draft >= kDraft2019) {
    if (auto anchor = node.find("$anchor"); anchor != node.end() && anchor->is_string()) {
      anchors_[place.base + "#" + anchor->get<std::string>()] = pointer;
    }
  }
  if (place.draft >= kDraft2020) {
    if (auto anchor = node.find("$dynamicAnchor"); anchor != node.end() && anchor->is_string()) {
      anchors_[place.base + "#" + anchor->get<std::string>()] = pointer;
      dynamic_anchors_[place.resource][anchor->get<std::string>()] = pointer;
    }
  }
  places_.emplace(pointer, place);
  for (const auto& [keyword, holds] : SchemaKeywords()) {
    auto value = node.find(std::string(keyword));
    if (value == node.end()) continue;
    std::string at = pointer + "/" + JoinPointer({std::string(keyword)}).substr(1);
    if (value->is_array() && holds != Holds::kMap) {
      for (size_t i = 0; i < value->size(); ++i) {
        Walk((*value)[i], at + "/" + std::to_string(i), place);
      }
    } else if (holds == Holds::kMap && value->is_object()) {
      for (const auto& [name, child] : value->items()) Walk(child, at + JoinPointer({name}), place);
    } else if (holds != Holds::kMap) {
      Walk(*value, at, place);
    }
  }
}

const json* Document::Find(const std::string& pointer) const {
  const json* node = &root_;
  for (const std::string& token : SplitPointer(pointer)) {
    if (node->is_object()) {
      auto child = node->find(token);
      if (child == node->end()) return nullptr;
      node = &*child;
    } else if (node->is_array()) {
      if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos ||
          (token.size() > 1 && token[0] == '0')) {
        return nullptr;
      }
      size_t index = std::stoul(token);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

Place Document::PlaceOf(const std::string& pointer) const {
  std::string at = pointer;
  while (true) {
    if (auto found = places_.find(at); found != places_.end()) return found->second;
    size_t slash = at.rfind('/');
    if (slash == std::string::npos) return places_.at("");
    at.erase(slash);
  }
}

Result<Target> Document::Resolve(const std::string& base, std::string_view reference) const {
  std::string absolute = ResolveUri(base, reference);
  auto [uri, fragment] = SplitFragment(absolute);
  fragment = PercentDecode(fragment);
  auto resource = resources_.find(uri);
  if (resource == resources_.end()) {
    if (uri.starts_with("urn:")) return Target{.pointer = "", .accept_all = true};
    if (std::optional<Draft> draft = DraftOf(uri); draft && fragment.empty()) {
      return Target{.pointer = "", .meta_schema = draft};
    }
    return Status::Invalid("failing loading " + tmpl::GoQuote(uri) +
                           ": Converge reads no schema outside values.schema.json");
  }
  std::string pointer;
  if (fragment.empty() || fragment[0] == '/') {
    pointer = resource->second + fragment;
  } else {
    auto anchor = anchors_.find(uri + "#" + fragment);
    if (anchor == anchors_.end()) {
      return Status::Invalid("anchor in " + tmpl::GoQuote(absolute) + " not found in schema " +
                             tmpl::GoQuote(uri));
    }
    pointer = anchor->second;
  }
  if (Find(pointer) == nullptr) {
    return Status::Invalid("json-pointer in " + tmpl::GoQuote(absolute) + " not found");
  }
  return Target{.pointer = pointer};
}

const std::map<std::string, std::string>* Document::DynamicAnchors(
    const std::string& resource) const {
  auto found = dynamic_anchors_.find(resource);
  return found == dynamic_anchors_.end() ? nullptr : &found->second;
}

}  // namespace converge::sources::helm::schema
