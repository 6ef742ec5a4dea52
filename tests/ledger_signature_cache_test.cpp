// The audit checks each signer's chain once per stretch of time in which its answer cannot
// change (crypto::DetachedVerifier). A certificate revoked at some time, or expired, must still
// fail every entry after that time, however many entries before it passed.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "crypto/cades.hpp"
#include "crypto/cms.hpp"
#include "crypto/detached_verifier.hpp"
#include "crypto/keys.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/time.hpp"
#include "ledger/audit.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::quote_arg;
using test::run_process;
using test::TempDir;

namespace {

const std::string kRevokedAt = "2026-03-01T00:00:00Z";  // the CRL that lists it is issued then
const std::string kExpiresAt = "2026-06-01T00:00:00Z";  // notAfter

// A trust directory like certs/trust whose QA CA has issued two more releasers with the
// openssl command line (as certs/make-test-pki.sh does): `revoked`, valid until 2075 and
// revoked at kRevokedAt (the QA CA's CRL of 2025, which does not list it, stays installed
// beside the CRL issued at kRevokedAt, which does), and `expiring`, valid until kExpiresAt.
struct TimedPki {
  TempDir dir;
  std::string trust = dir.file("trust");
  std::string key(const std::string& name) const { return dir.file(name + ".key.pem"); }
  std::string cert(const std::string& name) const { return dir.file(name + ".cert.pem"); }
  std::string chain() const { return test::pki("qa-chain.pem"); }

