#pragma once
// sources/helm/template/funcs/keys.h (internal): private keys as Sprig makes and reads them,
// shared by crypto.cc (genPrivateKey), rsa_key.cc (RSA key generation) and certs.cc (the
// certificate functions).

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "base/status.h"

namespace converge::sources::helm::tmpl {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// An RSA key of `bits` bits with e = 65537, made as Go's rsa.GenerateKey makes it: two random
// primes of half the size with their top two bits set, d = e⁻¹ mod lcm(p-1, q-1), and the CRT
// parameters. Defined in rsa_key.cc. Null when OpenSSL fails.
// REQUIRES: bits is a multiple of 16, at least 2048.
KeyPtr GenerateRsaKey(int bits);

// genPrivateKey's types: "" and "rsa" (4096 bits), "dsa" (L2048N256), "ecdsa" (P-256),
// "ed25519". REQUIRES: one of those. Null when OpenSSL fails.
KeyPtr GeneratePrivateKey(std::string_view type);

// Sprig's pemBlockForKey: RSA, DSA and EC keys in their traditional PEM forms ("RSA PRIVATE
// KEY", …), other keys as PKCS#8 ("PRIVATE KEY").
std::string PrivateKeyPem(EVP_PKEY* key);

// Sprig's parsePrivateKeyPEM: the first PEM block, which must hold a private key.
Result<KeyPtr> ParsePrivateKeyPem(const std::string& pem);

}  // namespace converge::sources::helm::tmpl
