// One RFC 3161 token from the TSA a command was given (`--tsa URL`), checked on receipt: the
// release records' signatures and the ledger entries of recall.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/keys.hpp"
#include "crypto/timestamp.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/time.hpp"

namespace dosegate {

// A token over `data` from `url`, accepted under `trust`'s tsa/ role. Throws
// Error("tsa.failure") whose message names the URL and what went wrong.
crypto::Timestamp request_timestamp(const std::string& url, std::chrono::milliseconds timeout,
                                    std::string_view data, const crypto::TrustStore& trust,
                                    crypto::TsaChainCache* chains = nullptr);

// `cms` (DER) with a token over its signature value as its signature-time-stamp attribute.
std::string timestamped(const std::string& cms, const std::string& url,
                        std::chrono::milliseconds timeout, const crypto::TrustStore& trust,
                        crypto::TsaChainCache* chains = nullptr);

// A ledger entry's signature `cms` (DER) with a token over its signature value as its
// signature-time-stamp attribute, for an entry recorded at `at`: audit holds an entry's time to
// its token's, so a TSA whose time differs from `at` by more than ledger::kClockSkewAllowance
// throws Error("tsa.failure") (the entry would look back-dated) and nothing is recorded.
std::string timestamped_entry_signature(const std::string& cms, const std::string& url,
                                        std::chrono::milliseconds timeout,
                                        const crypto::TrustStore& trust, Instant at);

// How a command signs its ledger entries: as `key`, at `at`, with a token from `tsa_url` when
// given (timestamped_entry_signature's rules).
struct EntrySigning {
  const crypto::SigningKey& key;
  const crypto::TrustStore& trust;
  Instant at;
  std::optional<std::string> tsa_url;
  std::chrono::milliseconds tsa_timeout{30000};

  // The signing function Ledger::append takes for `e`: it signs, and keeps in e.crls the trust
  // directory's CRLs current at `at` for the signer's chain and its timestamp's (the revocation
  // data audit judges the signature by later, crypto::validation_material).
  std::function<std::string(const std::string&)> for_entry(ledger::Entry& e) const;
};

}  // namespace dosegate
