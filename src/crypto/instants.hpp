// The instants at which a signature check's answer can change. Every time comparison in the
// trust policy (certificate notBefore/notAfter, CRL thisUpdate/nextUpdate, revocation dates, a
// timestamp's time, a CMS signing-time attribute) compares the verification time with a time
// written in DER (UTCTime or GeneralizedTime) in a certificate, a CRL or the signature. Two
// verification times that compare alike with every such time get the same answer, so an answer
// may be kept for the stretch between two of them (serve's record cache).
#pragma once

#include <string_view>
#include <vector>

#include "dosegate/time.hpp"

namespace dosegate::crypto {

// Adds every UTCTime and GeneralizedTime found anywhere in `der` (nested in OCTET STRINGs too:
// the bytes are scanned, not parsed, so a time inside an encapsulated TSTInfo counts) as seconds
// since the epoch, each as t and t + 1 s (a time with fractions of a second lies between them).
// A byte run that merely looks like a time adds a needless instant, never a wrong answer.
void add_der_instants(std::string_view der, std::vector<long long>& out);

// The stretch of verification times, [first, last] in seconds since the epoch, that compare
// alike with `at` against every instant of `instants` (sorted or not): `at` alone when it is
// one of them, else the open interval between its neighbours.
struct Window {
  long long first = 0;
  long long last = 0;
  bool contains(Instant t) const {
    const auto s = static_cast<long long>(t.time_since_epoch().count());
    return first <= s && s <= last;
  }
};
Window window_around(Instant at, std::vector<long long> instants);

}  // namespace dosegate::crypto
