#include <algorithm>
#include <thread>

#include <httplib.h>

#include "base/log.h"
#include "operator/apiclient/apiclient.h"

namespace converge::apiclient {
namespace {

using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// A stream that ends or drops is opened again after this pause, so a server that is
// restarting or closing streams at once is not hammered.
constexpr std::chrono::milliseconds kReconnectPause{500};
// Longer than the server's 15 s keep-alive: a stream this quiet has lost its server.
constexpr std::chrono::seconds kStreamSilence{45};

std::string TransportMessage(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect (is the operator running and --server right?)";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "reading the response failed (timed out or the connection closed)";
    case httplib::Error::SSLServerVerification:
      return "the server's certificate is not trusted";
    default:
      return "request failed: " + httplib::to_string(error);
  }
}

// The API's error body {"error": "...", "code": N}, else the body itself (a proxy's page).
std::string ServerMessage(std::string_view body) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()) {
    return parsed["error"].get<std::string>();
  }
  std::string text(body.substr(0, std::min<size_t>(body.size(), 200)));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

Status HttpError(std::string_view method, std::string_view target, int status,
                 std::string_view body) {
  std::string message =
      std::string(method) + " " + std::string(target) + ": " + std::to_string(status);
  std::string said = ServerMessage(body);
  if (!said.empty()) message += ": " + said;
  if (status == 401) message += " (check --token, CONVERGE_TOKEN or the config file)";
  if (status == 404) return Status::NotFound(message);
  if (status == 409) return Status::Conflict(message);
  if (status >= 400 && status < 500) return Status::Invalid(message);
  return Status::Unavailable(message);
}

httplib::Headers RequestHeaders(const Options& options) {
  httplib::Headers headers = {{"Accept", "application/json"}, {"User-Agent", "converge-cli"}};
  if (!options.token.empty()) headers.emplace("Authorization", "Bearer " + options.token);
  return headers;
}

std::unique_ptr<httplib::Client> Connect(const std::string& scheme_host_port,
                                         const Options& options) {
  auto client = std::make_unique<httplib::Client>(scheme_host_port);
  client->set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::max(options.timeout, std::chrono::milliseconds(1000)))
                                     .count());
  client->set_read_timeout(options.timeout);
  client->set_write_timeout(options.timeout);
  client->enable_server_certificate_verification(!options.insecure_skip_tls_verify);
  return client;
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Create(Options options) {
  std::string_view url = options.server;
  while (url.ends_with('/')) url.remove_suffix(1);
  size_t scheme_end = url.find("://");
  std::string_view scheme = scheme_end == std::string_view::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Status::Invalid("server \"" + options.server +
                           "\": expected http://HOST:PORT or https://HOST[:PORT][/PATH]");
  }
  size_t path_start = url.find('/', scheme_end + 3);
  Endpoint endpoint{.scheme_host_port = std::string(url.substr(0, path_start))};
  if (path_start != std::string_view::npos) endpoint.base_path = url.substr(path_start);
  if (endpoint.scheme_host_port.size() == scheme_end + 3) {
    return Status::Invalid("server \"" + options.server + "\": no host");
  }
  return std::unique_ptr<Client>(new Client(std::move(options), std::move(endpoint)));
}

Result<json> Client::Get(std::string_view target) { return Send("GET", target, nullptr); }

Result<json> Client::Post(std::string_view target, const json& body) {
  std::string text = body.dump();
  return Send("POST", target, &text);
}

Result<json> Client::Delete(std::string_view target) { return Send("DELETE", target, nullptr); }

Result<json> Client::Send(std::string_view method, std::string_view target,
                          const std::string* body) {
  std::unique_ptr<httplib::Client> client = Connect(endpoint_.scheme_host_port, options_);
  std::string path = endpoint_.base_path + std::string(target);
  httplib::Headers headers = RequestHeaders(options_);
  httplib::Result result = method == "POST" ? client->Post(path, headers, *body, "application/json")
                           : method == "DELETE" ? client->Delete(path, headers)
                                                : client->Get(path, headers);
  if (!result) {
    return Status::Unavailable(std::string(method) + " " + options_.server + path + ": " +
                               TransportMessage(result.error()));
  }
  if (result->status < 200 || result->status > 299) {
    return HttpError(method, target, result->status, result->body);
  }
  json parsed = json::parse(result->body, nullptr, false);
  if (parsed.is_discarded()) {
    return Status::Unavailable(std::string(method) + " " + std::string(target) +
                               ": the response is not JSON: " + ServerMessage(result->body));
  }
  return parsed;
}

Status Client::Stream(std::string_view target, SteadyClock::time_point deadline,
                      const std::function<bool(const Event&)>& on_event) {
  std::string path = endpoint_.base_path + std::string(target);
  std::string last_event_id;
  for (;;) {
    auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (remaining.count() <= 0) return Status::Unavailable("timed out");
    std::unique_ptr<httplib::Client> client = Connect(endpoint_.scheme_host_port, options_);
    client->set_read_timeout(std::min<std::chrono::milliseconds>(remaining, kStreamSilence));
    httplib::Headers headers = RequestHeaders(options_);
    headers.erase("Accept");
    headers.emplace("Accept", "text/event-stream");
    if (!last_event_id.empty()) headers.emplace("Last-Event-ID", last_event_id);
    // A new connection starts with no partial event, only the id to resume from.
    EventParser parser(last_event_id);
    bool finished = false;
    int status = 0;
    std::string error_body;
    httplib::Result result = client->Get(
        path, headers,
        [&](const httplib::Response& response) {
          status = response.status;
          return true;
        },
        [&](const char* data, size_t size) {
          if (status != 200) {
            error_body.append(data, size);
            return true;
          }
          finished = !parser.Feed(std::string_view(data, size), on_event);
          return !finished && SteadyClock::now() < deadline;
        });
    if (finished) return Status();
    if (status != 0 && status != 200) return HttpError("GET", target, status, error_body);
    last_event_id = parser.last_event_id();
    std::string why = result ? "the server ended it" : TransportMessage(result.error());
    log::Debug("event stream closed; reconnecting",
               {{"reason", why}, {"last_event_id", last_event_id}});
    std::this_thread::sleep_until(std::min(deadline, SteadyClock::now() + kReconnectPause));
  }
}

std::string Escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace converge::apiclient
