// One RFC 3161 token from the TSA a command was given (`--tsa URL`), checked on receipt: the
// release records' signatures and the ledger entries of recall.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "crypto/timestamp.hpp"
#include "crypto/trust_store.hpp"

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

}  // namespace dosegate
