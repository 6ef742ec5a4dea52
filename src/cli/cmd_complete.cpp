// `dosegate complete`: the late results of a released lot, from the superseding CoA.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "crypto/keys.hpp"
#include "dosegate/error.hpp"
#include "dosegate/release/complete.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {

int cmd_complete(const Args& args, std::ostream& out, std::ostream& /*err*/,
                 const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_trust(opts, "the CoA's signer must be in labs/, the releaser in releasers/");
  add_signer(opts, "the QA releaser's");
  add_coa_checks(opts, false);
  add_ledger(opts);
  add_tsa(opts, "the signatures of the results entry and of a late failure's recall get");
  add_json(opts);
  refuse_as_of(args, "complete");
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate complete COA.xml --trust DIR --key KEY.pem|pkcs11:URI [--cert CERT.pem]\n"
         "                         [--chain CHAIN.pem] [--passphrase-file FILE | --pin-file FILE]\n"
         "                         [--spec SPEC.xml [--allow-unapproved-spec]]\n"
         "                         [--signature COA.xml.p7s] [--ledger FILE]\n"
         "                         [--tsa URL [--tsa-timeout SECONDS]] [--json]",
         "Records the late results of a lot released with pending tests. COA.xml is the\n"
         "laboratory's CoA with the final results: its <Supersedes> names the released CoA.\n"
         "It is verified exactly as `dosegate verify` does, against the specification the\n"
         "release used (--spec: the file whose SHA-256 the release entry holds; without it\n"
         "the built-in one), at the clock's time (there is no --as-of). Every test the\n"
         "specification allows pending must now have its final result. When each passes, a\n"
         "results entry (decision complete), signed by the releaser, is appended to the\n"
         "ledger. When a result fails, a results entry (decision failed) and a recall of the\n"
         "lot are appended in one transaction: later bedside confirmations answer NO-GO.\n"
         "Refused with nothing written: a CoA that supersedes nothing released or is for\n"
         "another lot (complete.not-superseding, complete.other-lot), a lot never released\n"
         "(complete.unknown-lot), already completed or recalled (complete.already-complete,\n"
         "complete.recalled), released with nothing pending (complete.nothing-pending), another\n"
         "specification (complete.spec-mismatch), a test still pending (complete.still-pending),\n"
         "a ledger that does not verify for the lot (complete.ledger-tampered).\n"
         "With --tsa URL each entry's signature carries an RFC 3161 timestamp from that TSA,\n"
         "checked on receipt; a TSA that fails, or whose time is not the clock's give or take\n"
         "5 minutes, writes nothing (tsa.failure, exit 2).\n",
         "complete: every late result passes; the results entry is written",
         "no: a late result fails (results entry and recall written, the lot is recalled), or\n"
         "     the CoA does not verify (bad signature, malformed, or errors that are no failed\n"
         "     result, such as an expired lot): nothing written",
         "dosegate could not do its job: usage error, unreadable file or ledger, a key or\n"
         "     certificate it refuses to sign with, or one of the refusals above; nothing "
         "written",
         "  dosegate complete final-coa.xml --trust certs/trust \\\n"
         "      --key certs/test-pki/releaser.key.pem --cert certs/test-pki/releaser.cert.pem\n"
         "  dosegate complete final-coa.xml --trust certs/trust --key releaser.p12 \\\n"
         "      --spec samples/specs/wj-msc.xml --ledger ledger.sqlite --json\n"},
        opts);
    return kYes;
  }
  const auto coa = one_file(vm, "missing the superseding CoA (dosegate complete COA.xml ...)",
                            "complete takes one CoA");
  require(vm, {"trust", "key"});
  CompleteOptions o;
  o.verify = coa_checks(vm, coa, env);
  o.signer = signer_files(vm);
  o.ledger_path = optional_arg(vm, "ledger");
  const auto tsa = tsa_choice(vm);
  o.tsa_url = tsa.url;
  o.tsa_timeout = tsa.timeout;
  const auto r = complete(o, crypto::terminal_prompt);
  if (vm.count("json")) {
    print_json(r, out);
  } else {
    print_text(r, out);
    // What the results entry warned about (key.unprotected, spec.unapproved), as it is kept.
    if (!r.entries.empty() && !r.entries.front().warnings.empty())
      out << "Warning: " << text::escape_controls(r.entries.front().warnings)
          << "\n(kept in results entry " << r.entries.front().seq << ")\n";
  }
  return r.decision == "complete" ? kYes : kNo;
}

}  // namespace dosegate::cli::detail
