// Request signatures: HMAC-SHA256 through OpenSSL, compared in constant time.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/strings.h"
#include "operator/webhook/webhook.h"

namespace converge::webhook {
namespace {

std::string HexHmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

// Equal lengths are compared without an early exit, so the time taken tells nothing about
// where a forged value first differs; lengths themselves are public (64 hex digits).
bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A token sent as is (GitLab): compared through its digest, so neither its length nor its
// content shows in the time taken.
bool SameToken(std::string_view given, std::string_view secret) {
  unsigned char a[EVP_MAX_MD_SIZE];
  unsigned char b[EVP_MAX_MD_SIZE];
  unsigned int a_length = 0;
  unsigned int b_length = 0;
  EVP_Digest(given.data(), given.size(), a, &a_length, EVP_sha256(), nullptr);
  EVP_Digest(secret.data(), secret.size(), b, &b_length, EVP_sha256(), nullptr);
  return a_length == b_length && CRYPTO_memcmp(a, b, a_length) == 0;
}

bool HexSignature(std::string_view given, std::string_view prefix, const Request& request,
                  std::string_view secret) {
  if (!given.starts_with(prefix)) return false;
  given.remove_prefix(prefix.size());
  return ConstantTimeEqual(AsciiLower(given), HexHmacSha256(secret, request.body));
}

}  // namespace

bool Verify(Provider provider, const Request& request, std::string_view secret) {
  switch (provider) {
    case Provider::kGitea:
      return HexSignature(request.header("X-Gitea-Signature"), "", request, secret);
    case Provider::kGogs:
      return HexSignature(request.header("X-Gogs-Signature"), "", request, secret);
    case Provider::kGitHub:
      return HexSignature(request.header("X-Hub-Signature-256"), "sha256=", request, secret);
    case Provider::kGitLab: {
      std::string token = request.header("X-Gitlab-Token");
      return !token.empty() && SameToken(token, secret);
    }
    case Provider::kBitbucketServer:
      return HexSignature(request.header("X-Hub-Signature"), "sha256=", request, secret);
    case Provider::kGeneric:
      return HexSignature(request.header("X-Converge-Signature"), "sha256=", request, secret);
  }
  return false;
}

}  // namespace converge::webhook
