#include <cstring>

#include "base/log.h"
#include "sources/git/internal.h"

namespace converge::sources::git {

struct Connection::Context {
  const Credentials* credentials = nullptr;
  std::string host;
  std::string port;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::seconds timeout{0};
  unsigned int offered = 0;  // git_credential_t kinds already handed to libgit2
  bool auth_failed = false;
  bool timed_out = false;
  std::string certificate_error;
};

namespace {

using Context = Connection::Context;

bool Expired(Context& context) {
  if (std::chrono::steady_clock::now() < context.deadline) return false;
  context.timed_out = true;
  return true;
}

int OnCredentials(git_credential** out, const char* /*url*/, const char* username_from_url,
                  unsigned int allowed, void* payload) {
  Context& context = *static_cast<Context*>(payload);
  if (context.credentials == nullptr) {
    context.auth_failed = true;
    return -1;
  }
  const Credentials& c = *context.credentials;
  std::string user = username_from_url != nullptr && *username_from_url != '\0'
                         ? username_from_url
                         : (c.username.empty() ? "git" : c.username);
  // libgit2 asks again after every refusal, so a kind offered twice was refused. SSH without a
  // user in the URL asks for the user name first and the key next: both are offered once.
  auto first_time = [&context](unsigned int kind) {
    if ((context.offered & kind) != 0) return false;
    context.offered |= kind;
    return true;
  };
  if ((allowed & GIT_CREDENTIAL_SSH_KEY) != 0 && !c.ssh_private_key.empty() &&
      first_time(GIT_CREDENTIAL_SSH_KEY)) {
    return git_credential_ssh_key_new(
        out, user.c_str(), nullptr, c.ssh_private_key.c_str(),
        c.ssh_passphrase.empty() ? nullptr : c.ssh_passphrase.c_str());
  }
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && !c.password.empty() &&
      first_time(GIT_CREDENTIAL_USERPASS_PLAINTEXT)) {
    return git_credential_userpass_plaintext_new(out, c.username.c_str(), c.password.c_str());
  }
  if ((allowed & GIT_CREDENTIAL_USERNAME) != 0 && first_time(GIT_CREDENTIAL_USERNAME)) {
    return git_credential_username_new(out, user.c_str());
  }
  context.auth_failed = true;
  return -1;
}

int OnCertificate(git_cert* cert, int valid, const char* /*host*/, void* payload) {
  Context& context = *static_cast<Context*>(payload);
  if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
    const auto* key = reinterpret_cast<const git_cert_hostkey*>(cert);
    if ((key->type & GIT_CERT_SSH_RAW) == 0) {
      context.certificate_error = "the SSH server's host key is not available for checking";
      return -1;
    }
    if (context.credentials == nullptr || context.credentials->known_hosts.empty()) {
      context.certificate_error = "no known_hosts configured for SSH host " + context.host +
                                  "; host keys are never "
                                  "trusted on first use";
      return -1;
    }
    std::string error;
    if (!KnownHostMatches(context.credentials->known_hosts.string(), context.host, context.port,
                          std::string_view(key->hostkey, key->hostkey_len), error)) {
      context.certificate_error = error;
      return -1;
    }
    return 0;
  }
  if (valid != 0) return 0;
  if (cert->cert_type == GIT_CERT_X509 && context.credentials != nullptr &&
      !context.credentials->ca_file.empty()) {
    const auto* x509 = reinterpret_cast<const git_cert_x509*>(cert);
    std::string error;
    if (VerifyWithCa(context.credentials->ca_file,
                     std::string_view(static_cast<const char*>(x509->data), x509->len),
                     context.host, error)) {
      return 0;
    }
    context.certificate_error = "TLS certificate of " + context.host + ": " + error;
    return -1;
  }
  context.certificate_error = "TLS certificate of " + context.host +
                              " is not trusted (configure a CA bundle for this repository)";
  return -1;
}

int OnTransfer(const git_indexer_progress* /*progress*/, void* payload) {
  return Expired(*static_cast<Context*>(payload)) ? -1 : 0;
}

int OnSideband(const char* /*text*/, int /*length*/, void* payload) {
  return Expired(*static_cast<Context*>(payload)) ? -1 : 0;
}

git_remote_callbacks Callbacks(Context& context) {
  git_remote_callbacks callbacks;
  git_remote_init_callbacks(&callbacks, GIT_REMOTE_CALLBACKS_VERSION);
  callbacks.credentials = OnCredentials;
  callbacks.certificate_check = OnCertificate;
  callbacks.transfer_progress = OnTransfer;
  callbacks.sideband_progress = OnSideband;
  callbacks.payload = &context;
  return callbacks;
}

}  // namespace

