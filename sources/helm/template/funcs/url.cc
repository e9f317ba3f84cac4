// Sprig's urlParse and urlJoin (url.go) over Go's net/url: Parse splits a URL into the parts
// Sprig puts in a dict, and URL.String puts them back with Go's escaping rules.

#include <optional>

#include "sources/helm/template/fmt.h"
#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

enum class Encode { kPath, kHost, kUserPassword, kFragment };

bool IsAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// net/url's shouldEscape for the modes URL.String uses.
bool ShouldEscape(unsigned char c, Encode mode) {
  if (IsAlnum(c)) return false;
  if (mode == Encode::kHost &&
      std::string_view("!$&'()*+,;=:[]<>\"").find(static_cast<char>(c)) != std::string_view::npos) {
    return false;
  }
  if (c == '-' || c == '_' || c == '.' || c == '~') return false;
  if (std::string_view("$&+,/:;=?@").find(static_cast<char>(c)) != std::string_view::npos) {
    switch (mode) {
      case Encode::kPath:
        return c == '?';
      case Encode::kUserPassword:
        return c == '@' || c == '/' || c == '?' || c == ':';
      case Encode::kFragment:
        return false;
      case Encode::kHost:
        break;
    }
  }
  if (mode == Encode::kFragment && (c == '!' || c == '(' || c == ')' || c == '*')) return false;
  return true;
}

std::string Escape(std::string_view text, Encode mode) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (!ShouldEscape(c, mode)) {
      out += ch;
      continue;
    }
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

int Unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// net/url's unescape; the error is Go's message.
Result<std::string> Unescape(std::string_view text, Encode mode) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size() || Unhex(text[i + 1]) < 0 || Unhex(text[i + 2]) < 0) {
        return Status::Invalid("invalid URL escape " + GoQuote(text.substr(i, 3)));
      }
      if (mode == Encode::kHost && Unhex(text[i + 1]) < 8 && text.substr(i, 3) != "%25") {
        return Status::Invalid("invalid URL escape " + GoQuote(text.substr(i, 3)));
      }
      out += static_cast<char>(Unhex(text[i + 1]) * 16 + Unhex(text[i + 2]));
      i += 2;
      continue;
    }
    if (mode == Encode::kHost && static_cast<unsigned char>(c) < 0x80 &&
        ShouldEscape(static_cast<unsigned char>(c), mode)) {
      return Status::Invalid("invalid character " + GoQuote(text.substr(i, 1)) + " in host name");
    }
    out += c;
  }
  return out;
}

