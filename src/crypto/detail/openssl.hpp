// RAII handles for OpenSSL objects and the error-queue helper. Only code under src/ that talks
// to OpenSSL includes this.
#pragma once

#include <memory>
#include <string>
#include <vector>

// pem.h first: cms.h declares the CMS PEM functions through pem.h's macros.
#include <openssl/pem.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace dosegate::crypto {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;

struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// Drains OpenSSL's error queue into one line ("" when empty).
std::string take_errors();

// DER bytes, SHA-256 fingerprint (lowercase hex, colon-free), one-line names.
std::string der(X509* cert);
std::string fingerprint_sha256(X509* cert);
std::string subject_of(X509* cert);
std::string issuer_of(X509* cert);
std::string key_description(X509* cert);  // "EC P-256", "RSA 3072"

// Reads every certificate in a PEM file (throws IoError naming the file when there is none).
std::vector<X509Ptr> read_pem_certificates(const std::string& path);

}  // namespace dosegate::crypto
