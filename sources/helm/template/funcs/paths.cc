// Sprig's path functions: Go's path package (and path/filepath, the same on Linux).

#include <vector>

#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

std::string Clean(const std::string& path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(i, slash - i);
    i = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::string Base(std::string path) {
  if (path.empty()) return ".";
  while (path.size() > 0 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  if (slash != std::string::npos) path = path.substr(slash + 1);
  return path.empty() ? "/" : path;
}

std::string Dir(const std::string& path) {
  size_t slash = path.rfind('/');
  return Clean(slash == std::string::npos ? "" : path.substr(0, slash + 1));
}

std::string Ext(const std::string& path) {
  for (size_t i = path.size(); i > 0 && path[i - 1] != '/'; --i) {
    if (path[i - 1] == '.') return path.substr(i - 1);
  }
  return "";
}

}  // namespace

CONVERGE_FUNC(FnBase) {
  (void)call;
  return Value::String(Base(args[0].string_value()));
}

CONVERGE_FUNC(FnDir) {
  (void)call;
  return Value::String(Dir(args[0].string_value()));
}

CONVERGE_FUNC(FnClean) {
  (void)call;
  return Value::String(Clean(args[0].string_value()));
}

CONVERGE_FUNC(FnExt) {
  (void)call;
  return Value::String(Ext(args[0].string_value()));
}

CONVERGE_FUNC(FnIsAbs) {
  (void)call;
  return Value::Bool(args[0].string_value().starts_with('/'));
}

}  // namespace converge::sources::helm::tmpl
