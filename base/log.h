#pragma once
// base/log.h: the one logger, converge::log. Records carry a message plus structured fields
// (app, object, revision, phase...) and go to stderr as text or as one JSON object per line.
//
// Redaction lives here: values of fields whose key names a credential (token, password, secret,
// authorization...) are never printed, and credentials inside URLs and "Bearer ..." headers are
// scrubbed from messages and values. Callers still never pass Secret data in the first place:
// objects are logged through kube::Describe, which prints identity only.
//
// Thread-safe once Configure() has returned. Libraries log at debug; what users need goes into
// results and status.

#include <initializer_list>
#include <string>
#include <string_view>

#include "base/status.h"

namespace converge::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

struct Options {
  Level level = Level::kInfo;  // records below this level are dropped
  Format format = Format::kText;
};

Result<Level> ParseLevel(std::string_view name);    // debug|info|warn|error|off
Result<Format> ParseFormat(std::string_view name);  // text|json

// Sets level and format of the process-wide logger. Call from main() before threads start.
void Configure(const Options& options);

struct Field {
  std::string_view key;
  std::string_view value;
};
using Fields = std::initializer_list<Field>;

void Debug(std::string_view message, Fields fields = {});
void Info(std::string_view message, Fields fields = {});
void Warn(std::string_view message, Fields fields = {});
void Error(std::string_view message, Fields fields = {});

// The part of a record after time and level, redacted: `message key=value ...` for text,
// `"msg":"message","key":"value"` for JSON (the logger wraps it in braces).
std::string FormatBody(Format format, std::string_view message, Fields fields);

// Removes credentials from free text: URL user-info and Authorization header values.
std::string Redact(std::string_view text);

// True when a field with this key may carry a credential and its value must not be printed.
bool IsSensitiveKey(std::string_view key);

}  // namespace converge::log
