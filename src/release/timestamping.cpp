#include "release/timestamping.hpp"

#include "dosegate/error.hpp"
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

}  // namespace dosegate
