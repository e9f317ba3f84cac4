// The event stream interpretation of the WHATWG HTML standard (9.2.6): lines end in CRLF, LF
// or CR; a line starting with ':' is a comment; "field: value" loses one space after the
// colon; a blank line dispatches the event.
#include "operator/apiclient/apiclient.h"

namespace converge::apiclient {

bool EventParser::Feed(std::string_view chunk, const std::function<bool(const Event&)>& on_event) {
  for (char c : chunk) {
    if (skip_newline_) {
      skip_newline_ = false;
      if (c == '\n') continue;
    }
    if (c != '\r' && c != '\n') {
      pending_ += c;
      continue;
    }
    skip_newline_ = c == '\r';
    std::string line = std::move(pending_);
    pending_.clear();
    if (!Line(line, on_event)) return false;
  }
  return true;
}

bool EventParser::Line(std::string_view line, const std::function<bool(const Event&)>& on_event) {
  if (line.empty()) {
    last_event_id_ = id_buffer_;
    if (!has_data_) {
      type_.clear();
      return true;
    }
    Event event{.id = last_event_id_, .type = type_.empty() ? "message" : type_, .data = data_};
    type_.clear();
    data_.clear();
    has_data_ = false;
    return on_event(event);
  }
  if (line.front() == ':') return true;
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) data_ += '\n';
    data_ += value;
    has_data_ = true;
  } else if (field == "event") {
    type_ = value;
  } else if (field == "id" && value.find('\0') == std::string_view::npos) {
    id_buffer_ = value;
  }
  return true;
}

}  // namespace converge::apiclient
