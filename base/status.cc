#include "base/status.h"

namespace converge {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalid:
      return "invalid";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kConflict:
      return "conflict";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kInternal:
      return "internal";
  }
  return "unknown";
}

Status Status::Wrap(std::string_view context) const& { return Status(*this).Wrap(context); }

Status Status::Wrap(std::string_view context) && {
  if (ok() || context.empty()) {
    return std::move(*this);
  }
  std::string wrapped;
  wrapped.reserve(context.size() + 2 + message_.size());
  wrapped.append(context).append(": ").append(message_);
  message_ = std::move(wrapped);
  return std::move(*this);
}

}  // namespace converge
