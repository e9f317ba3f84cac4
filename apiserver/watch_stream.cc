// WATCH: a chunked stream of newline-delimited {"type","object"} events. Start semantics,
// bookmarks, sendInitialEvents and the 410 ERROR event follow k8s.io/apiserver's watch cache
// (shared/reference/kubernetes-api.md section 4).

#include <chrono>
#include <unordered_set>

#include "apiserver/objects.h"
#include "apiserver/table.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kBookmarkInterval = std::chrono::seconds(30);
constexpr auto kDefaultTimeout = std::chrono::minutes(30);

std::string Query(const Request& request, const std::string& name) {
  auto it = request.query.find(name);
  return it == request.query.end() ? "" : it->second;
}

class WatchStream : public ResponseStream {
 public:
  WatchStream(WatchHub& hub, std::shared_ptr<Subscription> subscription,
              std::shared_ptr<const Catalog> catalog, const ResourceType& type, ObjectFilter filter,
              bool table, bool bookmarks, Clock::time_point deadline)
      : hub_(hub),
        subscription_(std::move(subscription)),
        catalog_(std::move(catalog)),
        type_(type),
        filter_(std::move(filter)),
        table_(table),
        bookmarks_(bookmarks),
        deadline_(deadline),
        last_sent_(Clock::now()) {}

  ~WatchStream() override { hub_.Unsubscribe(subscription_); }

  void SetStart(int64_t revision) { start_revision_ = revision; }
  void Queue(std::string line) { pending_ += line; }
  void MarkMatched(const std::string& key) { matched_.insert(key); }
  void End() { ended_ = true; }

  // Turns one committed event into zero or one line, tracking which objects the selector sees
  // so that objects entering or leaving it appear as ADDED or DELETED.
  void Consider(const Event& event) {
    if (event.revision <= start_revision_) return;
    json object = json::parse(*event.text, nullptr, false);
    if (object.is_discarded()) return;
    bool matches = filter_.Matches(object);
    bool was = matched_.count(event.key) != 0;
    std::string_view type = EventTypeName(event.type);
    if (event.type == EventType::kDeleted) {
      matched_.erase(event.key);
      if (!was && !matches) return;
    } else if (matches) {
      matched_.insert(event.key);
      if (!was) type = "ADDED";
    } else {
      if (!was) return;
      matched_.erase(event.key);
      type = "DELETED";
    }
    Queue(Line(type, object, *event.text));
    last_revision_ = event.revision;
  }

  std::string Line(std::string_view type, json object, const std::string& text) const {
    if (table_) {
      object["apiVersion"] = type_.GroupVersion();
      object["kind"] = type_.kind;
      return "{\"type\":\"" + std::string(type) + "\",\"object\":" +
             kube::EncodeJson(
                 Table(type_, {object}, object["metadata"].value("resourceVersion", ""))) +
             "}\n";
    }
    (void)object;
    return "{\"type\":\"" + std::string(type) + "\",\"object\":" + text + "}\n";
  }

  std::string Bookmark(int64_t revision, bool initial_end) const {
    json metadata = {{"resourceVersion", std::to_string(revision)}};
    if (initial_end) metadata["annotations"] = {{"k8s.io/initial-events-end", "true"}};
    json object = {
        {"kind", type_.kind}, {"apiVersion", type_.GroupVersion()}, {"metadata", metadata}};
    return "{\"type\":\"BOOKMARK\",\"object\":" + kube::EncodeJson(object) + "}\n";
  }

  std::optional<std::string> Next(std::chrono::milliseconds timeout) override {
    if (!pending_.empty()) {
      last_sent_ = Clock::now();
      return std::exchange(pending_, std::string());
    }
    if (ended_) return std::nullopt;
    Clock::time_point now = Clock::now();
    if (now >= deadline_) return std::nullopt;
    auto wait = std::min<Clock::duration>(timeout, deadline_ - now);
    std::vector<Event> events =
        subscription_->Take(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
    if (subscription_->overflowed() || subscription_->closed()) return std::nullopt;
    for (const Event& event : events) Consider(event);
    if (pending_.empty() && bookmarks_ && Clock::now() - last_sent_ >= kBookmarkInterval) {
      pending_ = Bookmark(std::max(last_revision_, start_revision_), false);
    }
    if (!pending_.empty()) last_sent_ = Clock::now();
    return std::exchange(pending_, std::string());
  }

  int64_t last_revision_ = 0;

 private:
  WatchHub& hub_;
  std::shared_ptr<Subscription> subscription_;
  std::shared_ptr<const Catalog> catalog_;
  const ResourceType& type_;
  ObjectFilter filter_;
  bool table_;
  bool bookmarks_;
  Clock::time_point deadline_;
  Clock::time_point last_sent_;
  int64_t start_revision_ = 0;
  std::string pending_;
  bool ended_ = false;
  std::unordered_set<std::string> matched_;
};

}  // namespace

