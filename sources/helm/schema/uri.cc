#include "sources/helm/schema/internal.h"

namespace converge::sources::helm::schema {
namespace {

struct Uri {
  std::string scheme;
  std::optional<std::string> authority;
  std::string path;
  std::optional<std::string> query;
  std::optional<std::string> fragment;
};

Uri Parse(std::string_view text) {
  Uri uri;
  if (size_t hash = text.find('#'); hash != std::string_view::npos) {
    uri.fragment = std::string(text.substr(hash + 1));
    text = text.substr(0, hash);
  }
  if (size_t question = text.find('?'); question != std::string_view::npos) {
    uri.query = std::string(text.substr(question + 1));
    text = text.substr(0, question);
  }
  size_t colon = text.find(':');
  bool has_scheme = colon != std::string_view::npos && colon > 0 && std::isalpha(text[0]);
  for (size_t i = 0; has_scheme && i < colon; ++i) {
    char c = text[i];
    has_scheme = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  }
  if (has_scheme) {
    uri.scheme = std::string(text.substr(0, colon));
    text = text.substr(colon + 1);
  }
  if (text.starts_with("//")) {
    size_t slash = text.find('/', 2);
    uri.authority =
        std::string(text.substr(2, slash == std::string_view::npos ? slash : slash - 2));
    text = slash == std::string_view::npos ? std::string_view() : text.substr(slash);
  }
  uri.path = std::string(text);
  return uri;
}

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view path) {
  std::string out;
  while (!path.empty()) {
    if (path.starts_with("../")) {
      path.remove_prefix(3);
    } else if (path.starts_with("./")) {
      path.remove_prefix(2);
    } else if (path.starts_with("/./")) {
      path.remove_prefix(2);
    } else if (path == "/.") {
      path = "/";
    } else if (path.starts_with("/../") || path == "/..") {
      path = path.size() == 3 ? std::string_view("/") : path.substr(3);
      size_t last = out.rfind('/');
      out.erase(last == std::string::npos ? 0 : last);
    } else if (path == "." || path == "..") {
      path = {};
    } else {
      size_t next = path.find('/', path[0] == '/' ? 1 : 0);
      if (next == std::string_view::npos) next = path.size();
      out += path.substr(0, next);
      path.remove_prefix(next);
    }
  }
  return out;
}

std::string Compose(const Uri& uri) {
  std::string out;
  if (!uri.scheme.empty()) out += uri.scheme + ":";
  if (uri.authority) out += "//" + *uri.authority;
  out += uri.path;
  if (uri.query) out += "?" + *uri.query;
  if (uri.fragment) out += "#" + *uri.fragment;
  return out;
}

}  // namespace

std::string ResolveUri(std::string_view base_text, std::string_view reference) {
  Uri ref = Parse(reference);
  Uri base = Parse(base_text);
  Uri target;
  if (!ref.scheme.empty()) {
    target = ref;
    target.path = RemoveDotSegments(ref.path);
  } else if (ref.authority) {
    target = ref;
    target.scheme = base.scheme;
    target.path = RemoveDotSegments(ref.path);
  } else {
    target.scheme = base.scheme;
    target.authority = base.authority;
    if (ref.path.empty()) {
      target.path = base.path;
      target.query = ref.query ? ref.query : base.query;
    } else {
      if (ref.path[0] == '/') {
        target.path = RemoveDotSegments(ref.path);
      } else {
        std::string merged;
        if (base.authority && base.path.empty()) {
          merged = "/" + ref.path;
        } else {
          size_t slash = base.path.rfind('/');
          merged = (slash == std::string::npos ? "" : base.path.substr(0, slash + 1)) + ref.path;
        }
        target.path = RemoveDotSegments(merged);
      }
      target.query = ref.query;
    }
    target.fragment = ref.fragment;
  }
  target.fragment = ref.fragment;
  return Compose(target);
}

std::pair<std::string, std::string> SplitFragment(std::string_view uri) {
  size_t hash = uri.find('#');
  if (hash == std::string_view::npos) return {std::string(uri), ""};
  return {std::string(uri.substr(0, hash)), std::string(uri.substr(hash + 1))};
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
        std::isxdigit(text[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace converge::sources::helm::schema
