#include "crypto/detached_verifier.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "crypto/detail/openssl.hpp"
#include "dosegate/error.hpp"

namespace dosegate::crypto {
namespace {

// ---- A DER walk just deep enough to take the certificates out of a SignedData ----------------

struct Tlv {
  std::size_t start = 0;   // of the tag
  std::size_t header = 0;  // tag and length bytes
  std::size_t length = 0;  // of the contents
  unsigned char tag = 0;
  std::size_t end() const { return start + header + length; }
  std::size_t contents() const { return start + header; }
};

// The element at `at`, which must end by `limit`. Low tag numbers and definite lengths only
// (what DER allows); anything else is for verify_detached to judge.
std::optional<Tlv> read_tlv(std::string_view der, std::size_t at, std::size_t limit) {
  if (at + 2 > limit) return std::nullopt;
  Tlv t;
  t.start = at;
  t.tag = static_cast<unsigned char>(der[at]);
  if ((t.tag & 0x1f) == 0x1f) return std::nullopt;
  const auto first = static_cast<unsigned char>(der[at + 1]);
  if (first < 0x80) {
    t.header = 2;
    t.length = first;
  } else {
    const std::size_t n = first & 0x7f;
    if (n == 0 || n > 4 || at + 2 + n > limit) return std::nullopt;
    for (std::size_t i = 0; i < n; ++i)
      t.length = (t.length << 8) | static_cast<unsigned char>(der[at + 2 + i]);
    t.header = 2 + n;
  }
  if (t.length > limit - at - t.header) return std::nullopt;
  return t;
}

void append_tlv(std::string& out, unsigned char tag, std::string_view contents) {
  out += static_cast<char>(tag);
  const std::size_t n = contents.size();
  if (n < 0x80) {
    out += static_cast<char>(n);
  } else {
    std::string bytes;
    for (std::size_t v = n; v; v >>= 8) bytes.insert(bytes.begin(), static_cast<char>(v & 0xff));
    out += static_cast<char>(0x80 | bytes.size());
    out += bytes;
  }
  out += contents;
}

// A DER ContentInfo holding SignedData, split into the DER of each certificate it carries and
// the same ContentInfo without them. nullopt when it is anything else, carries no certificate,
// carries anything but plain certificates, or carries CRLs.
struct Split {
  std::vector<std::string_view> certificates;
  std::string without_certificates;
};

std::optional<Split> split_certificates(std::string_view der) {
  // ContentInfo ::= SEQUENCE { contentType OID (signedData), content [0] EXPLICIT SignedData }
  static constexpr unsigned char kSignedData[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                                  0xf7, 0x0d, 0x01, 0x07, 0x02};
  const auto top = read_tlv(der, 0, der.size());
  if (!top || top->tag != 0x30 || top->end() != der.size()) return std::nullopt;
  const auto oid = read_tlv(der, top->contents(), top->end());
  if (!oid || oid->end() - oid->start != sizeof kSignedData ||
      der.substr(oid->start, sizeof kSignedData) !=
          std::string_view(reinterpret_cast<const char*>(kSignedData), sizeof kSignedData))
    return std::nullopt;
  const auto explicit0 = read_tlv(der, oid->end(), top->end());
  if (!explicit0 || explicit0->tag != 0xa0 || explicit0->end() != top->end()) return std::nullopt;
  const auto sd = read_tlv(der, explicit0->contents(), explicit0->end());
  if (!sd || sd->tag != 0x30 || sd->end() != explicit0->end()) return std::nullopt;
  // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo SEQUENCE,
  //   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
  std::vector<Tlv> fields;
  for (std::size_t at = sd->contents(); at < sd->end();) {
    const auto f = read_tlv(der, at, sd->end());
    if (!f) return std::nullopt;
    fields.push_back(*f);
    at = f->end();
  }
  if (fields.size() != 5 || fields[0].tag != 0x02 || fields[1].tag != 0x31 ||
      fields[2].tag != 0x30 || fields[3].tag != 0xa0 || fields[4].tag != 0x31)
    return std::nullopt;
  Split out;
  for (std::size_t at = fields[3].contents(); at < fields[3].end();) {
    const auto c = read_tlv(der, at, fields[3].end());
    if (!c || c->tag != 0x30) return std::nullopt;  // a certificate, not another choice
    out.certificates.push_back(der.substr(c->start, c->end() - c->start));
    at = c->end();
  }
  if (out.certificates.empty()) return std::nullopt;
  std::string signed_data;
  for (const auto* f : {&fields[0], &fields[1], &fields[2], &fields[4]})
    signed_data += der.substr(f->start, f->end() - f->start);
  std::string sequence;
  append_tlv(sequence, 0x30, signed_data);
  std::string content = std::string(der.substr(oid->start, oid->end() - oid->start));
  append_tlv(content, 0xa0, sequence);
  append_tlv(out.without_certificates, 0x30, content);
  return out;
}

// ---- Times --------------------------------------------------------------------------------

// Seconds since the epoch; nullopt when the time cannot be read.
std::optional<long long> seconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return static_cast<long long>(timegm(&tm));
}

// Adds t and t + 1 s (see the header: a time with fractions of a second lies between them).
bool add_time(std::vector<long long>& times, const ASN1_TIME* t, bool optional) {
  if (!t) return optional;
  const auto s = seconds(t);
  if (!s) return false;
  times.push_back(*s);
  times.push_back(*s + 1);
  return true;
}

bool add_validity(std::vector<long long>& times, X509* cert) {
  return add_time(times, X509_get0_notBefore(cert), false) &&
         add_time(times, X509_get0_notAfter(cert), false);
}

// Two times with the same slot compare alike (earlier, equal, later) with every time in the
// sorted list: twice the number of times before it, plus one when it is one of them.
long long slot_of(const std::vector<long long>& times, long long t) {
  const auto it = std::lower_bound(times.begin(), times.end(), t);
  return 2 * static_cast<long long>(it - times.begin()) + (it != times.end() && *it == t ? 1 : 0);
}

bool digest_allowed(int nid) {
  return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512;
}

}  // namespace