Status GitError(int code, std::string_view what) {
  const git_error* error = git_error_last();
  std::string detail = error != nullptr && error->message != nullptr
                           ? log::Redact(error->message)
                           : "libgit2 error " + std::to_string(code);
  std::string message = std::string(what) + ": " + detail;
  std::string lower = detail;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (code == GIT_ENOTFOUND || lower.find("404") != std::string::npos ||
      lower.find("not found") != std::string::npos ||
      lower.find("not exported") != std::string::npos ||
      lower.find("no such repository") != std::string::npos ||
      lower.find("does not appear to be a git repository") != std::string::npos) {
    return Status::NotFound(std::move(message));
  }
  if (code == GIT_EAUTH || code == GIT_ECERTIFICATE || lower.find("401") != std::string::npos ||
      lower.find("403") != std::string::npos || lower.find("authentication") != std::string::npos) {
    return Status::Invalid(std::move(message));
  }
  if (error != nullptr && (error->klass == GIT_ERROR_NET || error->klass == GIT_ERROR_SSH ||
                           error->klass == GIT_ERROR_OS || error->klass == GIT_ERROR_SSL ||
                           error->klass == GIT_ERROR_HTTP)) {
    return Status::Unavailable(std::move(message));
  }
  return Status::Internal(std::move(message));
}

std::string OidHex(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof(hex), &oid);
  return hex;
}

Result<std::unique_ptr<Connection>> Connection::Open(git_repository* repo, const std::string& url,
                                                     const Credentials* credentials,
                                                     std::chrono::seconds timeout) {
  Result<UrlParts> parts = ParseUrl(url);
  if (!parts.ok()) return parts.status();
  std::unique_ptr<Connection> connection(new Connection());
  connection->context_ = std::make_unique<Context>(Context{
      .credentials = credentials,
      .host = parts->host,
      .port = parts->port,
      .deadline = std::chrono::steady_clock::now() + timeout,
      .timeout = timeout,
  });
  connection->watchdog_ = std::make_unique<Watchdog>(connection->context_->deadline);
  Watchdog::Scope scope(*connection->watchdog_);
  if (credentials != nullptr && !credentials->bearer_token.empty()) {
    connection->header_storage_.push_back("Authorization: Bearer " + credentials->bearer_token);
  }
  for (std::string& header : connection->header_storage_) {
    connection->headers_.push_back(header.data());
  }
  git_remote* remote = nullptr;
  if (int code = git_remote_create_anonymous(&remote, repo, url.c_str()); code < 0) {
    return GitError(code, DisplayUrl(url));
  }
  connection->remote_.reset(remote);
  git_remote_callbacks callbacks = Callbacks(*connection->context_);
  git_proxy_options proxy;
  git_proxy_options_init(&proxy, GIT_PROXY_OPTIONS_VERSION);
  git_strarray headers{connection->headers_.data(), connection->headers_.size()};
  if (int code = git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, &proxy, &headers);
      code < 0) {
    return connection->Failure(code, "connecting to " + DisplayUrl(url));
  }
  return connection;
}

Connection::~Connection() {
  if (remote_ != nullptr) git_remote_disconnect(remote_.get());
}

Status Connection::Failure(int code, std::string_view what) const {
  std::string where(what);
  if (context_->timed_out || watchdog_->fired()) {
    return Status::Unavailable(where + ": timed out after " +
                               std::to_string(context_->timeout.count()) + "s");
  }
  if (!context_->certificate_error.empty()) {
    return Status::Invalid(where + ": " + context_->certificate_error);
  }
  if (context_->auth_failed) {
    return Status::Invalid(where + ": authentication failed (credentials missing or refused)");
  }
  return GitError(code, where);
}

Result<Advertisement> Connection::List() {
  Watchdog::Scope scope(*watchdog_);
  const git_remote_head** heads = nullptr;
  size_t count = 0;
  std::string url = DisplayUrl(git_remote_url(remote_.get()));
  if (int code = git_remote_ls(&heads, &count, remote_.get()); code < 0) {
    return Failure(code, "listing refs of " + url);
  }
  Advertisement advertisement;
  for (size_t i = 0; i < count; ++i) {
    advertisement.refs[heads[i]->name] = OidHex(heads[i]->oid);
  }
  git_buf branch = GIT_BUF_INIT;
  if (git_remote_default_branch(&branch, remote_.get()) == 0) {
    advertisement.default_branch.assign(branch.ptr, branch.size);
  }
  git_buf_dispose(&branch);
  return advertisement;
}

Status Connection::Fetch(const std::vector<std::string>& refspecs) {
  Watchdog::Scope scope(*watchdog_);
  std::vector<char*> specs;
  std::vector<std::string> storage = refspecs;
  for (std::string& spec : storage) specs.push_back(spec.data());
  git_strarray array{specs.data(), specs.size()};
  git_fetch_options options;
  git_fetch_options_init(&options, GIT_FETCH_OPTIONS_VERSION);
  options.callbacks = Callbacks(*context_);
  options.prune = GIT_FETCH_NO_PRUNE;
  options.update_fetchhead = 0;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  options.custom_headers = git_strarray{headers_.data(), headers_.size()};
  if (int code = git_remote_fetch(remote_.get(), &array, &options, "converge: fetch"); code < 0) {
    return Failure(code, "fetching from " + DisplayUrl(git_remote_url(remote_.get())));
  }
  return Status();
}

}  // namespace converge::sources::git
