// Sprig's random crypto functions cannot be compared byte for byte, so the same templates are
// rendered by helm4 and by our engine and what OpenSSL reads out of both is compared: PEM block
// types, key types and sizes, subjects, issuers, validity, extensions, alternative names and
// signatures. Hashes and ciphertexts are checked across the two: helm4's bcrypt hash verifies
// with libxcrypt, and each side decrypts what the other encrypted.

#include <crypt.h>
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tests/sources/helm/template/cases.h"

namespace converge::sources::helm::tmpl::testing {
namespace {

struct Pem {
  std::string type;
  std::string text;
};

std::vector<Pem> SplitPem(const std::string& text) {
  std::vector<Pem> blocks;
  size_t pos = 0;
  while ((pos = text.find("-----BEGIN ", pos)) != std::string::npos) {
    size_t type_end = text.find("-----", pos + 11);
    std::string type = text.substr(pos + 11, type_end - pos - 11);
    std::string end_marker = "-----END " + type + "-----\n";
    size_t end = text.find(end_marker, type_end);
    if (end == std::string::npos) break;
    blocks.push_back({type, text.substr(pos, end + end_marker.size() - pos)});
    pos = end + end_marker.size();
  }
  return blocks;
}

std::string Bio(const std::function<void(BIO*)>& print) {
  BIO* bio = BIO_new(BIO_s_mem());
  print(bio);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

std::string KeyDescription(EVP_PKEY* key) {
  return std::string(EVP_PKEY_get0_type_name(key)) + "/" + std::to_string(EVP_PKEY_get_bits(key));
}

std::string Extension(X509* cert, int nid) {
  int index = X509_get_ext_by_NID(cert, nid, -1);
  if (index < 0) return "-";
  X509_EXTENSION* extension = X509_get_ext(cert, index);
  std::string value = Bio([&](BIO* bio) { X509V3_EXT_print(bio, extension, 0, 0); });
  return std::string(X509_EXTENSION_get_critical(extension) ? "critical " : "") + value;
}

// What a certificate says, minus what is random (serial, key, dates): the validity as a length
// in days, the signature checked against `issuer` (the previous certificate, or itself).
std::string CertDescription(const std::string& pem, X509* issuer, X509** parsed) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return "unparseable certificate";
  *parsed = cert;
  int days = 0;
  int seconds = 0;
  ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert));
  const BIGNUM* serial = nullptr;
  BIGNUM* serial_number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  serial = serial_number;
  bool serial_ok = BN_num_bits(serial) <= 128 && BN_num_bits(serial) > 64;
  BN_free(serial_number);
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer != nullptr ? issuer : cert);
  std::string out =
      "version=" + std::to_string(X509_get_version(cert)) + " subject=" +
      Bio([&](BIO* b) { X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253); }) +
      " issuer=" +
      Bio([&](BIO* b) { X509_NAME_print_ex(b, X509_get_issuer_name(cert), 0, XN_FLAG_RFC2253); }) +
      " days=" + std::to_string(days) + "+" + std::to_string(seconds) +
      " serial128=" + (serial_ok ? "yes" : "no") +
      " key=" + KeyDescription(X509_get0_pubkey(cert)) +
      " sigalg=" + OBJ_nid2ln(X509_get_signature_nid(cert)) +
      " verifies=" + (X509_verify(cert, issuer_key) == 1 ? "yes" : "no");
  out += "\n  basicConstraints: " + Extension(cert, NID_basic_constraints);
  out += "\n  keyUsage: " + Extension(cert, NID_key_usage);
  out += "\n  extKeyUsage: " + Extension(cert, NID_ext_key_usage);
  out += "\n  subjectAltName: " + Extension(cert, NID_subject_alt_name);
  out += "\n  subjectKeyId: " + std::string(X509_get0_subject_key_id(cert) ? "yes" : "-");
  out += "\n  authorityKeyIdMatchesIssuer: ";
  const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(cert);
  const ASN1_OCTET_STRING* issuer_skid =
      issuer != nullptr ? X509_get0_subject_key_id(issuer) : nullptr;
  out += akid == nullptr
             ? "-"
             : (issuer_skid && ASN1_OCTET_STRING_cmp(akid, issuer_skid) == 0 ? "yes" : "no");
  return out;
}

