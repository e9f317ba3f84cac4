#pragma once
// operator/server/server.h: the operator's one HTTP listener. Routes are plain values (method,
// path pattern, handler) handed over at start, so each feature (the API, webhooks, probes,
// metrics) brings its own without this library knowing them. Requests and responses are plain
// structs; a response may stream its body (Server-Sent Events). Every route that is not
// public needs `Authorization: Bearer <token>` with a token `Options::accept_token` accepts.
// server/ never talks to the cluster and knows nothing of Applications.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace converge::server {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;
  std::map<std::string, std::string> params;   // the route pattern's {name} segments
  std::map<std::string, std::string> headers;  // names lower-cased
  std::map<std::string, std::string> query;    // the first value of each parameter
  std::string body;
  std::string remote_address;

  // "" when absent. `name` in lower case.
  std::string Header(std::string_view name) const;
  std::string Query(std::string_view name) const;
  std::string Param(std::string_view name) const;
};

// What a streaming response writes through. `write` returns false once the client has gone;
// `stop` is requested when the server shuts down, so a stream waiting for news ends.
struct Stream {
  std::function<bool(std::string_view data)> write;
  std::stop_token stop;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;
  // When set, the body is what this writes, sent as it comes (chunked); the response ends when
  // it returns. `body` is ignored.
  std::function<void(Stream& stream)> stream;
};

// A JSON response.
Response JsonResponse(int status, const nlohmann::json& body);
// The API's error form: {"error": message, "code": status}.
Response ErrorResponse(int status, std::string_view message);

using Handler = std::function<Response(const Request& request)>;

struct Route {
  std::string method;
  // Literal segments and {name} segments, each {name} matching one non-empty segment:
  // "/api/v1/applications/{namespace}/{name}".
  std::string pattern;
  Handler handler;
  // Served without a token (probes, metrics, webhooks that carry their own signatures).
  bool public_route = false;
};

struct Options {
  // "HOST:PORT"; an empty host listens on every interface, port 0 picks a free port.
  std::string listen = ":8080";
  // Larger request bodies are refused with 413 before any handler runs.
  size_t max_body_bytes = 1 << 20;
  // Whether a bearer token is accepted. Unset: no authentication at all (--insecure-no-auth).
  std::function<bool(std::string_view token)> accept_token;
  // Connections served at once; each open event stream holds one.
  int threads = 32;
};

class Server {
 public:
  // Binds and serves on its own threads until destroyed. Routes are matched in order.
  static Result<std::unique_ptr<Server>> Start(Options options, std::vector<Route> routes);
  // Ends open streams (their stop token), then stops serving.
  ~Server();
  int port() const;

  struct State;

 private:
  explicit Server(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// /healthz (the process serves), /readyz (`ready`: the controller has its caches) and /metrics
// (Prometheus text from `metrics`, 503 until ready), all public.
std::vector<Route> ProbeRoutes(std::function<bool()> ready, std::function<std::string()> metrics);

// Whether `listen`'s host is a loopback address (127.0.0.1, ::1, localhost); "" (every
// interface) is not.
bool IsLoopback(std::string_view listen);

// Comparison whose time does not depend on where the inputs differ (tokens, signatures).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The accepted bearer tokens: each non-empty line of the token files (read again when a file
// changes, as a mounted Secret does) and the values set from a Secret. Thread-safe.
class Tokens {
 public:
  explicit Tokens(std::vector<std::filesystem::path> files);

  // Replaces the tokens that came from the Secret.
  void SetSecretTokens(std::vector<std::string> tokens);
  bool Accepts(std::string_view token);
  // Reads the files now; an unreadable file is an error (at start; later a failed read keeps
  // the tokens read before).
  Status Load();

 private:
  struct File {
    std::filesystem::path path;
    std::filesystem::file_time_type modified{};
    uintmax_t size = 0;
    std::vector<std::string> tokens;
  };
  Status Refresh(File& file, bool force);

  std::mutex mu_;
  std::vector<File> files_;                 // guarded by mu_
  std::vector<std::string> secret_tokens_;  // guarded by mu_
};

}  // namespace converge::server
