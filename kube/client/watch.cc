#include <nlohmann/json.hpp>

#include "kube/client/client.h"
#include "kube/client/transport.h"

namespace converge::kube {
namespace {

using nlohmann::json;

// The watch stream is newline-delimited JSON; chunks split events anywhere.
class EventReader {
 public:
  explicit EventReader(const WatchHandler& handler) : handler_(handler) {}

  // False to end the stream: the handler said so, or an ERROR event or garbage arrived.
  bool Feed(std::string_view data) {
    buffer_.append(data);
    size_t start = 0;
    for (size_t newline; (newline = buffer_.find('\n', start)) != std::string::npos;
         start = newline + 1) {
      if (!Line(std::string_view(buffer_).substr(start, newline - start))) {
        buffer_.clear();
        return false;
      }
    }
    buffer_.erase(0, start);
    return true;
  }

  const std::optional<ApiError>& error() const { return error_; }

 private:
  bool Line(std::string_view line) {
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) return true;
    json event = json::parse(line, nullptr, false);
    if (event.is_discarded() || !event.is_object() || !event.contains("object")) {
      error_ =
          ApiError{.reason = Reason::kUnknown, .message = "the watch sent an unreadable event"};
      return false;
    }
    std::string type = event.value("type", "");
    WatchEvent out;
    if (type == "ADDED") {
      out.type = WatchEventType::kAdded;
    } else if (type == "MODIFIED") {
      out.type = WatchEventType::kModified;
    } else if (type == "DELETED") {
      out.type = WatchEventType::kDeleted;
    } else if (type == "BOOKMARK") {
      out.type = WatchEventType::kBookmark;
    } else {
      const json& status = event["object"];
      error_ =
          ErrorFromResponse(status.is_object() ? status.value("code", 500) : 500, status.dump());
      return false;
    }
    out.object = Object(std::move(event["object"]));
    return handler_(std::move(out));
  }

  const WatchHandler& handler_;
  std::string buffer_;
  std::optional<ApiError> error_;
};

}  // namespace

ApiResult<Done> Client::Watch(const GroupVersionKind& gvk, std::string_view ns,
                              const WatchOptions& options, const WatchHandler& handler,
                              std::stop_token stop) {
  ApiResult<std::string> path = PathFor(gvk, ns, "");
  if (!path.ok()) return path.error();
  std::string query = "?watch=true";
  query += "&timeoutSeconds=" + std::to_string(options.timeout.count());
  if (options.bookmarks) query += "&allowWatchBookmarks=true";
  if (!options.resource_version.empty()) {
    query += "&resourceVersion=" + QueryEscape(options.resource_version);
  }
  if (!options.label_selector.empty()) {
    query += "&labelSelector=" + QueryEscape(options.label_selector);
  }
  if (!options.field_selector.empty()) {
    query += "&fieldSelector=" + QueryEscape(options.field_selector);
  }
  EventReader reader(handler);
  ApiResult<Done> streamed = transport_->Stream(
      {.method = "GET", .target = *path + query, .idempotent = true, .verb = "watch"},
      options.timeout + std::chrono::seconds(30),
      [&reader](std::string_view data) { return reader.Feed(data); }, stop);
  if (reader.error()) return *reader.error();
  return streamed;
}

}  // namespace converge::kube