  TimedPki() {
    const std::string src = test::source("certs/trust");
    const std::string qa = test::source("certs/test-pki/qa-ca");
    const std::string script = R"sh(
set -e
cd "$WORK"
mkdir -p ca/newcerts trust/anchors trust/intermediates trust/crls trust/labs trust/releasers
cp "$SRC"/anchors/*.pem trust/anchors/
cp "$SRC"/intermediates/*.pem trust/intermediates/
cp "$SRC"/labs/*.pem trust/labs/
cp "$SRC"/releasers/*.pem trust/releasers/
cp "$SRC"/crls/root-ca.crl.pem "$SRC"/crls/lab-ca.crl.pem trust/crls/
: > ca/index.txt
echo 'unique_subject = no' > ca/index.txt.attr
echo 2000 > ca/serial
echo 2000 > ca/crlnumber
cat > ca.cnf <<EOF
[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = unused
[ ca ]
default_ca = test_ca
[ test_ca ]
dir             = $WORK/ca
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
crlnumber       = \$dir/crlnumber
default_md      = sha256
policy          = policy_any
unique_subject  = no
copy_extensions = none
crl_extensions  = crl_ext
[ policy_any ]
countryName      = optional
organizationName = optional
commonName       = supplied
[ signer_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection, 1.3.6.1.5.5.7.3.36
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://crl.invalid/dosegate-test.crl
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
issue() {  # NAME NOT_AFTER
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key.pem" 2>/dev/null
  openssl req -new -config ca.cnf -key "$1.key.pem" -subj "/C=DE/O=Example Clinic QA/CN=Releaser $1" -out "$1.csr.pem"
  openssl ca -batch -config ca.cnf -notext -md sha256 -preserveDN -extensions signer_ext \
    -startdate 20250101000000Z -enddate "$2" -cert "$QA.cert.pem" -keyfile "$QA.key.pem" \
    -in "$1.csr.pem" -out "$1.cert.pem" 2>/dev/null
  cp "$1.cert.pem" "trust/releasers/$1.pem"
}
crl() {  # OUT LAST_UPDATE
  openssl ca -config ca.cnf -gencrl -md sha256 -cert "$QA.cert.pem" -keyfile "$QA.key.pem" \
    -crl_lastupdate "$2" -crl_nextupdate 20750101000000Z -out "$1" 2>/dev/null
}
issue revoked 20750101000000Z
issue expiring 20260601000000Z
crl trust/crls/qa-ca-2025.crl.pem 20250101000000Z
openssl ca -config ca.cnf -revoke revoked.cert.pem -crl_reason keyCompromise \
  -cert "$QA.cert.pem" -keyfile "$QA.key.pem" 2>/dev/null
# openssl ca records "now" as the revocation date: pin it to the CRL's date.
awk -F'\t' -v OFS='\t' '$1 == "R" { $3 = "260301000000Z,keyCompromise" } { print }' \
  ca/index.txt > ca/index.txt.new && mv ca/index.txt.new ca/index.txt
crl trust/crls/qa-ca-2026-03.crl.pem 20260301000000Z
openssl crl -in trust/crls/qa-ca-2026-03.crl.pem -noout -text | grep -q 'Mar  1 00:00:00 2026 GMT'
)sh";
    const auto r = run_process("WORK=" + quote_arg(dir.path.string()) + " SRC=" + quote_arg(src) +
                               " QA=" + quote_arg(qa) + " bash -c " + quote_arg(script));
    INFO(r.output);
    REQUIRE(r.code == 0);
  }
};

Instant at(const std::string& utc) {
  return *parse_utc_instant(utc);
}

crypto::SigningKey signer(const TimedPki& pki, const std::string& name) {
  return crypto::load_signer(pki.key(name), pki.cert(name), pki.chain(), std::nullopt,
                             [](const std::string&) { return std::optional<std::string>(); });
}

std::string codes(const crypto::VerifiedDetached& v) {
  std::string out;
  for (const auto& f : v.findings) out += f.code + " ";
  return out;
}

std::string described(const crypto::VerifiedDetached& v) {
  std::string out = codes(v) + "| " + v.signer.sha256 + " | " + v.signer.subject + " | " +
                    v.algorithm + " | " + (v.signer_found ? "found" : "not found");
  for (const auto& f : v.findings) out += " | " + f.message + " @ " + f.location;
  return out;
}

// A ledger of signed release entries by `key`, one at each time.
void fill(const std::string& path, const crypto::SigningKey& key,
          const std::vector<std::string>& times) {
  auto l = ledger::Ledger::open(path, true);
  for (const auto& t : times) {
    ledger::Entry e;
    e.kind = "release";
    e.at = t;
    e.actor = key.certificate().subject();
    e.actor_sha256 = key.certificate().sha256();
    e.din = "A999926000147";
    e.divisions = {"A0"};
    e.decision = "releasable";
    l.append_alone(e, [&](const std::string& bytes) { return crypto::cades_detached(bytes, key); });
  }
}

}  // namespace

TEST_CASE("signature cache: the answer of the full check at every time, around every boundary",
          "[ledger][signature-cache]") {
  TimedPki pki;
  const crypto::TrustStore trust(pki.trust);
  const std::string content = "dosegate-ledger-signed-2\n1\n" + ledger::kGenesis + "\n{}";
  for (const std::string name : {"revoked", "expiring"}) {
    INFO(name);
    const auto key = signer(pki, name);
    const auto signature = crypto::cades_detached(content, key);
    crypto::DetachedVerifier verifier(trust, crypto::Role::releaser);
    // A passing time first, so that every later time meets a kept answer; then each side of
    // both boundaries, and the passing times again.
    const std::vector<std::string> times{"2026-02-01T00:00:00Z",
                                         "2026-02-01T00:00:01Z",
                                         "2026-02-28T23:59:59Z",
                                         kRevokedAt,
                                         "2026-03-01T00:00:01Z",
                                         "2026-05-31T23:59:59Z",
                                         kExpiresAt,
                                         "2026-06-01T00:00:01Z",
                                         "2027-01-01T00:00:00Z",
                                         "2026-02-01T00:00:00Z",
                                         "2026-02-28T23:59:59Z",
                                         "2026-05-31T23:59:59Z"};
    for (const auto& t : times) {
      INFO(t);
      const auto full = crypto::verify_detached(signature, content, trust, crypto::Role::releaser,
                                                at(t), "entries[seq]", "this ledger entry");
      const auto cached =
          verifier.verify(signature, content, at(t), "entries[seq]", "this ledger entry");
      CHECK(described(cached) == described(full));
    }
    CHECK(verifier.stats().cached >= 3);  // the answers kept were used
    // The same signature over other content fails, kept answer or not.
    const auto other = verifier.verify(signature, content + " ", at("2026-02-01T00:00:00Z"),
                                       "entries[seq]", "this ledger entry");
    CHECK(codes(other) == "signature.invalid ");
  }
  // What the boundaries are: revoked from the CRL of kRevokedAt on, expired after notAfter.
  const auto revoked = crypto::cades_detached(content, signer(pki, "revoked"));
  const auto expiring = crypto::cades_detached(content, signer(pki, "expiring"));
  crypto::DetachedVerifier verifier(trust, crypto::Role::releaser);
  const auto check = [&](const std::string& signature, const std::string& t) {
    return codes(verifier.verify(signature, content, at(t), "entries[seq]", "this ledger entry"));
  };
  CHECK(check(revoked, "2026-02-28T23:59:59Z").empty());
  CHECK(check(revoked, "2026-03-01T00:00:01Z") == "signature.revoked ");
  CHECK(check(revoked, "2026-02-28T23:59:59Z").empty());
  CHECK(check(expiring, "2026-05-31T23:59:59Z").empty());
  CHECK(check(expiring, "2026-06-01T00:00:01Z") == "signature.certificate-expired ");
  CHECK(check(expiring, "2026-05-31T23:59:59Z").empty());
}

TEST_CASE("signature cache: audit still names the first entry signed after a revocation",
          "[ledger][signature-cache]") {
  TimedPki pki;
  const crypto::TrustStore trust(pki.trust);
  const auto key = signer(pki, "revoked");
  const auto path = pki.dir.file("ledger.sqlite");
  // Three entries before the revocation, whose signer's chain answer is kept; then one after.
  fill(path, key, {"2026-02-01T00:00:00Z", "2026-02-10T00:00:00Z", "2026-02-28T23:59:59Z"});
  const auto before = ledger::audit(ledger::Ledger::open(path, false), trust);
  INFO((before.findings.empty() ? "" : before.findings.front().message));
  CHECK(before.intact());
  fill(path, key, {"2026-03-15T00:00:00Z", "2026-03-16T00:00:00Z"});
  const auto r = ledger::audit(ledger::Ledger::open(path, false), trust);
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings.front().code == "ledger.signature-invalid");
  CHECK(contains(r.findings.front().message, "entry 4: "));
  CHECK(contains(r.findings.front().message, "is revoked"));
  const auto cli = test::run_cli({"audit", "--trust", pki.trust, "--ledger", path});
  CHECK(cli.code == 1);
  CHECK(contains(cli.out, "TAMPERED"));
  CHECK(contains(cli.out, "ledger.signature-invalid  entry 4:"));
}

TEST_CASE("signature cache: audit still names the first entry signed after the signer expired",
          "[ledger][signature-cache]") {
  TimedPki pki;
  const crypto::TrustStore trust(pki.trust);
  const auto key = signer(pki, "expiring");
  const auto path = pki.dir.file("ledger.sqlite");
  fill(path, key, {"2026-05-01T00:00:00Z", "2026-05-20T00:00:00Z", "2026-05-31T23:59:59Z"});
  CHECK(ledger::audit(ledger::Ledger::open(path, false), trust).intact());
  fill(path, key, {"2026-06-01T00:00:01Z"});
  const auto r = ledger::audit(ledger::Ledger::open(path, false), trust);
  REQUIRE(r.findings.size() == 1);
  CHECK(r.findings.front().code == "ledger.signature-invalid");
  CHECK(contains(r.findings.front().message, "entry 4: "));
  CHECK(contains(r.findings.front().message, "had expired at the verification time"));
  const auto cli = test::run_cli({"audit", "--trust", pki.trust, "--ledger", path});
  CHECK(cli.code == 1);
  CHECK(contains(cli.out, "ledger.signature-invalid  entry 4:"));
}
