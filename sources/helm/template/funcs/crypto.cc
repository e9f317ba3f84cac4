// Sprig's password and cipher functions (crypto.go): bcrypt, htpasswd, derivePassword,
// encryptAES, decryptAES and genPrivateKey. Salts, IVs and keys come from OpenSSL's and
// libxcrypt's system randomness, never from the template's seed: these are secrets, so a seed
// must not make them predictable. Their shape (format, lengths, key type) is Sprig's.

#include <array>
#include <memory>

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "base/base64.h"
#include "sources/helm/template/funcs/funcs.h"
#include "sources/helm/template/funcs/keys.h"

namespace converge::sources::helm::tmpl {
namespace {

// x/crypto/bcrypt with DefaultCost (10), "$2a$" as Go writes it.
Result<std::string> Bcrypt(const std::string& password) {
  if (password.size() > 72) return Status::Invalid("bcrypt: password length exceeds 72 bytes");
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2a$", 10, nullptr, 0, salt, sizeof(salt)) == nullptr) {
    return Status::Internal("bcrypt: no salt");
  }
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), salt, &data, sizeof(data));
  if (hash == nullptr || hash[0] == '*') return Status::Internal("bcrypt: hashing failed");
  return std::string(hash);
}

std::string BcryptOrMessage(const std::string& password) {
  Result<std::string> hash = Bcrypt(password);
  if (!hash.ok()) return "failed to encrypt string with bcrypt: " + hash.status().message();
  return *hash;
}

struct PasswordTemplates {
  std::string_view type;
  std::initializer_list<std::string_view> templates;
};

// Master Password's templates, as Sprig lists them.
const PasswordTemplates kPasswordTemplates[] = {
    {"maximum", {"anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"}},
    {"long",
     {"CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
      "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
      "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
      "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
      "CvccCvcvCvccno"}},
    {"medium", {"CvcnoCvc", "CvcCvcno"}},
    {"short", {"Cvcn"}},
    {"basic", {"aaanaaan", "aannaaan", "aaannaaa"}},
    {"pin", {"nnnn"}},
};

std::string_view TemplateCharacters(char kind) {
  switch (kind) {
    case 'V':
      return "AEIOU";
    case 'C':
      return "BCDFGHJKLMNPQRSTVWXYZ";
    case 'v':
      return "aeiou";
    case 'c':
      return "bcdfghjklmnpqrstvwxyz";
    case 'A':
      return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
    case 'a':
      return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    case 'n':
      return "0123456789";
    case 'o':
      return "@&%?,=[]_:-+*$#!'^~;()/.";
    default:
      return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()";
  }
}

void AppendBigEndian(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

// Master Password's algorithm: scrypt(password, seed + len(user) + user) keys an HMAC-SHA256
// of seed + len(site) + site + counter, whose bytes pick the template and each character.
Result<std::string> DerivePassword(uint32_t counter, std::string_view type,
                                   const std::string& password, const std::string& user,
                                   const std::string& site) {
  const PasswordTemplates* templates = nullptr;
  for (const PasswordTemplates& candidate : kPasswordTemplates) {
    if (candidate.type == type) templates = &candidate;
  }
  if (templates == nullptr) return "cannot find password template " + std::string(type);
  const std::string seed = "com.lyndir.masterpassword";
  std::string salt = seed;
  AppendBigEndian(salt, static_cast<uint32_t>(user.size()));
  salt += user;
  std::array<unsigned char, 64> key;
  constexpr uint64_t kMaxMemory = 256ull << 20;
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), 32768, 8, 2,
                     kMaxMemory, key.data(), key.size()) != 1) {
    return Status::Internal("derivePassword: scrypt failed");
  }
  std::string message = seed;
  AppendBigEndian(message, static_cast<uint32_t>(site.size()));
  message += site;
  AppendBigEndian(message, counter);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
  unsigned int digest_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &digest_size);
  std::string_view chosen =
      *(templates->templates.begin() + digest[0] % templates->templates.size());
  std::string out;
  for (size_t i = 0; i < chosen.size(); ++i) {
    std::string_view characters = TemplateCharacters(chosen[i]);
    out += characters[digest[i + 1] % characters.size()];
  }
  return out;
}

