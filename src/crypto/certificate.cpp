#include "crypto/certificate.hpp"

#include <cstdio>
#include <ctime>

#include "crypto/detail/openssl.hpp"

namespace dosegate::crypto {
namespace {

std::string asn1_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string common_name(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

Signer describe(X509* cert) {
  Signer s;
  s.subject = subject_of(cert);
  s.issuer = issuer_of(cert);
  s.sha256 = fingerprint_sha256(cert);
  s.key = key_description(cert);
  s.not_before = asn1_time(X509_get0_notBefore(cert));
  s.not_after = asn1_time(X509_get0_notAfter(cert));
  s.common_name = common_name(cert);
  return s;
}

Certificate::Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

std::string Certificate::der() const {
  return crypto::der(impl_->x509.get());
}
std::string Certificate::sha256() const {
  return fingerprint_sha256(impl_->x509.get());
}
std::string Certificate::subject() const {
  return subject_of(impl_->x509.get());
}
Signer Certificate::describe() const {
  return crypto::describe(impl_->x509.get());
}

namespace detail {

Certificate Access::adopt(X509Ptr cert) {
  return Certificate(std::make_shared<const Certificate::Impl>(Certificate::Impl{std::move(cert)}));
}

Certificate Access::share(X509* cert) {
  X509_up_ref(cert);
  return adopt(X509Ptr(cert));
}

std::vector<X509*> Access::x509s(const std::vector<Certificate>& certs) {
  std::vector<X509*> out;
  out.reserve(certs.size());
  for (const auto& c : certs) out.push_back(x509(c));
  return out;
}

}  // namespace detail
}  // namespace dosegate::crypto
