// Who signed: what a report says about a signer's certificate.
#pragma once

#include <optional>
#include <string>

namespace dosegate {

// The files of a signing key, as every command that signs takes them (--key, --cert, --chain,
// --passphrase-file, --pin-file).
struct SignerFiles {
  std::string key;  // PEM private key (with `cert`), PKCS#12 (*.p12, *.pfx), or an RFC 7512
                    // pkcs11: URI of a key on a token
  std::optional<std::string> cert;   // the signer's certificate, PEM (a token's: read from it)
  std::optional<std::string> chain;  // intermediate CA certificates to embed
  std::optional<std::string> passphrase_file;  // else asked for on the terminal
  std::optional<std::string> pin_file;         // a token's PIN; else asked for on the terminal
};

struct Signer {
  std::string subject;  // RFC 2253 one line
  std::string issuer;
  std::string sha256;      // fingerprint of the DER certificate, lowercase hex
  std::string key;         // "EC P-256", "RSA 3072"
  std::string not_before;  // UTC, YYYY-MM-DDThh:mm:ssZ
  std::string not_after;
  std::string common_name;  // CN of the subject, for printed names
};

// A CRL a signature's revocation check relied on: for each CA in a chain, the freshest CRL of
// that CA valid for the time the signature was judged at, and where it came from.
struct CrlUsed {
  std::string chain;        // "signer", or "timestamp" (the chain of the signature's TSA)
  std::string issuer;       // the CRL's issuer (the CA), RFC 2253 one line
  std::string this_update;  // UTC, YYYY-MM-DDThh:mm:ssZ
  std::string next_update;  // UTC, YYYY-MM-DDThh:mm:ssZ
  // "trust-directory" (DIR/crls/), "record" (the record's /DSS validation data) or "ledger"
  // (kept with the ledger entry when it was signed)
  std::string source;
};

}  // namespace dosegate