std::string KeyPemDescription(const std::string& pem, X509* cert) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return "unparseable key";
  std::string out = "key=" + KeyDescription(key);
  if (cert != nullptr) {
    out += std::string(" matchesCertificate=") + (X509_check_private_key(cert, key) ? "yes" : "no");
  }
  EVP_PKEY_free(key);
  return out;
}

// One line per PEM block. A certificate's issuer is the first certificate of the output (the
// CA) unless it is that certificate; a key is matched against the certificate before it.
std::vector<std::string> Describe(const std::string& output) {
  std::vector<std::string> lines;
  X509* first = nullptr;
  X509* last = nullptr;
  for (const Pem& block : SplitPem(output)) {
    if (block.type == "CERTIFICATE") {
      X509* cert = nullptr;
      lines.push_back("CERTIFICATE " + CertDescription(block.text, first, &cert));
      if (first == nullptr) {
        first = cert;
      } else if (last != first) {
        X509_free(last);
      }
      last = cert;
    } else {
      lines.push_back(block.type + " " + KeyPemDescription(block.text, last));
    }
  }
  if (last != first) X509_free(last);
  X509_free(first);
  return lines;
}

Case MakeCase(const std::string& name, const std::string& text) {
  Case c;
  c.family = "crypto_structure";
  c.name = name;
  c.id = "crypto-" + name;
  c.text = text;
  return c;
}

const std::vector<Case>& StructureCases() {
  static const std::vector<Case> cases = {
      MakeCase("ca-and-signed",
               "{{ $ca := genCA \"my-ca\" 30 }}{{ $c := genSignedCert \"svc.example\" "
               "(list \"10.0.0.1\" \"::1\") (list \"svc.example\" \"alt.example\") 10 $ca }}"
               "{{ $ca.Cert }}{{ $ca.Key }}{{ $c.Cert }}{{ $c.Key }}"),
      MakeCase("self-signed",
               "{{ $c := genSelfSignedCert \"self\" (list \"192.168.1.1\") (list \"self.local\") "
               "7 }}{{ $c.Cert }}{{ $c.Key }}"),
      MakeCase("self-signed-empty-cn",
               "{{ $c := genSelfSignedCert \"\" nil (list \"only.dns\") 1 }}{{ $c.Cert }}"),
      MakeCase("ca-with-ec-key",
               "{{ $k := genPrivateKey \"ecdsa\" }}{{ $ca := genCAWithKey \"ec-ca\" 5 $k }}"
               "{{ $c := genSignedCertWithKey \"leaf\" nil (list \"leaf\") 2 $ca "
               "(genPrivateKey \"ed25519\") }}{{ $ca.Cert }}{{ $ca.Key }}{{ $c.Cert }}"
               "{{ $c.Key }}"),
      MakeCase("self-signed-with-ed25519-key",
               "{{ $c := genSelfSignedCertWithKey \"ed\" nil nil 3 (genPrivateKey \"ed25519\") "
               "}}{{ $c.Cert }}{{ $c.Key }}"),
      MakeCase("private-keys",
               "{{ genPrivateKey \"rsa\" }}{{ genPrivateKey \"\" }}{{ genPrivateKey \"ecdsa\" }}"
               "{{ genPrivateKey \"ed25519\" }}"),
  };
  return cases;
}

TEST(CryptoStructureTest, CertificatesAndKeysReadLikeHelms) {
  std::map<std::string, Outcome> helm = RenderWithHelm(StructureCases());
  for (const Case& c : StructureCases()) {
    Outcome ours = RenderWithEngine(c);
    ASSERT_FALSE(helm[c.id].error) << c.name << ": " << helm[c.id].message;
    ASSERT_FALSE(ours.error) << c.name << ": " << ours.message;
    std::vector<std::string> expected = Describe(helm[c.id].output);
    EXPECT_FALSE(expected.empty()) << c.name;
    EXPECT_EQ(Describe(ours.output), expected) << c.name;
  }
}

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