Response ObjectHandler::Watch() {
  ApiResult<ObjectFilter> filter = Filter();
  if (!filter.ok()) return ErrorResponse(filter.error());
  std::string rv = Query(request_, "resourceVersion");
  bool initial_events = Query(request_, "sendInitialEvents") == "true";
  bool bookmarks = Query(request_, "allowWatchBookmarks") == "true";
  if (initial_events && (!bookmarks || Query(request_, "resourceVersionMatch") != "NotOlderThan")) {
    return ErrorResponse(Invalid(type_, "",
                                 {{"FieldValueForbidden",
                                   "Forbidden: sendInitialEvents requires setting "
                                   "allowWatchBookmarks to true and resourceVersionMatch to "
                                   "NotOlderThan",
                                   "sendInitialEvents"}}));
  }
  int64_t start = 0;
  if (!rv.empty() && rv != "0") {
    char* end = nullptr;
    start = std::strtoll(rv.c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || start < 0) {
      return ErrorResponse(BadRequest("invalid resource version: " + rv));
    }
  }
  auto deadline = std::chrono::steady_clock::now() + kDefaultTimeout;
  std::string timeout = Query(request_, "timeoutSeconds");
  if (!timeout.empty()) {
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::atol(timeout.c_str()));
  }
  std::string prefix = ListPrefix();
  auto subscription = api_.hub_.Subscribe(prefix, api_.options_.watch_capacity);
  bool table = WantsTable(request_.accept);
  auto stream = std::make_unique<WatchStream>(api_.hub_, subscription, catalog_, type_, *filter,
                                              table, bookmarks, deadline);
  Response response;
  // Not plain "application/json": cpp-httplib would gzip the stream for clients that accept it,
  // and a compressor holds events back until its buffer fills.
  response.content_type = table ? kTableContentType : "application/json;stream=watch";

  if (start == 0 || initial_events) {
    // Unset or "0": the current state as ADDED events, then changes.
    Result<ListPage> page = api_.store_.List(prefix, "", 0);
    if (!page.ok()) return ErrorResponse(InternalError(page.status().message()));
    for (StoredObject& stored : page->items) {
      std::string text = kube::EncodeJson(stored.object);
      Event event{stored.revision, EventType::kAdded, stored.key,
                  std::make_shared<const std::string>(std::move(text))};
      stream->Consider(event);
    }
    stream->SetStart(page->revision);
    stream->last_revision_ = page->revision;
    if (initial_events) stream->Queue(stream->Bookmark(page->revision, true));
  } else {
    Result<std::vector<Event>> backlog = api_.store_.EventsAfter(start);
    if (!backlog.ok()) {
      ApiError expired = Expired(backlog.status().message());
      stream->Queue("{\"type\":\"ERROR\",\"object\":" + kube::EncodeJson(expired.ToStatus()) +
                    "}\n");
      stream->End();
      response.stream = std::move(stream);
      return response;
    }
    // Objects the selector matched at `start` are unknown; assume the current ones.
    Result<ListPage> current = api_.store_.List(prefix, "", 0);
    if (current.ok()) {
      for (const StoredObject& stored : current->items) {
        if (filter->Matches(stored.object)) stream->MarkMatched(stored.key);
      }
    }
    int64_t last = start;
    for (const Event& event : *backlog) {
      if (event.key.compare(0, prefix.size(), prefix) != 0) {
        last = event.revision;
        continue;
      }
      stream->Consider(event);
      last = event.revision;
    }
    stream->SetStart(last);
    stream->last_revision_ = last;
  }
  response.stream = std::move(stream);
  return response;
}

}  // namespace converge::apiserver