struct DetachedVerifier::Impl {
  const TrustStore& trust;
  Role role;
  bool usable = true;                  // every time in the trust directory could be read
  std::vector<long long> store_times;  // of its anchors, intermediates and CRLs
  std::unordered_map<std::string, X509Ptr> decoded;  // by DER
  struct Signer {
    dosegate::Signer described;
    std::set<long long> passed;  // slots in which the full check passed
  };
  struct Bag {
    X509StackPtr certificates;  // as carried, in order (each decoded once, shared)
    std::vector<long long> times;
    bool usable = true;
    std::map<int, Signer> signers;  // by the signer's position among the certificates
  };
  std::unordered_map<std::string, Bag> bags;  // by the carried certificates' DER
  Stats stats;

  Impl(const TrustStore& t, Role r) : trust(t), role(r) {
    // The store verify_detached builds, for its certificates and CRLs (the time set here
    // does not matter).
    const auto store = detail::Access::make_store(trust, Instant{}, true);
    STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store.get());
    for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
      X509_OBJECT* o = sk_X509_OBJECT_value(objects, i);
      if (X509* c = X509_OBJECT_get0_X509(o)) {
        usable = usable && add_validity(store_times, c);
      } else if (X509_CRL* crl = X509_OBJECT_get0_X509_CRL(o)) {
        usable = usable && add_time(store_times, X509_CRL_get0_lastUpdate(crl), false) &&
                 add_time(store_times, X509_CRL_get0_nextUpdate(crl), true);
      }
    }
  }

  static std::string key_of(const std::vector<std::string_view>& certificates) {
    std::string key;
    for (const auto& c : certificates) key += std::to_string(c.size()) + ":" + std::string(c);
    return key;
  }

  // The bag of these certificates, decoding those not seen before; null when one does not
  // decode.
  Bag* bag_for(const std::vector<std::string_view>& certificates) {
    const auto key = key_of(certificates);
    if (const auto it = bags.find(key); it != bags.end()) return &it->second;
    Bag bag;
    bag.certificates.reset(sk_X509_new_null());
    bag.times = store_times;
    for (const auto& der : certificates) {
      auto it = decoded.find(std::string(der));
      if (it == decoded.end()) {
        const auto* p = reinterpret_cast<const unsigned char*>(der.data());
        X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        ERR_clear_error();
        if (!x || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size())
          return nullptr;
        it = decoded.emplace(std::string(der), std::move(x)).first;
      }
      X509_up_ref(it->second.get());
      sk_X509_push(bag.certificates.get(), it->second.get());
      bag.usable = bag.usable && add_validity(bag.times, it->second.get());
    }
    std::sort(bag.times.begin(), bag.times.end());
    bag.times.erase(std::unique(bag.times.begin(), bag.times.end()), bag.times.end());
    return &bags.emplace(key, std::move(bag)).first->second;
  }

  // Whether OpenSSL, reading `signature` as verify_detached does, sees exactly the bag's
  // certificates and no CRL, and picks the signer at `position`: only then may the full check's
  // answer be kept for them.
  static bool same_reading(std::string_view signature, const Bag& bag, int position) {
    BioPtr in(BIO_new_mem_buf(signature.data(), static_cast<int>(signature.size())));
    CmsPtr cms(d2i_CMS_bio(in.get(), nullptr));
    ERR_clear_error();
    if (!cms) return false;
    STACK_OF(X509_CRL)* crls = CMS_get1_crls(cms.get());
    const bool has_crls = crls && sk_X509_CRL_num(crls) > 0;
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    if (has_crls) return false;
    X509StackPtr certs(CMS_get1_certs(cms.get()));
    const int n = certs ? sk_X509_num(certs.get()) : 0;
    if (n != sk_X509_num(bag.certificates.get())) return false;
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
    if (sk_CMS_SignerInfo_num(infos) != 1) return false;
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    int signer = -1;
    for (int i = 0; i < n; ++i) {
      X509* c = sk_X509_value(certs.get(), i);
      if (der(c) != der(sk_X509_value(bag.certificates.get(), i))) return false;
      if (signer < 0 && CMS_SignerInfo_cert_cmp(si, c) == 0) signer = i;
    }
    return signer == position;
  }
};

