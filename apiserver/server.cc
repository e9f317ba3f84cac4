// The HTTP(S) front of the embedded API server: cpp-httplib in, apiserver::Api behind it.

#include <chrono>
#include <condition_variable>
#include <thread>

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "apiserver/api.h"
#include "apiserver/apiserver.h"
#include "apiserver/controllers.h"
#include "apiserver/tls.h"
#include "base/log.h"
#include "base/pem.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

// Splits "host:port" (IPv6 as "[::1]:6443").
Result<std::pair<std::string, int>> SplitListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos)
    return Status::Invalid("--listen must be host:port, not " + listen);
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (end == nullptr || *end != '\0' || port < 0 || port > 65535) {
    return Status::Invalid("--listen has an invalid port: " + listen);
  }
  return std::make_pair(host.empty() ? std::string("127.0.0.1") : host, static_cast<int>(port));
}

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The user a verified client certificate names, as Kubernetes' x509 authenticator reads it:
// the subject's common name is the user, each organization a group.
std::optional<UserInfo> CertificateUser(const SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) return std::nullopt;
  UserInfo user;
  X509_NAME* subject = X509_get_subject_name(peer);
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
    std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                      static_cast<size_t>(ASN1_STRING_length(data)));
    if (nid == NID_commonName) user.name = value;
    if (nid == NID_organizationName) user.groups.push_back(value);
  }
  X509_free(peer);
  if (user.name.empty()) return std::nullopt;
  user.groups.push_back("system:authenticated");
  return user;
}

// Client certificates signed by our CA are asked for but optional, as kube-apiserver does
// with --client-ca-file: callers with tokens send none.
bool AcceptClientCertificates(SSL_CTX* context, const std::string& ca_pem) {
  CertificatePtr ca = ParseCertificatePem(ca_pem);
  if (ca == nullptr) return false;
  bool ok = X509_STORE_add_cert(SSL_CTX_get_cert_store(context), ca.get()) == 1 &&
            SSL_CTX_add_client_CA(context, ca.get()) == 1;
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  return ok;
}

bool NeedsNoToken(const std::string& path) {
  return path == "/healthz" || path == "/livez" || path == "/readyz" || path == "/version";
}

}  // namespace

struct Server::State {
  Options options;
  std::string host;
  int port = 0;
  std::string scheme;
  std::string token;        // empty in insecure mode
  std::string signing_key;  // ServiceAccount tokens
  Registry registry;
  WatchHub hub;
  std::unique_ptr<Store> store;
  std::unique_ptr<Api> api;
  std::unique_ptr<httplib::Server> http;
  CertificatePtr cert{nullptr, X509_free};
  PrivateKeyPtr key{nullptr, EVP_PKEY_free};

  // Who is calling: a client certificate signed by our CA, the admin token, a ServiceAccount
  // token, or nobody (health and version only). Plain HTTP has no admin token, so callers
  // without a valid ServiceAccount token act as the admin there.
  std::optional<UserInfo> Authenticate(const httplib::Request& in) const {
    if (std::optional<UserInfo> user = CertificateUser(in.ssl)) return user;
    std::string header = in.get_header_value("Authorization");
    if (header.rfind("Bearer ", 0) == 0) {
      std::string presented = header.substr(7);
      if (!token.empty() && ConstantTimeEquals(presented, token)) return AdminUser();
      if (std::optional<UserInfo> account = api->AuthenticateToken(presented)) return account;
    }
    if (token.empty()) return AdminUser();
    if (NeedsNoToken(in.path)) return AnonymousUser();
    return std::nullopt;
  }

