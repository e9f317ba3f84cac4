#include "operator/server/server.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <httplib.h>
#include <openssl/crypto.h>

#include "base/log.h"
#include "base/strings.h"

namespace converge::server {
namespace {

struct Address {
  std::string host;
  int port = 0;
};

Result<Address> ParseListen(std::string_view listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::Invalid("listen address \"" + std::string(listen) + "\" is not HOST:PORT");
  }
  Address address{.host = std::string(listen.substr(0, colon))};
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  std::string port(listen.substr(colon + 1));
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
      port.size() > 5 || std::stoi(port) > 65535) {
    return Status::Invalid("listen address \"" + std::string(listen) + "\": bad port");
  }
  address.port = std::stoi(port);
  return address;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? "" : path.substr(slash);
  }
  return out;
}

// Whether `path` matches `pattern`, filling `params` from its {name} segments.
bool Match(std::string_view pattern, std::string_view path,
           std::map<std::string, std::string>& params) {
  std::vector<std::string_view> want = Segments(pattern);
  std::vector<std::string_view> have = Segments(path);
  if (want.size() != have.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    std::string_view segment = want[i];
    if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
      found[std::string(segment.substr(1, segment.size() - 2))] = std::string(have[i]);
    } else if (segment != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

std::string BearerToken(const Request& request) {
  std::string header = request.Header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      AsciiLower(std::string_view(header).substr(0, kScheme.size())) != kScheme) {
    return "";
  }
  return header.substr(kScheme.size());
}

Request ToRequest(const httplib::Request& in) {
  Request out{
      .method = in.method, .path = in.path, .body = in.body, .remote_address = in.remote_addr};
  for (const auto& [name, value] : in.headers) out.headers.emplace(AsciiLower(name), value);
  for (const auto& [name, value] : in.params) out.query.emplace(name, value);
  return out;
}

}  // namespace

std::string Request::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? "" : it->second;
}

std::string Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? "" : it->second;
}

std::string Request::Param(std::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? "" : it->second;
}

Response JsonResponse(int status, const nlohmann::json& body) {
  return Response{.status = status,
                  .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Response ErrorResponse(int status, std::string_view message) {
  return JsonResponse(status, {{"error", message}, {"code", status}});
}

bool IsLoopback(std::string_view listen) {
  Result<Address> address = ParseListen(listen);
  if (!address.ok()) return false;
  const std::string& host = address->host;
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct Server::State {
  Options options;
  std::vector<Route> routes;
  httplib::Server http;
  std::stop_source stop;
  int port = 0;
  std::thread thread;
  std::atomic<bool> listening_ended{false};

  Response Serve(Request& request) const {
    bool path_known = false;
    for (const Route& route : routes) {
      std::map<std::string, std::string> params;
      if (!Match(route.pattern, request.path, params)) continue;
      path_known = true;
      if (route.method != request.method && !(route.method == "GET" && request.method == "HEAD")) {
        continue;
      }
      if (!route.public_route && !Authenticated(request)) {
        return ErrorResponse(401, "a valid bearer token is required");
      }
      request.params = std::move(params);
      return route.handler(request);
    }
    // An unknown path tells nothing to a caller without a token.
    if (!Authenticated(request)) return ErrorResponse(401, "a valid bearer token is required");
    if (path_known) return ErrorResponse(405, "method " + request.method + " not allowed");
    return ErrorResponse(404, "no route for " + request.path);
  }

  bool Authenticated(const Request& request) const {
    if (!options.accept_token) return true;
    std::string token = BearerToken(request);
    return !token.empty() && options.accept_token(token);
  }

  void Handle(const httplib::Request& in, httplib::Response& out) {
    Request request = ToRequest(in);
    Response response = Serve(request);
    out.status = response.status;
    for (const auto& [name, value] : response.headers) out.set_header(name, value);
    if (!response.stream) {
      out.set_content(response.body, response.content_type);
      return;
    }
    out.set_chunked_content_provider(
        response.content_type,
        [this, produce = std::move(response.stream)](size_t, httplib::DataSink& sink) {
          Stream stream{.write =
                            [&sink](std::string_view data) {
                              return sink.is_writable() && sink.write(data.data(), data.size());
                            },
                        .stop = stop.get_token()};
          produce(stream);
          sink.done();
          return true;
        });
  }
};

Result<std::unique_ptr<Server>> Server::Start(Options options, std::vector<Route> routes) {
  Result<Address> address = ParseListen(options.listen);
  if (!address.ok()) return address.status();
  auto state = std::make_unique<State>();
  State* raw = state.get();
  int threads = std::max(2, options.threads);
  state->options = std::move(options);
  state->routes = std::move(routes);
  state->http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  state->http.set_payload_max_length(state->options.max_body_bytes);
  auto handle = [raw](const httplib::Request& in, httplib::Response& out) { raw->Handle(in, out); };
  state->http.Get(".*", handle);
  state->http.Post(".*", handle);
  state->http.Put(".*", handle);
  state->http.Patch(".*", handle);
  state->http.Delete(".*", handle);
  state->http.set_error_handler([](const httplib::Request&, httplib::Response& out) {
    if (out.body.empty()) {
      Response error = ErrorResponse(
          out.status, out.status == 413 ? "request body too large" : "request refused");
      out.set_content(error.body, error.content_type);
    }
  });
  state->http.set_exception_handler(
      [](const httplib::Request& in, httplib::Response& out, std::exception_ptr) {
        log::Error("HTTP handler failed", {{"path", in.path}});
        Response error = ErrorResponse(500, "internal error");
        out.status = 500;
        out.set_content(error.body, error.content_type);
      });
  std::string host = address->host.empty() ? "0.0.0.0" : address->host;
  if (address->port == 0) {
    state->port = state->http.bind_to_any_port(host);
  } else if (state->http.bind_to_port(host, address->port)) {
    state->port = address->port;
  } else {
    state->port = -1;
  }
  if (state->port < 0) return Status::Unavailable("cannot listen on " + raw->options.listen);
  state->thread = std::thread([raw] {
    raw->http.listen_after_bind();
    raw->listening_ended = true;
  });
  // httplib's stop() does nothing before the listener runs: a server destroyed at once would
  // leave its thread in accept().
  while (!raw->http.is_running() && !raw->listening_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}

Server::~Server() {
  state_->stop.request_stop();
  state_->http.stop();
  if (state_->thread.joinable()) state_->thread.join();
}

int Server::port() const { return state_->port; }

}  // namespace converge::server
