// Host key and certificate checks that libgit2 1.5 leaves to its caller: OpenSSH known_hosts
// matching (libgit2 only hands over the raw key) and verification against a per-repository CA
// bundle (libgit2's CA locations are process-wide).
#include <cstring>
#include <sstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/base64.h"
#include "base/file.h"
#include "sources/git/internal.h"

namespace converge::sources::git {
namespace {

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// "|1|salt|hash": HMAC-SHA1 of the host name keyed with the salt, both base64.
bool HashedNameMatches(std::string_view pattern, const std::string& name) {
  std::string_view rest = pattern.substr(3);
  size_t bar = rest.find('|');
  if (bar == std::string_view::npos) return false;
  std::optional<std::string> salt = Base64Decode(rest.substr(0, bar));
  std::optional<std::string> hash = Base64Decode(rest.substr(bar + 1));
  if (!salt || !hash) return false;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), salt->data(), static_cast<int>(salt->size()),
       reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest, &length);
  return hash->size() == length && std::memcmp(hash->data(), digest, length) == 0;
}

bool NameMatches(std::string_view patterns, const std::string& name) {
  if (patterns.starts_with("|1|")) return HashedNameMatches(patterns, name);
  size_t start = 0;
  while (start <= patterns.size()) {
    size_t end = patterns.find(',', start);
    std::string_view pattern =
        patterns.substr(start, end == std::string_view::npos ? end : end - start);
    if (pattern == name) return true;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

bool KnownHostMatches(const std::string& known_hosts, const std::string& host,
                      const std::string& port, std::string_view key_blob, std::string& error) {
  std::optional<std::string> text = ReadFile(known_hosts);
  if (!text) {
    error = "known_hosts file " + known_hosts + " cannot be read";
    return false;
  }
  std::string name = port.empty() ? host : "[" + host + "]:" + port;
  bool listed = false;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string_view> fields = Fields(line);
    if (fields.empty() || fields[0].starts_with("#")) continue;
    bool revoked = fields[0] == "@revoked";
    if (fields[0].starts_with("@")) fields.erase(fields.begin());
    if (fields.size() < 3 || !NameMatches(fields[0], name)) continue;
    std::optional<std::string> key = Base64Decode(fields[2]);
    if (!key || *key != key_blob) {
      listed = true;
      continue;
    }
    if (revoked) {
      error = "the host key of " + name + " is marked @revoked in " + known_hosts;
      return false;
    }
    return true;
  }
  error = listed ? "the host key of " + name + " does not match known_hosts " + known_hosts +
                       " (possible man-in-the-middle)"
                 : "SSH host " + name + " is not in known_hosts " + known_hosts;
  return false;
}

bool VerifyWithCa(const std::filesystem::path& ca_file, std::string_view der,
                  const std::string& host, std::string& error) {
  const auto* data = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &data, static_cast<long>(der.size()));
  if (cert == nullptr) {
    error = "unreadable certificate";
    return false;
  }
  X509_STORE* store = X509_STORE_new();
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  bool ok = false;
  if (X509_STORE_load_file(store, ca_file.c_str()) != 1) {
    error = "CA bundle " + ca_file.string() + " cannot be read";
  } else if (X509_STORE_CTX_init(context, store, cert, nullptr) != 1 ||
             X509_verify_cert(context) != 1) {
    error = std::string("not signed by the configured CA: ") +
            X509_verify_cert_error_string(X509_STORE_CTX_get_error(context));
  } else if (X509_check_host(cert, host.c_str(), host.size(), 0, nullptr) != 1 &&
             X509_check_ip_asc(cert, host.c_str(), 0) != 1) {
    error = "issued for another host name";
  } else {
    ok = true;
  }
  X509_STORE_CTX_free(context);
  X509_STORE_free(store);
  X509_free(cert);
  return ok;
}

}  // namespace converge::sources::git