BnPtr KeyNumber(EVP_PKEY* key, const char* name) {
  BIGNUM* number = nullptr;
  EVP_PKEY_get_bn_param(key, name, &number);
  return BnPtr(number, BN_free);
}

// A prime factor as Go's GenerateKey makes it: half the modulus size, its top two bits set, and
// prime by OpenSSL's own test.
std::string PrimeShape(const BIGNUM* prime, int modulus_bits, BN_CTX* ctx) {
  int half = modulus_bits / 2;
  return std::to_string(BN_num_bits(prime)) +
         (BN_is_bit_set(prime, half - 1) && BN_is_bit_set(prime, half - 2) ? "/top-two" : "/low") +
         (BN_check_prime(prime, ctx, nullptr) == 1 ? "/prime" : "/composite");
}

// Which modulus d is the inverse of e for: (p-1)(q-1) or lcm(p-1, q-1), below that modulus.
std::string PrivateExponentShape(const BIGNUM* d, const BIGNUM* e, const BIGNUM* p, const BIGNUM* q,
                                 BN_CTX* ctx) {
  BnPtr p1(BN_dup(p), BN_free), q1(BN_dup(q), BN_free), phi(BN_new(), BN_free);
  BnPtr gcd(BN_new(), BN_free), lambda(BN_new(), BN_free), product(BN_new(), BN_free);
  if (BN_sub_word(p1.get(), 1) != 1 || BN_sub_word(q1.get(), 1) != 1 ||
      BN_mul(phi.get(), p1.get(), q1.get(), ctx) != 1 ||
      BN_gcd(gcd.get(), p1.get(), q1.get(), ctx) != 1 ||
      BN_div(lambda.get(), nullptr, phi.get(), gcd.get(), ctx) != 1) {
    return "unreadable";
  }
  for (const auto& [name, modulus] :
       {std::pair{"lcm", lambda.get()}, std::pair{"phi", phi.get()}}) {
    if (BN_cmp(d, modulus) < 0 && BN_mod_mul(product.get(), d, e, modulus, ctx) == 1 &&
        BN_is_one(product.get())) {
      return std::string("inverse-mod-") + name;
    }
  }
  return "other";
}

// What an RSA private key is made of, and whether OpenSSL finds it consistent (EVP_PKEY_check:
// p and q prime, n = pq, d, the CRT parameters).
std::string RsaKeyShape(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  KeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr), EVP_PKEY_free);
  BIO_free(bio);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return "not an RSA key";
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  BnPtr e = KeyNumber(key.get(), OSSL_PKEY_PARAM_RSA_E);
  BnPtr d = KeyNumber(key.get(), OSSL_PKEY_PARAM_RSA_D);
  BnPtr p = KeyNumber(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR1);
  BnPtr q = KeyNumber(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR2);
  if (!e || !d || !p || !q) return "RSA key without its private parts";
  int bits = EVP_PKEY_get_bits(key.get());
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
  return "bits=" + std::to_string(bits) + " e=" + std::to_string(BN_get_word(e.get())) +
         " p=" + PrimeShape(p.get(), bits, ctx.get()) +
         " q=" + PrimeShape(q.get(), bits, ctx.get()) +
         " d=" + PrivateExponentShape(d.get(), e.get(), p.get(), q.get(), ctx.get()) +
         " check=" + (EVP_PKEY_check(check.get()) == 1 ? "ok" : "failed");
}

std::vector<std::string> RsaKeyShapes(const std::string& output) {
  std::vector<std::string> shapes;
  for (const Pem& block : SplitPem(output)) shapes.push_back(RsaKeyShape(block.text));
  return shapes;
}