  void Handle(const httplib::Request& in, httplib::Response& out) {
    std::optional<UserInfo> user = Authenticate(in);
    if (!user) {
      ApiError error = Unauthorized();
      out.status = 401;
      out.set_content(kube::EncodeJson(error.ToStatus()), "application/json");
      return;
    }
    Request request;
    request.method = in.method;
    request.path = in.path;
    for (const auto& [name, value] : in.params) request.query[name] = value;
    request.content_type = in.get_header_value("Content-Type");
    request.accept = in.get_header_value("Accept");
    request.user_agent = in.get_header_value("User-Agent");
    request.body = in.body;
    request.user = std::move(*user);
    auto started = std::chrono::steady_clock::now();
    Response response = api->Handle(request);
    log::Debug("request",
               {{"method", in.method},
                {"path", in.path},
                {"status", std::to_string(response.status)},
                {"micros", std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - started)
                                              .count())}});
    out.status = response.status;
    for (const auto& [name, value] : response.headers) out.set_header(name, value);
    if (response.stream) {
      std::shared_ptr<ResponseStream> stream(std::move(response.stream));
      out.set_chunked_content_provider(
          response.content_type, [stream](size_t, httplib::DataSink& sink) {
            while (true) {
              if (!sink.is_writable()) return false;
              std::optional<std::string> chunk = stream->Next(std::chrono::milliseconds(1000));
              if (!chunk) {
                sink.done();
                return true;
              }
              if (!chunk->empty()) {
                return sink.write(chunk->data(), chunk->size());
              }
            }
          });
      return;
    }
    out.set_content(std::move(response.body), response.content_type);
  }
};

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}

Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Start(const Options& options) {
  auto state = std::make_unique<State>();
  state->options = options;
  Result<std::pair<std::string, int>> listen = SplitListen(options.listen);
  if (!listen.ok()) return listen.status();
  state->host = listen->first;
  if (options.insecure_http && !IsLoopback(state->host)) {
    return Status::Invalid("--insecure-http is only allowed on a loopback address, not " +
                           state->host);
  }
  if (options.data_dir.empty()) return Status::Invalid("--data-dir is required");
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return Status::Unavailable("cannot create " + options.data_dir.string() + ": " +
                               error.message());
  }

  Result<std::unique_ptr<Store>> store = Store::Open(
      options.data_dir / "state.db", {.event_retention_seconds = options.event_retention_seconds},
      [hub = &state->hub](const Event& event) { hub->Publish(event); });
  if (!store.ok()) return store.status();
  state->store = std::move(*store);

  if (options.insecure_http) {
    state->scheme = "http";
    state->http = std::make_unique<httplib::Server>();
  } else {
    Result<Credentials> credentials = LoadOrCreateCredentials(options.data_dir, {state->host});
    if (!credentials.ok()) return credentials.status();
    state->token = credentials->token;
    state->cert = ParseCertificatePem(credentials->cert_pem);
    state->key = ParsePrivateKeyPem(credentials->key_pem);
    if (state->cert == nullptr || state->key == nullptr) {
      return Status::Invalid("the serving certificate in " + options.data_dir.string() +
                             " is unreadable");
    }
    state->scheme = "https";
    state->http = std::make_unique<httplib::SSLServer>(state->cert.get(), state->key.get());
    if (!state->http->is_valid() ||
        !AcceptClientCertificates(static_cast<httplib::SSLServer&>(*state->http).ssl_context(),
                                  credentials->ca_pem)) {
      return Status::Internal("cannot set up TLS");
    }
  }
  int threads = std::max(8, options.threads);
  state->http->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  state->http->set_keep_alive_max_count(1000);
  state->http->set_keep_alive_timeout(30);
  state->http->set_payload_max_length(8 * 1024 * 1024);
  state->http->set_tcp_nodelay(true);
  State* raw = state.get();
  auto handler = [raw](const httplib::Request& in, httplib::Response& out) {
    raw->Handle(in, out);
    // kube-apiserver gzips only responses over 128 KiB: below that compressing costs
    // more than it saves. cpp-httplib decides from the request's Accept-Encoding once the
    // handler returns, and the request it passes is its own non-const object.
    if (out.body.size() <= 128 * 1024) {
      const_cast<httplib::Request&>(in).headers.erase("Accept-Encoding");
    }
  };
  state->http->Get(".*", handler);
  state->http->Post(".*", handler);
  state->http->Put(".*", handler);
  state->http->Patch(".*", handler);
  state->http->Delete(".*", handler);

  if (listen->second == 0) {
    state->port = state->http->bind_to_any_port(state->host);
  } else {
    state->port = state->http->bind_to_port(state->host, listen->second) ? listen->second : -1;
  }
  if (state->port <= 0) {
    return Status::Unavailable("cannot listen on " + options.listen +
                               ": the address is in use or not local");
  }
  std::string address =
      (state->host.find(':') != std::string::npos ? "[" + state->host + "]" : state->host) + ":" +
      std::to_string(state->port);
  Result<std::string> signing_key = LoadOrCreateSigningKey(options.data_dir);
  if (!signing_key.ok()) return signing_key.status();
  state->api = std::make_unique<Api>(*state->store, state->registry, state->hub,
                                     ApiOptions{.watch_capacity = options.watch_capacity,
                                                .server_address = address,
                                                .rbac = options.rbac,
                                                .token_key = *signing_key});
  if (Status s = state->api->Bootstrap(); !s.ok()) return s;
  Credentials kube_credentials;
  std::string ca_pem;
  if (!options.insecure_http) {
    Result<Credentials> credentials = LoadOrCreateCredentials(options.data_dir, {state->host});
    if (!credentials.ok()) return credentials.status();
    ca_pem = credentials->ca_pem;
  }
  if (Status s = WriteKubeconfig(options.data_dir / "kubeconfig", state->scheme + "://" + address,
                                 ca_pem, state->token.empty() ? "unused" : state->token);
      !s.ok()) {
    return s;
  }
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

std::string Server::url() const {
  std::string host =
      state_->host.find(':') != std::string::npos ? "[" + state_->host + "]" : state_->host;
  return state_->scheme + "://" + host + ":" + std::to_string(state_->port);
}

int Server::port() const { return state_->port; }

std::filesystem::path Server::kubeconfig() const { return state_->options.data_dir / "kubeconfig"; }

void Server::Serve(std::stop_token stop) {
  std::stop_callback on_stop(stop, [this] {
    state_->hub.CloseAll();
    state_->http->stop();
  });
  state_->http->listen_after_bind();
}

void Server::RunControllers(std::stop_token stop) {
  Controllers controllers(*state_->api, *state_->store, state_->hub, state_->registry,
                          {.simulate = state_->options.simulate,
                           .delay = std::chrono::milliseconds(state_->options.simulate_delay_ms)});
  controllers.Run(stop);
}

}  // namespace converge::apiserver
