#include "kube/client/transport.h"

#include <algorithm>
#include <random>
#include <thread>

#include <arpa/inet.h>
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include "base/base64.h"
#include "base/log.h"
#include "base/pem.h"
#include "base/strings.h"

namespace converge::kube {
namespace {

using std::chrono::milliseconds;

Result<int> ParsePort(std::string_view text, const std::string& server) {
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || port > 65535)
      return Status::Invalid("server " + server + ": bad port");
    port = port * 10 + (c - '0');
  }
  if (port <= 0 || port > 65535) return Status::Invalid("server " + server + ": bad port");
  return port;
}

// Every certificate of a PEM bundle in a new store, or nullptr when there is none.
X509_STORE* StoreFromPem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509_STORE* store = X509_STORE_new();
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
    ++count;
  }
  BIO_free(bio);
  if (count == 0) {
    X509_STORE_free(store);
    return nullptr;
  }
  return store;
}

// Set when OpenSSL rejects the server's certificate during a handshake. The handshake runs on
// the thread that sends, so after a failed send this tells that thread why it failed.
thread_local bool tls_untrusted = false;

int RecordVerification(int preverify_ok, X509_STORE_CTX*) {
  if (preverify_ok != 1) tls_untrusted = true;
  return preverify_ok;
}

// A failed handshake whose certificate check failed reads as a trust failure.
httplib::Error Classified(httplib::Error error) {
  if (error == httplib::Error::SSLConnection && tls_untrusted) {
    return httplib::Error::SSLServerVerification;
  }
  return error;
}

bool IsIpAddress(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), address) == 1;
}

std::string TransportMessage(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect (refused, unreachable or unknown host)";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "connection dropped or timed out while reading the response";
    case httplib::Error::Write:
      return "connection dropped while sending the request";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed (is the server HTTPS, and does it accept the client "
             "certificate?)";
    case httplib::Error::SSLServerVerification:
      return "the server's certificate is not trusted for this host (check "
             "certificate-authority and tls-server-name)";
    case httplib::Error::SSLLoadingCerts:
      return "the CA certificates cannot be loaded";
    case httplib::Error::Canceled:
      return "request canceled";
    default:
      return "request failed: " + httplib::to_string(error);
  }
}

// The request certainly did not reach the server, so any verb may be sent again.
bool NeverSent(httplib::Error error) {
  return error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout;
}

// TLS trust failures do not heal by retrying.
bool Permanent(httplib::Error error) {
  return error == httplib::Error::SSLServerVerification ||
         error == httplib::Error::SSLLoadingCerts || error == httplib::Error::SSLConnection;
}

bool RetryableStatus(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

milliseconds Backoff(const ClientOptions& options, int attempt) {
  milliseconds base = options.retry_base * (1 << std::min(attempt, 10));
  base = std::min(base, milliseconds(5000));
  // Up to 20% jitter so that clients retrying together spread out.
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<int64_t> jitter(0, base.count() / 5);
  return base + milliseconds(jitter(random));
}

std::chrono::seconds RetryAfter(const httplib::Response& response) {
  std::string value = response.get_header_value("Retry-After");
  if (value.empty()) return std::chrono::seconds(0);
  char* end = nullptr;
  long seconds = std::strtol(value.c_str(), &end, 10);
  if (end == value.c_str() || seconds < 0) return std::chrono::seconds(0);
  return std::chrono::seconds(std::min(seconds, 60L));
}

}  // namespace

Result<std::unique_ptr<Transport>> Transport::Create(const ClientConfig& config,
                                                     const ClientOptions& options) {
  Endpoint endpoint;
  std::string_view rest = config.server;
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    endpoint.tls = false;
    endpoint.port = 80;
    rest.remove_prefix(7);
  } else {
    return Status::Invalid("server " + log::Redact(config.server) +
                           ": expected an https:// or http:// URL");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    endpoint.base_path = std::string(path);
  }
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::Invalid("server " + log::Redact(config.server) + ": unclosed [");
    }
    endpoint.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port_text = authority.substr(close + 2);
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    endpoint.host = std::string(authority.substr(0, colon));
    port_text = authority.substr(colon + 1);
  } else {
    endpoint.host = std::string(authority);
  }
  if (endpoint.host.empty()) {
    return Status::Invalid("server " + log::Redact(config.server) + ": no host");
  }
  if (!port_text.empty()) {
    Result<int> port = ParsePort(port_text, log::Redact(config.server));
    if (!port.ok()) return port.status();
    endpoint.port = *port;
  }
  if (endpoint.tls && !config.ca_pem.empty()) {
    X509_STORE* store = StoreFromPem(config.ca_pem);
    if (store == nullptr) {
      return Status::Invalid("certificate-authority of " + log::Redact(config.server) +
                             " holds no PEM certificate");
    }
    X509_STORE_free(store);
  }
  return std::unique_ptr<Transport>(new Transport(config, options, std::move(endpoint)));
}