DetachedVerifier::DetachedVerifier(const TrustStore& trust, Role role)
    : impl_(std::make_unique<Impl>(trust, role)) {}
DetachedVerifier::~DetachedVerifier() = default;
DetachedVerifier::DetachedVerifier(DetachedVerifier&&) noexcept = default;

DetachedVerifier::Stats DetachedVerifier::stats() const {
  return impl_->stats;
}

VerifiedDetached DetachedVerifier::verify(std::string_view signature, std::string_view content,
                                          Instant at, const std::string& location,
                                          const std::string& what) {
  auto& d = *impl_;
  const auto full = [&] {
    ++d.stats.full;
    return verify_detached(signature, content, d.trust, d.role, at, location, what);
  };
  if (!d.usable) return full();
  const auto split = split_certificates(signature);
  if (!split) return full();
  Impl::Bag* bag = d.bag_for(split->certificates);
  if (!bag || !bag->usable) return full();

  // The signature without its certificates: what verify_detached checks of its structure, then
  // the signer among the carried certificates.
  const auto* p = reinterpret_cast<const unsigned char*>(split->without_certificates.data());
  const auto* end = p + split->without_certificates.size();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(end - p)));
  ERR_clear_error();
  if (!cms || p != end || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed ||
      CMS_is_detached(cms.get()) != 1)
    return full();
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  if (sk_CMS_SignerInfo_num(infos) != 1) return full();
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
  X509_ALGOR *dig = nullptr, *sig = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, &sig);
  const int dig_nid = OBJ_obj2nid(dig->algorithm);
  if (!digest_allowed(dig_nid)) return full();
  int position = -1;
  for (int i = 0; i < sk_X509_num(bag->certificates.get()); ++i)
    if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(bag->certificates.get(), i)) == 0) {
      position = i;
      break;
    }
  if (position < 0) return full();

  const long long slot = slot_of(bag->times, at.time_since_epoch().count());
  const auto known = bag->signers.find(position);
  if (known == bag->signers.end() || known->second.passed.count(slot) == 0) {
    auto v = full();
    if (v.findings.empty() && Impl::same_reading(signature, *bag, position)) {
      auto& s = bag->signers[position];
      s.described = v.signer;
      s.passed.insert(slot);
    }
    return v;
  }

  // The chain, the CRLs and the role held in this slot for this signer: left are the signed
  // attributes (one signature verification with the signer's key) and the content's digest.
  // The content behind a null filter: CMS_verify copies a bare memory BIO into one of its own,
  // which OpenSSL 3.0 leaks when the signature names a digest it cannot set up
  // (tests/fuzz/open/README.md); a filter it reads in place.
  BioPtr data(BIO_push(BIO_new(BIO_f_null()),
                       BIO_new_mem_buf(content.data(), static_cast<int>(content.size()))));
  if (!data)
    throw Error("crypto.failure", "cannot set up signature verification: " + take_errors());
  if (CMS_verify(cms.get(), bag->certificates.get(), nullptr, data.get(), nullptr,
                 CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
    take_errors();
    return full();  // its findings, word for word
  }
  ++d.stats.cached;
  VerifiedDetached v;
  v.signer = known->second.described;
  v.signer_found = true;
  const int sig_nid = OBJ_obj2nid(sig->algorithm);
  v.algorithm = sig_nid == NID_rsaEncryption ? std::string("RSA with ") + OBJ_nid2sn(dig_nid)
                                             : std::string(OBJ_nid2sn(sig_nid));
  return v;
}

}  // namespace dosegate::crypto
