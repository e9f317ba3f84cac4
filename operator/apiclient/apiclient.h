#pragma once
// operator/apiclient/apiclient.h: a client of Converge's HTTP API (/api/v1/...), for the
// `converge app` commands and anything else that talks to a running operator instead of the
// cluster. JSON in and out, a bearer token on every request, and the API's errors
// ({"error": "...", "code": N}) returned as values carrying the server's message. It reads the
// Server-Sent Events stream too, reconnecting with Last-Event-ID so no event is missed.
//
// It never talks to Kubernetes and knows nothing of the API's routes beyond their shape.
// Thread-compatible: one Client per thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace converge::apiclient {

struct Options {
  std::string server;  // "http://127.0.0.1:8080" or "https://converge.example.com[/prefix]"
  std::string token;   // sent as "Authorization: Bearer TOKEN" when not empty
  std::chrono::milliseconds timeout{30000};  // per request; streams use their own deadline
  bool insecure_skip_tls_verify = false;
};

// One Server-Sent Event (WHATWG HTML, "server-sent events"): the last `id:` seen on the
// stream (it carries over to later events that set none), `event:` ("message" when absent)
// and the `data:` lines joined by "\n".
struct Event {
  std::string id;
  std::string type = "message";
  std::string data;
};

// Splits an event stream into events as bytes arrive in chunks of any size. Comments
// (": keep-alive") and fields other than id/event/data/retry are ignored; an event is
// dispatched at a blank line and only when it had data.
class EventParser {
 public:
  // `last_event_id`: the id a reconnected stream resumes from, until the stream sets another.
  explicit EventParser(std::string last_event_id = "")
      : last_event_id_(last_event_id), id_buffer_(std::move(last_event_id)) {}

  // Calls `on_event` for each complete event in `chunk`; stops early and returns false when
  // `on_event` does.
  bool Feed(std::string_view chunk, const std::function<bool(const Event&)>& on_event);
  // The id of the last event dispatched (an `id:` of an event not yet complete is not).
  const std::string& last_event_id() const { return last_event_id_; }

 private:
  bool Line(std::string_view line, const std::function<bool(const Event&)>& on_event);
  std::string pending_;        // an incomplete line
  bool skip_newline_ = false;  // the previous chunk ended in "\r", which may pair with "\n"
  std::string last_event_id_;
  std::string id_buffer_;  // the id so far, for the event being read
  std::string type_;
  std::string data_;
  bool has_data_ = false;
};

class Client {
 public:
  // Fails with kInvalid when the server URL is not http(s)://host[:port][/path].
  static Result<std::unique_ptr<Client>> Create(Options options);

  // The decoded JSON body of a 2xx response. Errors: the server's message with the HTTP
  // status ("GET /api/v1/applications: 401 Unauthorized: invalid token"), mapped to kNotFound
  // (404), kConflict (409), kInvalid (other 4xx), kUnavailable (5xx, unreachable).
  Result<nlohmann::json> Get(std::string_view target);
  Result<nlohmann::json> Post(std::string_view target, const nlohmann::json& body);
  Result<nlohmann::json> Delete(std::string_view target);

  // Follows the event stream at `target` and hands each event to `on_event` until it returns
  // false (OK), `deadline` passes (kUnavailable "timed out") or a request fails with an HTTP
  // error. A connection that drops is opened again with the Last-Event-ID of the last event
  // seen, so the events in between are replayed by the server.
  Status Stream(std::string_view target, std::chrono::steady_clock::time_point deadline,
                const std::function<bool(const Event&)>& on_event);

  const Options& options() const { return options_; }

 private:
  struct Endpoint {
    std::string scheme_host_port;  // "http://127.0.0.1:8080"
    std::string base_path;         // "" or "/prefix"
  };
  Client(Options options, Endpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)) {}
  Result<nlohmann::json> Send(std::string_view method, std::string_view target,
                              const std::string* body);

  Options options_;
  Endpoint endpoint_;
};

// "a/b c" → "a%2Fb%20c": a path segment or query value.
std::string Escape(std::string_view text);

}  // namespace converge::apiclient
