// Sprig's certificate functions (crypto.go): genCA, genSelfSignedCert, genSignedCert, their
// WithKey forms and buildCustomCert. Certificates carry what Go's x509.CreateCertificate writes
// for Sprig's template: a random 128-bit serial, the CN as the whole subject, validity from now
// for the given days, critical key usage and basic constraints, server and client auth, DNS
// then IP alternative names, and key identifiers for CAs and the certificates they sign.
// Keys come from OpenSSL's randomness (see crypto.cc).

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "sources/helm/template/funcs/funcs.h"
#include "sources/helm/template/funcs/keys.h"

namespace converge::sources::helm::tmpl {
namespace {

using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

struct CertSpec {
  std::string cn;
  std::vector<std::string> ips;
  std::vector<std::string> dns_names;
  int64_t days = 0;
  bool is_ca = false;
};

Value Certificate(std::string cert, std::string key) {
  Value value = Value::Map(ElemType::kCertificate);
  value.mutable_map()["Cert"] = Value::String(std::move(cert));
  value.mutable_map()["Key"] = Value::String(std::move(key));
  return value;
}

// getNetIPs / getAlternateDNSStrs: every element must be a string (and an IP for ips).
Result<std::vector<std::string>> Strings(const Value& list, bool ips) {
  std::vector<std::string> out;
  if (list.IsNil()) return out;
  for (const Value& item : list.list()) {
    if (item.kind() != Value::Kind::kString) {
      return Status::Invalid(ips ? "error parsing ip: " + StrVal(item) + " is not a string"
                                 : "error processing alternate dns name: " + StrVal(item) +
                                       " is not a string");
    }
    if (ips) {
      unsigned char buffer[16];
      const std::string& text = item.string_value();
      if (inet_pton(AF_INET, text.c_str(), buffer) != 1 &&
          inet_pton(AF_INET6, text.c_str(), buffer) != 1) {
        return Status::Invalid("error parsing ip: " + text);
      }
    }
    out.push_back(item.string_value());
  }
  return out;
}

bool AddExtension(X509* cert, X509V3_CTX& context, int nid, const std::string& value) {
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

std::string CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

bool SetSerialAndNames(X509* cert, const CertSpec& spec, X509* issuer) {
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return false;
  BIGNUM* number = BN_bin2bn(serial, sizeof(serial), nullptr);
  bool ok = BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert)) != nullptr;
  BN_free(number);
  X509_NAME* subject = X509_get_subject_name(cert);
  if (!spec.cn.empty()) {
    ok = ok && X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char*>(spec.cn.c_str()),
                                          -1, -1, 0) == 1;
  }
  return ok && X509_set_issuer_name(
                   cert, issuer != nullptr ? X509_get_subject_name(issuer) : subject) == 1;
}

bool AddExtensions(X509* cert, const CertSpec& spec, X509* issuer) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  std::string usage = "critical,digitalSignature,keyEncipherment";
  if (spec.is_ca) usage += ",keyCertSign";
  bool ok = AddExtension(cert, context, NID_key_usage, usage) &&
            AddExtension(cert, context, NID_ext_key_usage, "serverAuth,clientAuth") &&
            AddExtension(cert, context, NID_basic_constraints,
                         spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (ok && spec.is_ca) ok = AddExtension(cert, context, NID_subject_key_identifier, "hash");
  if (ok && issuer != nullptr && X509_get0_subject_key_id(issuer) != nullptr) {
    ok = AddExtension(cert, context, NID_authority_key_identifier, "keyid:always");
  }
  std::string names;
  for (const std::string& name : spec.dns_names) names += (names.empty() ? "DNS:" : ",DNS:") + name;
  for (const std::string& ip : spec.ips) names += (names.empty() ? "IP:" : ",IP:") + ip;
  // Go marks the names critical when they are all that identifies the subject.
  if (ok && !names.empty()) {
    ok = AddExtension(cert, context, NID_subject_alt_name,
                      (spec.cn.empty() ? "critical," : "") + names);
  }
  return ok;
}

// getCertAndKey: `key`'s certificate, signed by `issuer` with `issuer_key` (self-signed when
// issuer is null).
Result<Value> MakeCertificate(const CertSpec& spec, EVP_PKEY* key, X509* issuer,
                              EVP_PKEY* issuer_key) {
  CertPtr cert(X509_new(), X509_free);
  EVP_PKEY* signer = issuer_key != nullptr ? issuer_key : key;
  bool ok = X509_set_version(cert.get(), 2) == 1 && SetSerialAndNames(cert.get(), spec, issuer) &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) != nullptr &&
            X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(spec.days), 0,
                             nullptr) != nullptr &&
            X509_set_pubkey(cert.get(), key) == 1 && AddExtensions(cert.get(), spec, issuer);
  if (!ok) return Status::Invalid("error creating certificate: invalid template");
  int type = EVP_PKEY_get_base_id(signer);
  if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC && type != EVP_PKEY_ED25519) {
    return Status::Invalid(
        "error creating certificate: x509: only RSA, ECDSA and Ed25519 keys supported");
  }
  const EVP_MD* digest = type == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_sign(cert.get(), signer, digest) == 0) {
    return Status::Invalid("error creating certificate: signing failed");
  }
  return Certificate(CertPem(cert.get()), PrivateKeyPem(key));
}

