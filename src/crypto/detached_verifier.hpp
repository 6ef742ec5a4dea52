// Verifying many detached CMS signatures under one trust directory and role (a ledger's
// entries): the answer of verify_detached for each, without decoding the same certificates and
// building the same chain again for every signature.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/cms.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/time.hpp"

namespace dosegate::crypto {

// verify() returns what verify_detached(signature, content, trust, role, at, location, what)
// returns: the same findings, signer and algorithm. What it keeps between calls:
//   - the certificates a signature carries, decoded once (keyed by their DER bytes);
//   - for each set of carried certificates and signer among them, the times at which the full
//     check (verify_detached: chain to an anchor, CRLs, purpose, key strength, key usage,
//     role) passed, as slots between the instants at which its answer can change (below).
// A signature whose certificates, signer and slot passed the full check before is checked by
// parsing it without its certificates and verifying its signed attributes and content digest
// with the signer's (cached) key: one SHA-256 of the content and one signature verification.
// Everything else (a first signature, another slot, any failure, any signature that is not
// plain DER or that carries CRLs) goes through verify_detached itself, so every finding is
// word for word the one it gives.
//
// Why slots and not one verdict per certificate: the chain's answer depends on the time. A
// certificate is valid only between its notBefore and notAfter; a CRL is used only between its
// thisUpdate and nextUpdate, and which CRL OpenSSL uses (so whether a certificate counts as
// revoked) depends on which of them are valid then. A certificate revoked at T by a CRL issued
// at T fails for every entry after T, and still verifies for entries before T when the trust
// directory holds the CRL in force before it; an expired certificate fails after its notAfter.
// Every one of these is a comparison of the verification time with an instant written in a
// certificate (of the trust directory or carried by the signature) or in a CRL of the trust
// directory. Two times that compare alike with every such instant get the same answer from the
// chain check, so the answer is kept per slot: the position of the time among those instants (equal
// to one, or strictly between two). Each instant t is taken as t and t + 1 s, so a time written
// with fractions of a second still separates the slots correctly. A time that cannot be read turns
// the cache off (for that set of certificates, or altogether for the trust directory).
// Only answers that passed are kept: a failure is checked in full every time.
//
// Keeps a reference to `trust`, which must outlive it. Not thread-safe: one verifier per thread.
class DetachedVerifier {
 public:
  DetachedVerifier(const TrustStore& trust, Role role);
  ~DetachedVerifier();
  DetachedVerifier(DetachedVerifier&&) noexcept;
  DetachedVerifier& operator=(DetachedVerifier&&) = delete;

  VerifiedDetached verify(std::string_view signature, std::string_view content, Instant at,
                          const std::string& location, const std::string& what);

  struct Stats {
    std::size_t full = 0;    // answered by verify_detached
    std::size_t cached = 0;  // answered from a kept chain answer
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosegate::crypto