// AES-256 with the password's first 32 bytes (zero-padded) as key, CBC, without OpenSSL's
// padding: Sprig pads and unpads itself.
Result<std::string> AesCbc(const std::string& password, const std::string& iv,
                           const std::string& input, bool encrypt) {
  std::array<unsigned char, 32> key{};
  std::copy_n(password.begin(), std::min(password.size(), key.size()), key.begin());
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> context(EVP_CIPHER_CTX_new(),
                                                                          EVP_CIPHER_CTX_free);
  std::string out(input.size(), '\0');
  int written = 0;
  if (EVP_CipherInit_ex(context.get(), EVP_aes_256_cbc(), nullptr, key.data(),
                        reinterpret_cast<const unsigned char*>(iv.data()), encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(context.get(), 0) != 1 ||
      EVP_CipherUpdate(context.get(), reinterpret_cast<unsigned char*>(out.data()), &written,
                       reinterpret_cast<const unsigned char*>(input.data()),
                       static_cast<int>(input.size())) != 1) {
    return Status::Internal("aes: cipher failed");
  }
  return out;
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

KeyPtr GenerateDsaKey() {
  KeyPtr none(nullptr, EVP_PKEY_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> param_context(
      EVP_PKEY_CTX_new_from_name(nullptr, "DSA", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* params = nullptr;
  if (!param_context || EVP_PKEY_paramgen_init(param_context.get()) != 1 ||
      EVP_PKEY_CTX_set_dsa_paramgen_bits(param_context.get(), 2048) != 1 ||
      EVP_PKEY_CTX_set_dsa_paramgen_q_bits(param_context.get(), 256) != 1 ||
      EVP_PKEY_paramgen(param_context.get(), &params) != 1) {
    return none;
  }
  KeyPtr parameters(params, EVP_PKEY_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> key_context(
      EVP_PKEY_CTX_new_from_pkey(nullptr, parameters.get(), nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!key_context || EVP_PKEY_keygen_init(key_context.get()) != 1 ||
      EVP_PKEY_keygen(key_context.get(), &key) != 1) {
    return none;
  }
  return KeyPtr(key, EVP_PKEY_free);
}

}  // namespace

KeyPtr GeneratePrivateKey(std::string_view type) {
  if (type.empty() || type == "rsa") return GenerateRsaKey(4096);
  if (type == "dsa") return GenerateDsaKey();
  if (type == "ecdsa") {
    return KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  }
  return KeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
}

std::string PrivateKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  int id = EVP_PKEY_get_base_id(key);
  bool traditional = id == EVP_PKEY_RSA || id == EVP_PKEY_DSA || id == EVP_PKEY_EC;
  if (traditional) {
    PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<KeyPtr> ParsePrivateKeyPem(const std::string& pem) {
  size_t begin = pem.find("-----BEGIN ");
  size_t type_end = begin == std::string::npos ? begin : pem.find("-----", begin + 11);
  if (type_end == std::string::npos) return Status::Invalid("no PEM data in input");
  std::string type = pem.substr(begin + 11, type_end - begin - 11);
  if (type != "PRIVATE KEY" && !type.ends_with(" PRIVATE KEY")) {
    return Status::Invalid("no private key data in PEM block of type " + type);
  }
  BioPtr bio(BIO_new_mem_buf(pem.data() + begin, static_cast<int>(pem.size() - begin)), BIO_free);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    std::string kind = type == "PRIVATE KEY" ? "decoding PEM as PKCS#8"
                                             : "parsing " + type.substr(0, type.size() - 12) +
                                                   " private key from PEM";
    return Status::Invalid(kind + ": malformed key");
  }
  return KeyPtr(key, EVP_PKEY_free);
}

CONVERGE_FUNC(FnBcrypt) {
  (void)call;
  return Value::String(BcryptOrMessage(args[0].string_value()));
}

CONVERGE_FUNC(FnHtpasswd) {
  (void)call;
  const std::string& user = args[0].string_value();
  if (user.find(':') != std::string::npos) return Value::String("invalid username: " + user);
  return Value::String(user + ":" + BcryptOrMessage(args[1].string_value()));
}

CONVERGE_FUNC(FnDerivePassword) {
  (void)call;
  Result<std::string> password =
      DerivePassword(static_cast<uint32_t>(args[0].int_value()), args[1].string_value(),
                     args[2].string_value(), args[3].string_value(), args[4].string_value());
  if (!password.ok()) return password.status();
  return Value::String(std::move(*password));
}

CONVERGE_FUNC(FnEncryptAES) {
  (void)call;
  const std::string& plaintext = args[1].string_value();
  if (plaintext.empty()) return Value::String("");
  size_t padding = 16 - plaintext.size() % 16;
  std::string content = plaintext + std::string(padding, static_cast<char>(padding));
  std::string iv(16, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(iv.data()), static_cast<int>(iv.size()));
  Result<std::string> encrypted = AesCbc(args[0].string_value(), iv, content, true);
  if (!encrypted.ok()) return encrypted.status();
  return Value::String(Base64Encode(iv + *encrypted));
}

// Go panics on input that is not whole blocks or has a bad pad byte; the template reports the
// runtime error, which is reproduced here.
CONVERGE_FUNC(FnDecryptAES) {
  (void)call;
  const std::string& encoded = args[1].string_value();
  if (encoded.empty()) return Value::String("");
  Result<std::string> raw = GoBase64Decode(encoded);
  if (!raw.ok()) return raw.status();
  if (raw->size() < 16) {
    return Status::Invalid("runtime error: slice bounds out of range [:16] with capacity " +
                           std::to_string(raw->size()));
  }
  std::string body = raw->substr(16);
  if (body.size() % 16 != 0) return Status::Invalid("crypto/cipher: input not full blocks");
  if (body.empty()) return Status::Invalid("runtime error: index out of range [-1]");
  Result<std::string> decrypted = AesCbc(args[0].string_value(), raw->substr(0, 16), body, false);
  if (!decrypted.ok()) return decrypted.status();
  auto pad = static_cast<unsigned char>(decrypted->back());
  if (pad > decrypted->size()) {
    return Status::Invalid("runtime error: slice bounds out of range [:-" +
                           std::to_string(pad - decrypted->size()) + "]");
  }
  return Value::String(decrypted->substr(0, decrypted->size() - pad));
}

CONVERGE_FUNC(FnGenPrivateKey) {
  (void)call;
  const std::string& type = args[0].string_value();
  if (!type.empty() && type != "rsa" && type != "dsa" && type != "ecdsa" && type != "ed25519") {
    return Value::String("Unknown type " + type);
  }
  KeyPtr key = GeneratePrivateKey(type);
  if (!key) return Value::String("failed to generate private key: key generation failed");
  return Value::String(PrivateKeyPem(key.get()));
}

}  // namespace converge::sources::helm::tmpl