Transport::Transport(ClientConfig config, ClientOptions options, Endpoint endpoint)
    : config_(std::move(config)),
      options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      credentials_(config_),
      limiter_(options_.qps, options_.burst) {}

Transport::~Transport() = default;

Result<std::unique_ptr<httplib::ClientImpl>> Transport::Connect(
    const Credential& credential) const {
  std::unique_ptr<httplib::ClientImpl> connection;
  if (endpoint_.tls) {
    // With tls-server-name the handshake (SNI and verification) uses that name while the
    // socket goes to the server's real host.
    std::string name = config_.tls_server_name.empty() ? endpoint_.host : config_.tls_server_name;
    std::unique_ptr<httplib::SSLClient> tls;
    if (!credential.client_certificate_pem.empty()) {
      CertificatePtr cert = ParseCertificatePem(credential.client_certificate_pem);
      PrivateKeyPtr key = ParsePrivateKeyPem(credential.client_key_pem);
      if (cert == nullptr || key == nullptr) {
        return Status::Invalid("the client certificate or key is not valid PEM");
      }
      // The context takes its own references.
      tls = std::make_unique<httplib::SSLClient>(name, endpoint_.port, cert.get(), key.get());
    } else {
      tls = std::make_unique<httplib::SSLClient>(name, endpoint_.port);
    }
    if (!tls->is_valid()) {
      return Status::Invalid("the client certificate and key do not match or cannot be used");
    }
    if (!config_.tls_server_name.empty()) {
      tls->set_hostname_addr_map({{config_.tls_server_name, endpoint_.host}});
    }
    // OpenSSL checks the chain and the name during the handshake. httplib's own check would
    // first add the system's whole CA bundle to the store: parsed again for every connection
    // (a megabyte and millions of allocations each, for every watch) and trusted beside the
    // kubeconfig's CA, which kubectl trusts alone.
    tls->enable_server_certificate_verification(false);
    if (!config_.insecure_skip_tls_verify) {
      SSL_CTX* context = tls->ssl_context();
      if (!config_.ca_pem.empty()) {
        tls->set_ca_cert_store(StoreFromPem(config_.ca_pem));
      } else {
        SSL_CTX_set_default_verify_paths(context);
      }
      X509_VERIFY_PARAM* expected = SSL_CTX_get0_param(context);
      if (IsIpAddress(name)) {
        X509_VERIFY_PARAM_set1_ip_asc(expected, name.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(expected, name.c_str(), name.size());
      }
      SSL_CTX_set_verify(context, SSL_VERIFY_PEER, &RecordVerification);
      ERR_clear_error();
    }
    connection = std::move(tls);
  } else {
    connection = std::make_unique<httplib::ClientImpl>(endpoint_.host, endpoint_.port);
  }
  connection->set_keep_alive(true);
  connection->set_url_encode(false);
  connection->set_decompress(true);
  connection->set_tcp_nodelay(true);
  connection->set_connection_timeout(options_.connect_timeout);
  connection->set_read_timeout(options_.timeout);
  connection->set_write_timeout(options_.timeout);
  return connection;
}

Result<std::unique_ptr<httplib::ClientImpl>> Transport::Acquire(const Credential& credential) {
  {
    std::lock_guard lock(mutex_);
    if (credential.client_certificate_pem != pooled_for_.client_certificate_pem) {
      idle_.clear();
      pooled_for_ = credential;
    }
    if (!idle_.empty()) {
      std::unique_ptr<httplib::ClientImpl> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return Connect(credential);
}

void Transport::Release(std::unique_ptr<httplib::ClientImpl> connection,
                        const Credential& credential) {
  std::lock_guard lock(mutex_);
  if (credential.client_certificate_pem == pooled_for_.client_certificate_pem) {
    idle_.push_back(std::move(connection));
  }
}

std::string Transport::Describe(const HttpRequest& request) const {
  std::string target = request.target.substr(0, request.target.find('?'));
  return request.method + " " + log::Redact(config_.server) + target;
}

namespace {

httplib::Request MakeRequest(const HttpRequest& request, const std::string& base_path,
                             const Credential& credential, const ClientConfig& config,
                             const ClientOptions& options) {
  httplib::Request out;
  out.method = request.method;
  out.path = base_path + request.target;
  out.body = request.body;
  out.set_header("Accept", request.accept);
  out.set_header("Accept-Encoding", "gzip");
  out.set_header("User-Agent", options.user_agent);
  if (!request.content_type.empty()) out.set_header("Content-Type", request.content_type);
  if (!credential.token.empty()) {
    out.set_header("Authorization", "Bearer " + credential.token);
  } else if (!config.username.empty()) {
    out.set_header("Authorization",
                   "Basic " + Base64Encode(config.username + ":" + config.password));
  }
  return out;
}

}  // namespace

void Transport::Count(const HttpRequest& request, int status) {
  std::string verb = request.verb.empty() ? AsciiLower(request.method) : request.verb;
  std::lock_guard lock(counts_mu_);
  ++counts_[{std::move(verb), status == 0 ? "error" : std::to_string(status)}];
}

std::vector<RequestCount> Transport::RequestCounts() const {
  std::lock_guard lock(counts_mu_);
  std::vector<RequestCount> out;
  out.reserve(counts_.size());
  for (const auto& [key, count] : counts_) out.push_back({key.first, key.second, count});
  return out;
}

ApiResult<HttpResponse> Transport::Send(const HttpRequest& request) {
  bool reauthenticated = false;
  ApiError last;
  for (int attempt = 0;; ++attempt) {
    limiter_.Wait();
    Result<Credential> credential = credentials_.Current();
    if (!credential.ok()) {
      return ApiError{.reason = Reason::kUnauthorized, .message = credential.status().message()};
    }
    Result<std::unique_ptr<httplib::ClientImpl>> connection = Acquire(*credential);
    if (!connection.ok()) {
      return ApiError{.reason = Reason::kTransport, .message = connection.status().message()};
    }
    httplib::Request out =
        MakeRequest(request, endpoint_.base_path, *credential, config_, options_);
    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    milliseconds wait{0};
    tls_untrusted = false;
    bool sent = (*connection)->send(out, response, error);
    error = Classified(error);
    Count(request, sent ? response.status : 0);
    if (!sent) {
      last = ApiError{.reason = Reason::kTransport,
                      .message = Describe(request) + ": " + TransportMessage(error)};
      if (Permanent(error) || !(request.idempotent || NeverSent(error))) return last;
      wait = Backoff(options_, attempt);
    } else {
      Release(std::move(*connection), *credential);
      if (response.status >= 200 && response.status < 300) {
        return HttpResponse{.status = response.status, .body = std::move(response.body)};
      }
      last = ErrorFromResponse(response.status, response.body);
      last.retry_after = RetryAfter(response);
      if (response.status == 401 && config_.exec && !reauthenticated) {
        credentials_.Invalidate();
        reauthenticated = true;
        --attempt;
        continue;
      }
      bool retry =
          response.status == 429 || (request.idempotent && RetryableStatus(response.status));
      if (!retry) return last;
      wait = std::max<milliseconds>(last.retry_after, Backoff(options_, attempt));
    }
    if (attempt >= options_.max_retries) return last;
    log::Debug("retrying request", {{"request", Describe(request)}, {"error", last.message}});
    std::this_thread::sleep_for(wait);
  }
}

ApiResult<Done> Transport::Stream(const HttpRequest& request, std::chrono::seconds read_timeout,
                                  const std::function<bool(std::string_view)>& on_data,
                                  std::stop_token stop) {
  limiter_.Wait();
  Result<Credential> credential = credentials_.Current();
  if (!credential.ok()) {
    return ApiError{.reason = Reason::kUnauthorized, .message = credential.status().message()};
  }
  Result<std::unique_ptr<httplib::ClientImpl>> connection = Connect(*credential);
  if (!connection.ok()) {
    return ApiError{.reason = Reason::kTransport, .message = connection.status().message()};
  }
  httplib::ClientImpl& client = **connection;
  client.set_read_timeout(read_timeout);
  httplib::Request out = MakeRequest(request, endpoint_.base_path, *credential, config_, options_);
  int status = 0;
  std::string error_body;
  bool handler_ended = false;
  // Counted when the answer starts: a watch's stream may last minutes.
  out.response_handler = [&](const httplib::Response& response) {
    status = response.status;
    Count(request, status);
    return true;
  };
  out.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    if (status != 200) {
      error_body.append(data, size);
      return true;
    }
    if (stop.stop_requested() || !on_data(std::string_view(data, size))) {
      handler_ended = true;
      return false;
    }
    return true;
  };
  // stop() ends a read in progress; a stop that comes while the socket is still being made is
  // caught when it is made, and a stream already flowing notices it at the next chunk.
  client.set_socket_options([&stop](int socket) {
    if (stop.stop_requested()) ::shutdown(socket, SHUT_RDWR);
  });
  std::stop_callback on_stop(stop, [&client] { client.stop(); });
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  tls_untrusted = false;
  bool sent = client.send(out, response, error);
  error = Classified(error);
  if (status == 0) Count(request, 0);
  if (handler_ended || stop.stop_requested()) return Done{};
  if (!sent) {
    return ApiError{.reason = Reason::kTransport,
                    .message = Describe(request) + ": " + TransportMessage(error)};
  }
  if (status != 200) {
    if (status == 401) credentials_.Invalidate();
    return ErrorFromResponse(status, error_body);
  }
  return Done{};
}

}  // namespace converge::kube
