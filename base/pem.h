#pragma once
// base/pem.h: certificates and private keys read from PEM text, as owning OpenSSL handles
// (the API server's credentials, the client's CA and client certificates).

#include <memory>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace converge {

using CertificatePtr = std::unique_ptr<X509, decltype(&X509_free)>;
using PrivateKeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// The first certificate in `pem`; null when there is none.
CertificatePtr ParseCertificatePem(std::string_view pem);
// The first private key in `pem` (unencrypted); null when there is none.
PrivateKeyPtr ParsePrivateKeyPem(std::string_view pem);

}  // namespace converge
