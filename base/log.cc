#include "base/log.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "base/strings.h"

namespace converge::log {
namespace {

constexpr std::string_view kRedacted = "REDACTED";

spdlog::level::level_enum ToSpdlog(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

// The logger is the one piece of mutable global state the project allows (STYLE rule 16).
struct State {
  std::shared_ptr<spdlog::logger> logger;
  Format format = Format::kText;
};

State& GlobalState() {
  static State state = [] {
    State s;
    s.logger = std::make_shared<spdlog::logger>("converge",
                                                std::make_shared<spdlog::sinks::stderr_sink_mt>());
    s.logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    s.logger->set_level(spdlog::level::info);
    return s;
  }();
  return state;
}

std::string JsonString(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Text values are bare unless they contain spaces, quotes or '=', which would make the line
// ambiguous to read back.
std::string TextValue(std::string_view value) {
  bool plain = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
    return c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t';
  });
  return plain ? std::string(value) : JsonString(value);
}

std::string FieldValue(const Field& field) {
  return IsSensitiveKey(field.key) ? std::string(kRedacted) : Redact(field.value);
}

void Emit(Level level, std::string_view message, Fields fields) {
  State& state = GlobalState();
  spdlog::level::level_enum spd = ToSpdlog(level);
  if (!state.logger->should_log(spd)) {
    return;
  }
  state.logger->log(spd, "{}", FormatBody(state.format, message, fields));
}

// Finds the end of a token that starts at `begin`: the next whitespace, quote or end of text.
size_t TokenEnd(std::string_view text, size_t begin) {
  size_t end = begin;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
         text[end] != '"' && text[end] != '\'') {
    ++end;
  }
  return end;
}

// Replaces "scheme://user:password@host" user-info with REDACTED.
std::string RedactUrlCredentials(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t scheme = text.find("://", pos);
    if (scheme == std::string_view::npos) {
      break;
    }
    size_t authority = scheme + 3;
    size_t end = TokenEnd(text, authority);
    std::string_view host_part = text.substr(authority, end - authority);
    size_t slash = host_part.find('/');
    size_t at = host_part.substr(0, slash).rfind('@');
    out.append(text.substr(pos, authority - pos));
    if (at != std::string_view::npos) {
      out.append(kRedacted);
      out.append(host_part.substr(at));
    } else {
      out.append(host_part);
    }
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

// Replaces the credential after an Authorization scheme with REDACTED. "basic" in lower case is
// left alone: it is an ordinary word in messages far more often than a header.
std::string RedactAuthorization(std::string_view text) {
  static constexpr std::array<std::string_view, 4> kSchemes = {"Bearer ", "bearer ", "BEARER ",
                                                               "Basic "};
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t best = std::string::npos;
    size_t best_len = 0;
    for (std::string_view scheme : kSchemes) {
      size_t found = text.find(scheme, pos);
      if (found < best) {
        best = found;
        best_len = scheme.size();
      }
    }
    if (best == std::string::npos) {
      break;
    }
    size_t value = best + best_len;
    size_t end = TokenEnd(text, value);
    out.append(text.substr(pos, value - pos));
    out.append(end > value ? kRedacted : std::string_view());
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace

Result<Level> ParseLevel(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  if (name == "off") return Level::kOff;
  return Status::Invalid("unknown log level \"" + std::string(name) +
                         "\" (want debug, info, warn, error or off)");
}

Result<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return Status::Invalid("unknown log format \"" + std::string(name) + "\" (want text or json)");
}

void Configure(const Options& options) {
  State& state = GlobalState();
  state.format = options.format;
  if (options.format == Format::kJson) {
    state.logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                              spdlog::pattern_time_type::utc);
  } else {
    state.logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  state.logger->set_level(ToSpdlog(options.level));
}

void Debug(std::string_view message, Fields fields) { Emit(Level::kDebug, message, fields); }
void Info(std::string_view message, Fields fields) { Emit(Level::kInfo, message, fields); }
void Warn(std::string_view message, Fields fields) { Emit(Level::kWarn, message, fields); }
void Error(std::string_view message, Fields fields) { Emit(Level::kError, message, fields); }

std::string FormatBody(Format format, std::string_view message, Fields fields) {
  std::string out;
  if (format == Format::kJson) {
    out.append("\"msg\":").append(JsonString(Redact(message)));
    for (const Field& field : fields) {
      out.append(",")
          .append(JsonString(field.key))
          .append(":")
          .append(JsonString(FieldValue(field)));
    }
    return out;
  }
  out.append(Redact(message));
  for (const Field& field : fields) {
    out.append(" ").append(field.key).append("=").append(TextValue(FieldValue(field)));
  }
  return out;
}

std::string Redact(std::string_view text) {
  return RedactAuthorization(RedactUrlCredentials(text));
}

bool IsSensitiveKey(std::string_view key) {
  static constexpr std::array<std::string_view, 9> kWords = {
      "password",      "passwd", "token",   "secret", "credential",
      "authorization", "apikey", "api_key", "private"};
  std::string lower = AsciiLower(key);
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

}  // namespace converge::log
