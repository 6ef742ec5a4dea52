// Enveloped XML-DSig on CoAs through libxmlsec1 (OpenSSL back end), under a hardened profile:
// no DOCTYPE; exactly one ds:Signature, the last child of the root; exactly one Reference with
// URI=""; only the enveloped-signature and exclusive c14n transforms; SHA-256 digests;
// RSA-SHA256 or ECDSA-SHA256; the key only from X509Data. xmldsig.cpp is the only file that
// includes xmlsec headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/keys.hpp"
#include "dosegate/finding.hpp"

namespace dosegate::crypto::xmldsig {

struct Verified {
  bool present = false;           // the document holds at least one ds:Signature element
  std::vector<Finding> findings;  // empty when the signature value and digest verified
  // The bytes the signature covers: the reference's pre-digest buffer (exclusive c14n,
  // comment-free, without the Signature). Business data is read from these only.
  std::optional<std::string> signed_content;
  std::optional<Certificate> signer;  // the certificate whose key verified the signature
  std::vector<Certificate> extra;     // the other certificates of X509Data
  std::string algorithm;              // "ECDSA-SHA256" or "RSA-SHA256"
};

// Checks the profile and the cryptography. Certificate trust is the caller's business (one
// trust policy for every signature): `signer` is the certificate to check.
Verified verify_enveloped(std::string_view bytes, const std::string& file);

// Signs `bytes` (a CoA without a signature) with an enveloped signature as the last child of
// the root: exclusive c14n, SHA-256, ECDSA-SHA256 or RSA-SHA256 by key type, X509Data holding
// the key's certificate and then its chain. Throws dosegate::Error on failure.
std::string sign_enveloped(std::string_view bytes, const std::string& file, const SigningKey& key);

// `bytes` with the attribute `name` (no namespace) set to `value` on the root element, replacing
// the value there; serialised as sign_enveloped serialises. Throws dosegate::Error when `bytes`
// is not well-formed XML.
std::string with_root_attribute(std::string_view bytes, const std::string& file,
                                const std::string& name, const std::string& value);

// The signed content (as verify_enveloped returns it) that `bytes`, an unsigned document, has once
// sign_enveloped has signed it: the exclusive, comment-free canonical form, with the line break
// that follows the signature. Lets a reader recognise a known document inside a signature
// whatever the signer. Throws dosegate::Error when `bytes` is not well-formed XML.
std::string enveloped_content(std::string_view bytes, const std::string& file);

}  // namespace dosegate::crypto::xmldsig