// Our RSA keys (genCA's and genSelfSignedCert's 2048 bits, genPrivateKey's 4096) are made as Go
// makes them: what FIPS 186-5 A.1.3 and Go's GenerateKey require, and the same as helm4's.
TEST(CryptoStructureTest, RsaKeysAreMadeAsGoMakesThem) {
  Case c = MakeCase("rsa-keys",
                    "{{ (genCA \"ca\" 1).Key }}{{ (genSelfSignedCert \"self\" nil nil 1).Key }}"
                    "{{ genPrivateKey \"rsa\" }}");
  const std::string prime1024 = "1024/top-two/prime";
  const std::string key2048 =
      "bits=2048 e=65537 p=" + prime1024 + " q=" + prime1024 + " d=inverse-mod-lcm check=ok";
  const std::string prime2048 = "2048/top-two/prime";
  const std::vector<std::string> expected = {
      key2048, key2048,
      "bits=4096 e=65537 p=" + prime2048 + " q=" + prime2048 + " d=inverse-mod-lcm check=ok"};
  Outcome helm = RenderWithHelm({c})[c.id];
  ASSERT_FALSE(helm.error) << helm.message;
  EXPECT_EQ(RsaKeyShapes(helm.output), expected);
  Outcome ours = RenderWithEngine(c);
  ASSERT_FALSE(ours.error) << ours.message;
  EXPECT_EQ(RsaKeyShapes(ours.output), expected);
}

bool BcryptVerifies(const std::string& password, const std::string& hash) {
  crypt_data data{};
  const char* computed = crypt_rn(password.c_str(), hash.c_str(), &data, sizeof(data));
  return computed != nullptr && hash == computed;
}

TEST(CryptoStructureTest, BcryptHashesVerifyBothWays) {
  std::vector<Case> cases = {MakeCase("bcrypt", "{{ bcrypt \"pass word\" }}"),
                             MakeCase("htpasswd", "{{ htpasswd \"admin\" \"s3cr:t\" }}")};
  std::map<std::string, Outcome> helm = RenderWithHelm(cases);
  std::string helm_hash = helm["crypto-bcrypt"].output;
  std::string our_hash = RenderWithEngine(cases[0]).output;
  EXPECT_TRUE(helm_hash.starts_with("$2a$10$")) << helm_hash;
  EXPECT_TRUE(our_hash.starts_with("$2a$10$")) << our_hash;
  EXPECT_EQ(our_hash.size(), helm_hash.size());
  EXPECT_TRUE(BcryptVerifies("pass word", helm_hash));
  EXPECT_TRUE(BcryptVerifies("pass word", our_hash));
  EXPECT_FALSE(BcryptVerifies("password", our_hash));
  for (const std::string& line :
       {helm["crypto-htpasswd"].output, RenderWithEngine(cases[1]).output}) {
    ASSERT_TRUE(line.starts_with("admin:")) << line;
    EXPECT_TRUE(BcryptVerifies("s3cr:t", line.substr(6))) << line;
  }
}

TEST(CryptoStructureTest, EachSideDecryptsTheOthersCiphertext) {
  const std::string plaintext = "a secret that spans more than one AES block";
  Case encrypt = MakeCase("encrypt", "{{ encryptAES \"k3y\" \"" + plaintext + "\" }}");
  std::string ours = RenderWithEngine(encrypt).output;
  std::vector<Case> cases = {encrypt,
                             MakeCase("decrypt", "{{ decryptAES \"k3y\" \"" + ours + "\" }}")};
  std::map<std::string, Outcome> helm = RenderWithHelm(cases);
  EXPECT_EQ(helm["crypto-decrypt"].output, plaintext);
  Case decrypt_helms =
      MakeCase("ours", "{{ decryptAES \"k3y\" \"" + helm["crypto-encrypt"].output + "\" }}");
  EXPECT_EQ(RenderWithEngine(decrypt_helms).output, plaintext);
}

}  // namespace
}  // namespace converge::sources::helm::tmpl::testing