bool ValidOptionalPort(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (char c : port.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool ValidUserinfo(std::string_view text) {
  for (char c : text) {
    if (!IsAlnum(static_cast<unsigned char>(c)) &&
        std::string_view("-._:~!$&'()*+,;=%@").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

struct Url {
  std::string scheme, opaque, host, path, raw_query, fragment;
  std::optional<std::string> username, password;
  bool omit_host = false;
  bool force_query = false;
};

Result<std::string> ParseHost(std::string_view host) {
  std::string_view port;
  if (host.starts_with('[')) {
    size_t close = host.rfind(']');
    if (close == std::string_view::npos) return Status::Invalid("missing ']' in host");
    port = host.substr(close + 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon);
  }
  if (!ValidOptionalPort(port)) {
    return Status::Invalid("invalid port " + GoQuote(port) + " after host");
  }
  return Unescape(host, Encode::kHost);
}

Status ParseAuthority(std::string_view authority, Url& url) {
  size_t at = authority.rfind('@');
  Result<std::string> host =
      ParseHost(at == std::string_view::npos ? authority : authority.substr(at + 1));
  if (!host.ok()) return host.status();
  url.host = std::move(*host);
  if (at == std::string_view::npos) return Status();
  std::string_view userinfo = authority.substr(0, at);
  if (!ValidUserinfo(userinfo)) return Status::Invalid("net/url: invalid userinfo");
  size_t colon = userinfo.find(':');
  Result<std::string> name = Unescape(userinfo.substr(0, colon), Encode::kUserPassword);
  if (!name.ok()) return name.status();
  url.username = std::move(*name);
  if (colon == std::string_view::npos) return Status();
  Result<std::string> password = Unescape(userinfo.substr(colon + 1), Encode::kUserPassword);
  if (!password.ok()) return password.status();
  url.password = std::move(*password);
  return Status();
}

// getScheme: letters first, then letters, digits, '+', '-', '.' up to ':'.
Result<std::string_view> SplitScheme(std::string_view& rest) {
  for (size_t i = 0; i < rest.size(); ++i) {
    char c = rest[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) return std::string_view();
      continue;
    }
    if (c != ':') return std::string_view();
    if (i == 0) return Status::Invalid("missing protocol scheme");
    std::string_view scheme = rest.substr(0, i);
    rest.remove_prefix(i + 1);
    return scheme;
  }
  return std::string_view();
}

Status ParseWithoutFragment(std::string_view rest, Url& url) {
  for (char c : rest) {
    if (static_cast<unsigned char>(c) < ' ' || c == 0x7f) {
      return Status::Invalid("net/url: invalid control character in URL");
    }
  }
  if (rest == "*") {
    url.path = "*";
    return Status();
  }
  Result<std::string_view> scheme = SplitScheme(rest);
  if (!scheme.ok()) return scheme.status();
  for (char c : *scheme) url.scheme += static_cast<char>(LowerRune(static_cast<unsigned char>(c)));
  if (rest.ends_with('?') && rest.find('?') == rest.size() - 1) {
    url.force_query = true;
    rest.remove_suffix(1);
  } else if (size_t question = rest.find('?'); question != std::string_view::npos) {
    url.raw_query = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  if (!rest.starts_with('/')) {
    if (!url.scheme.empty()) {
      url.opaque = rest;
      return Status();
    }
    if (rest.substr(0, rest.find('/')).find(':') != std::string_view::npos) {
      return Status::Invalid("first path segment in URL cannot contain colon");
    }
  }
  if ((!url.scheme.empty() || !rest.starts_with("///")) && rest.starts_with("//")) {
    std::string_view authority = rest.substr(2);
    size_t slash = authority.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : authority.substr(slash);
    Status parsed = ParseAuthority(authority.substr(0, slash), url);
    if (!parsed.ok()) return parsed;
  } else if (!url.scheme.empty() && rest.starts_with('/')) {
    url.omit_host = true;
  }
  Result<std::string> path = Unescape(rest, Encode::kPath);
  if (!path.ok()) return path.status();
  url.path = std::move(*path);
  return Status();
}

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  size_t hash = text.find('#');
  Status parsed = ParseWithoutFragment(text.substr(0, hash), url);
  if (parsed.ok() && hash != std::string_view::npos) {
    Result<std::string> fragment = Unescape(text.substr(hash + 1), Encode::kFragment);
    if (fragment.ok()) {
      url.fragment = std::move(*fragment);
    } else {
      parsed = fragment.status();
    }
  }
  if (!parsed.ok()) {
    return Status::Invalid("parse " + GoQuote(text) + ": " + parsed.message());
  }
  return url;
}

// URL.Hostname: the host without its port or IPv6 brackets.
std::string Hostname(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && ValidOptionalPort(host.substr(colon))) {
    host = host.substr(0, colon);
  }
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  return std::string(host);
}

std::string UserinfoString(const Url& url) {
  std::string out = Escape(*url.username, Encode::kUserPassword);
  if (url.password) out += ":" + Escape(*url.password, Encode::kUserPassword);
  return out;
}

// URL.String.
std::string FormatUrl(const Url& url) {
  std::string out;
  if (!url.scheme.empty()) out += url.scheme + ":";
  if (!url.opaque.empty()) {
    out += url.opaque;
  } else {
    bool has_user = url.username.has_value();
    if ((!url.scheme.empty() || !url.host.empty() || has_user) &&
        !(url.omit_host && url.host.empty() && !has_user)) {
      if (!url.host.empty() || !url.path.empty() || has_user) out += "//";
      if (has_user) out += UserinfoString(url) + "@";
      out += Escape(url.host, Encode::kHost);
    }
    std::string path = url.path == "*" ? "*" : Escape(url.path, Encode::kPath);
    if (!path.empty() && path[0] != '/' && !url.host.empty()) out += '/';
    if (out.empty() && path.substr(0, path.find('/')).find(':') != std::string::npos) {
      out += "./";
    }
    out += path;
  }
  if (url.force_query || !url.raw_query.empty()) out += "?" + url.raw_query;
  if (!url.fragment.empty()) out += "#" + Escape(url.fragment, Encode::kFragment);
  return out;
}

// Sprig's dictGetOrEmpty: a missing key is "", a value that is not a string panics.
Result<std::string> DictString(const Value& dict, const std::string& key) {
  auto found = dict.map().find(key);
  if (found == dict.map().end()) return std::string();
  if (found->second.kind() != Value::Kind::kString) {
    return Status::Invalid("unable to parse " + key + " key, must be of type string, but " +
                           std::string(found->second.KindName()) + " found");
  }
  return found->second.string_value();
}

}  // namespace

CONVERGE_FUNC(FnUrlParse) {
  (void)call;
  Result<Url> url = ParseUrl(args[0].string_value());
  if (!url.ok()) return Status::Invalid("unable to parse url: " + url.status().message());
  Value dict = Value::Map();
  auto& entries = dict.mutable_map();
  entries["scheme"] = Value::String(url->scheme);
  entries["host"] = Value::String(url->host);
  entries["hostname"] = Value::String(Hostname(url->host));
  entries["path"] = Value::String(url->path);
  entries["query"] = Value::String(url->raw_query);
  entries["opaque"] = Value::String(url->opaque);
  entries["fragment"] = Value::String(url->fragment);
  entries["userinfo"] = Value::String(url->username ? UserinfoString(*url) : "");
  return dict;
}

CONVERGE_FUNC(FnUrlJoin) {
  (void)call;
  Url url;
  for (auto [key, field] :
       {std::pair{"scheme", &url.scheme}, std::pair{"host", &url.host},
        std::pair{"path", &url.path}, std::pair{"query", &url.raw_query},
        std::pair{"opaque", &url.opaque}, std::pair{"fragment", &url.fragment}}) {
    Result<std::string> text = DictString(args[0], key);
    if (!text.ok()) return text.status();
    *field = std::move(*text);
  }
  Result<std::string> userinfo = DictString(args[0], "userinfo");
  if (!userinfo.ok()) return userinfo.status();
  if (!userinfo->empty()) {
    Result<Url> parsed = ParseUrl("proto://" + *userinfo + "@host");
    if (!parsed.ok()) {
      return Status::Invalid("unable to parse userinfo in dict: " + parsed.status().message());
    }
    url.username = parsed->username;
    url.password = parsed->password;
  }
  return Value::String(FormatUrl(url));
}

}  // namespace converge::sources::helm::tmpl
