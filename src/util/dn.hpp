// Certificate subjects as people read them. The ledger, the release data and the JSON keep the
// exact subject (RFC 2253); pages and tables show these forms.
#pragma once

#include <string>

namespace dosegate {

// "CN=Alex Example\\, QA Release,O=Example Clinic QA,C=DE" as people read it: "Alex Example, QA
// Release (Example Clinic QA, DE)": the common name, then the other values, escapes resolved.
// A subject without a common name gives its values; a text without any, itself.
std::string readable_name(const std::string& dn);

// The person alone: the subject's common name, escapes resolved ("Alex Example, QA Release"),
// for narrow columns. A text that is not a subject with a common name (a staff id such as
// "nurse-7", "Smith, J") is returned as it is.
std::string person_name(const std::string& dn);

}  // namespace dosegate