Result<KeyPtr> KeyFromArg(const Value& pem) {
  Result<KeyPtr> key = ParsePrivateKeyPem(pem.string_value());
  if (!key.ok()) return key.status().Wrap("parsing private key");
  return key;
}

KeyPtr NewRsaKey() { return GenerateRsaKey(2048); }

Result<CertSpec> SpecFromArgs(const std::vector<Value>& args) {
  CertSpec spec;
  spec.cn = args[0].string_value();
  Result<std::vector<std::string>> ips = Strings(args[1], true);
  if (!ips.ok()) return ips.status();
  Result<std::vector<std::string>> dns_names = Strings(args[2], false);
  if (!dns_names.ok()) return dns_names.status();
  spec.ips = std::move(*ips);
  spec.dns_names = std::move(*dns_names);
  spec.days = args[3].int_value();
  return spec;
}

Result<Value> SelfSigned(const std::vector<Value>& args, EVP_PKEY* key) {
  Result<CertSpec> spec = SpecFromArgs(args);
  if (!spec.ok()) return spec.status();
  return MakeCertificate(*spec, key, nullptr, nullptr);
}

Result<Value> CertificateAuthority(const std::vector<Value>& args, EVP_PKEY* key) {
  CertSpec spec{.cn = args[0].string_value(), .days = args[1].int_value(), .is_ca = true};
  return MakeCertificate(spec, key, nullptr, nullptr);
}

// The CA's certificate and key out of Sprig's certificate struct.
Result<Value> Signed(const std::vector<Value>& args, EVP_PKEY* key) {
  const Value& ca = args[4];
  const std::string& ca_pem = ca.map().at("Cert").string_value();
  BioPtr bio(BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size())), BIO_free);
  CertPtr ca_cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!ca_cert) return Status::Invalid("unable to decode certificate");
  Result<KeyPtr> ca_key = ParsePrivateKeyPem(ca.map().at("Key").string_value());
  if (!ca_key.ok()) return ca_key.status().Wrap("error parsing private key");
  Result<CertSpec> spec = SpecFromArgs(args);
  if (!spec.ok()) return spec.status();
  return MakeCertificate(*spec, key, ca_cert.get(), ca_key->get());
}

}  // namespace

CONVERGE_FUNC(FnGenCA) {
  (void)call;
  return CertificateAuthority(args, NewRsaKey().get());
}

CONVERGE_FUNC(FnGenCAWithKey) {
  (void)call;
  Result<KeyPtr> key = KeyFromArg(args[2]);
  if (!key.ok()) return key.status();
  return CertificateAuthority(args, key->get());
}

CONVERGE_FUNC(FnGenSelfSignedCert) {
  (void)call;
  return SelfSigned(args, NewRsaKey().get());
}

CONVERGE_FUNC(FnGenSelfSignedCertWithKey) {
  (void)call;
  Result<KeyPtr> key = KeyFromArg(args[4]);
  if (!key.ok()) return key.status();
  return SelfSigned(args, key->get());
}

CONVERGE_FUNC(FnGenSignedCert) {
  (void)call;
  return Signed(args, NewRsaKey().get());
}

CONVERGE_FUNC(FnGenSignedCertWithKey) {
  (void)call;
  Result<KeyPtr> key = KeyFromArg(args[5]);
  if (!key.ok()) return key.status();
  return Signed(args, key->get());
}

// buildCustomCert: base64 PEM certificate and key, checked and returned decoded.
CONVERGE_FUNC(FnBuildCustomCert) {
  (void)call;
  Result<std::string> cert = GoBase64Decode(args[0].string_value());
  if (!cert.ok()) return Status::Invalid("unable to decode base64 certificate");
  Result<std::string> key = GoBase64Decode(args[1].string_value());
  if (!key.ok()) return Status::Invalid("unable to decode base64 private key");
  if (cert->find("-----BEGIN ") == std::string::npos) {
    return Status::Invalid("unable to decode certificate");
  }
  BioPtr bio(BIO_new_mem_buf(cert->data(), static_cast<int>(cert->size())), BIO_free);
  CertPtr parsed(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!parsed) {
    return Status::Invalid("error parsing certificate: decodedCert.Bytes: malformed certificate");
  }
  Result<KeyPtr> parsed_key = ParsePrivateKeyPem(*key);
  if (!parsed_key.ok()) return parsed_key.status().Wrap("error parsing private key");
  return Certificate(std::move(*cert), std::move(*key));
}

}  // namespace converge::sources::helm::tmpl
