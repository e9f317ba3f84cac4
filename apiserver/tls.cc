#include "apiserver/tls.h"

#include <fstream>
#include <memory>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "base/base64.h"
#include "base/file.h"
#include "base/pem.h"
#include "base/strings.h"

namespace converge::apiserver {
namespace {

namespace fs = std::filesystem;

using Key = PrivateKeyPtr;
using Cert = CertificatePtr;

constexpr long kValiditySeconds = 10L * 365 * 24 * 3600;

Status WritePrivate(const fs::path& path, const std::string& text) {
  fs::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Unavailable("cannot write " + temp.string());
    out << text;
    if (!out.flush()) return Status::Unavailable("cannot write " + temp.string());
  }
  ::chmod(temp.c_str(), 0600);
  std::error_code error;
  fs::rename(temp, path, error);
  if (error) return Status::Unavailable("cannot write " + path.string() + ": " + error.message());
  return Status();
}

Key NewKey() { return Key(EVP_EC_gen("P-256"), EVP_PKEY_free); }

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

std::string CertPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension != nullptr) {
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
  }
}

Cert NewCertificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                    EVP_PKEY* issuer_key, const std::string& san, bool ca) {
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7F;
  BIGNUM* number = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert.get()));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("converge"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), signer, NID_key_usage,
                 "critical,keyCertSign,cRLSign,digitalSignature");
  } else {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    AddExtension(cert.get(), signer, NID_subject_alt_name, san);
  }
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  X509_sign(cert.get(), issuer_key, EVP_sha256());
  return cert;
}

bool LooksLikeIp(const std::string& host) {
  return host.find_first_not_of("0123456789.") == std::string::npos ||
         host.find(':') != std::string::npos;
}

std::string RandomToken() {
  unsigned char bytes[32];
  RAND_bytes(bytes, sizeof(bytes));
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : bytes) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xF]);
  }
  return out;
}

// A random secret kept in `path`, created on first use.
Result<std::string> LoadOrCreateSecret(const fs::path& path) {
  if (!fs::exists(path)) {
    if (Status s = WritePrivate(path, RandomToken() + "\n"); !s.ok()) return s;
  }
  std::string secret = TrimRight(ReadFile(path).value_or(""));
  if (secret.empty()) return Status::Invalid(path.string() + " is empty");
  return secret;
}

}  // namespace

Result<Credentials> LoadOrCreateCredentials(const fs::path& dir,
                                            const std::vector<std::string>& hosts) {
  std::error_code error;
  fs::create_directories(dir / "pki", error);
  if (error)
    return Status::Unavailable("cannot create " + (dir / "pki").string() + ": " + error.message());
  ::chmod(dir.c_str(), 0700);
  Credentials credentials;
  fs::path ca_cert = dir / "pki/ca.crt";
  fs::path ca_key = dir / "pki/ca.key";
  fs::path server_cert = dir / "pki/server.crt";
  fs::path server_key = dir / "pki/server.key";
  if (!fs::exists(ca_cert) || !fs::exists(ca_key)) {
    Key key = NewKey();
    Cert cert = NewCertificate(key.get(), "converge-ca", nullptr, key.get(), "", true);
    if (Status s = WritePrivate(ca_key, KeyPem(key.get())); !s.ok()) return s;
    if (Status s = WritePrivate(ca_cert, CertPem(cert.get())); !s.ok()) return s;
    fs::remove(server_cert, error);
  }
  credentials.ca_pem = ReadFile(ca_cert).value_or("");
  if (!fs::exists(server_cert) || !fs::exists(server_key)) {
    Key ca_private = ParsePrivateKeyPem(ReadFile(ca_key).value_or(""));
    Cert ca = ParseCertificatePem(credentials.ca_pem);
    if (!ca_private || !ca)
      return Status::Invalid("the CA in " + (dir / "pki").string() + " is unreadable");
    std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
    for (const std::string& host : hosts) {
      if (host.empty() || host == "localhost" || host == "127.0.0.1" || host == "::1") continue;
      san += (LooksLikeIp(host) ? ",IP:" : ",DNS:") + host;
    }
    Key key = NewKey();
    Cert cert =
        NewCertificate(key.get(), "converge-apiserver", ca.get(), ca_private.get(), san, false);
    if (Status s = WritePrivate(server_key, KeyPem(key.get())); !s.ok()) return s;
    if (Status s = WritePrivate(server_cert, CertPem(cert.get())); !s.ok()) return s;
  }
  credentials.cert_pem = ReadFile(server_cert).value_or("");
  credentials.key_pem = ReadFile(server_key).value_or("");
  Result<std::string> token = LoadOrCreateSecret(dir / "token");
  if (!token.ok()) return token.status();
  credentials.token = std::move(*token);
  return credentials;
}

Result<std::string> LoadOrCreateSigningKey(const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir / "pki", error);
  if (error)
    return Status::Unavailable("cannot create " + (dir / "pki").string() + ": " + error.message());
  return LoadOrCreateSecret(dir / "pki/sa.key");
}

Status WriteKubeconfig(const fs::path& path, const std::string& server, const std::string& ca_pem,
                       const std::string& token) {
  std::string cluster = "    server: " + server + "\n";
  if (!ca_pem.empty()) {
    cluster = "    certificate-authority-data: " + Base64Encode(ca_pem) + "\n" + cluster;
  }
  std::string text = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n" + cluster +
                     "  name: converge\ncontexts:\n- context:\n    cluster: converge\n"
                     "    namespace: default\n    user: converge-admin\n  name: converge\n"
                     "current-context: converge\npreferences: {}\nusers:\n- name: converge-admin\n"
                     "  user:\n    token: " +
                     token + "\n";
  return WritePrivate(path, text);
}

}  // namespace converge::apiserver
