#include "release/timestamping.hpp"

#include "crypto/cades.hpp"
#include "dosegate/error.hpp"
#include "ledger/audit.hpp"
#include "tsa/client.hpp"

namespace dosegate {

crypto::Timestamp request_timestamp(const std::string& url, std::chrono::milliseconds timeout,
                                    std::string_view data, const crypto::TrustStore& trust,
                                    crypto::TsaChainCache* chains) {
  const auto request = crypto::timestamp_request(data);
  const std::string answer = tsa::post_query(url, request.der, timeout);
  try {
    return crypto::accept_timestamp_response(answer, request, trust, chains);
  } catch (const Error& e) {
    if (e.code() != "tsa.bad-response") throw;
    throw Error("tsa.failure", "timestamping authority " + url + ": " + e.what());
  }
}

std::string timestamped(const std::string& cms, const std::string& url,
                        std::chrono::milliseconds timeout, const crypto::TrustStore& trust,
                        crypto::TsaChainCache* chains) {
  const auto ts = request_timestamp(url, timeout, crypto::cms_signature_value(cms), trust, chains);
  return crypto::add_signature_timestamp(cms, ts.token);
}

std::string timestamped_entry_signature(const std::string& cms, const std::string& url,
                                        std::chrono::milliseconds timeout,
                                        const crypto::TrustStore& trust, Instant at) {
  const auto ts = request_timestamp(url, timeout, crypto::cms_signature_value(cms), trust);
  const auto skew = ts.time - at;
  if (skew > ledger::kClockSkewAllowance || skew < -ledger::kClockSkewAllowance)
    throw Error("tsa.failure", "timestamping authority " + url + ": its time " +
                                   format_instant(ts.time) + " is not this clock's " +
                                   format_instant(at) +
                                   " give or take 5 minutes; nothing was recorded");
  return crypto::add_signature_timestamp(cms, ts.token);
}

std::function<std::string(const std::string&)> EntrySigning::for_entry(ledger::Entry& e) const {
  return [this, &e](const std::string& bytes) {
    std::string cms = crypto::cades_detached(bytes, key);
    if (tsa_url) cms = timestamped_entry_signature(cms, *tsa_url, tsa_timeout, trust, at);
    e.crls = crypto::validation_material(cms, trust, at).crls;
    return cms;
  };
}

}  // namespace dosegate
