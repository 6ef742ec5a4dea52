#!/usr/bin/env bash
# make-test-pki.sh - (re)generate dosegate's TEST PKI.
#
# FOR TESTS ONLY. Every private key written here is committed to a public
# repository. Never trust these certificates outside dosegate's tests.
#
# Writes (wiping whatever was there before):
#   certs/test-pki/     keys, certificates, CRLs, chain bundles, PKCS#12
#   certs/trust/        trust directory used by the samples  (README.md kept)
#   certs/test-trust/   trust directory for negative tests     (README.md kept)
#
# Needs only the openssl command line tool (Debian 12, OpenSSL 3.0). `openssl ca`
# is used so that validity and CRL dates are fixed and CI never rots; serial
# numbers come from one counter (hex 1000, 1001, ...) in a fixed issuing order.
# Keys and signatures are random, so every run changes every key: afterwards
# the signed samples must be re-signed with scripts/sign-samples.sh.
set -euo pipefail

CERTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PKI_DIR="$CERTS_DIR/test-pki"
TRUST_DIR="$CERTS_DIR/trust"
TEST_TRUST_DIR="$CERTS_DIR/test-trust"

# Fixed dates (YYYYMMDDHHMMSSZ).
NOT_BEFORE=20250101000000Z
NOT_AFTER=20750101000000Z
EXPIRED_NOT_BEFORE=20240101000000Z
EXPIRED_NOT_AFTER=20250101000000Z
CRL_LAST_UPDATE=20250101000000Z
CRL_NEXT_UPDATE=20750101000000Z
EXPIRED_CRL_LAST_UPDATE=20240101000000Z
EXPIRED_CRL_NEXT_UPDATE=20250101000000Z
# Revocation date of lab-revoked, as `openssl ca`'s index.txt wants it (UTCTime).
REVOCATION_DATE_INDEX=250601000000Z

PASSPHRASE='correct horse battery staple'
CA_SUBJECT_PREFIX='/C=DE/O=dosegate test PKI'
LAB_O='Example QC Laboratory GmbH'
QA_O='Example Clinic QA'

# Serial numbers are hex 1000, 1001, ... (what `openssl x509 -serial` prints).
NEXT_SERIAL=$((16#1000))

command -v openssl >/dev/null || { echo "make-test-pki.sh: openssl not found" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/dosegate-test-pki.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/out"   # becomes certs/test-pki/ once everything succeeded
LOG="$WORK/openssl.log"
CNF="$WORK/openssl.cnf"
mkdir -p "$OUT"

# Run openssl quietly; show its output only if it fails.
ossl() {
    if ! openssl "$@" >"$LOG" 2>&1; then
        echo "make-test-pki.sh: 'openssl $*' failed:" >&2
        cat "$LOG" >&2
        exit 1
    fi
}

write_config() {
    cat >"$CNF" <<'EOF'
# Minimal configuration for make-test-pki.sh; CA_DIR is set per CA.
CA_DIR = .

[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
prompt             = no

[ req_dn ]
CN = unused

[ ca ]
default_ca = test_ca

[ test_ca ]
dir              = $ENV::CA_DIR
database         = $dir/index.txt
new_certs_dir    = $dir/newcerts
serial           = $dir/serial
crlnumber        = $dir/crlnumber
default_md       = sha256
policy           = policy_any
unique_subject   = no
email_in_dn      = no
copy_extensions  = none
crl_extensions   = crl_ext

[ policy_any ]
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied

[ root_ca_ext ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ issuing_ca_ext ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Signer certificates carry a CRL distribution point (in the reserved .invalid domain, so
# nothing is ever fetched): poppler's pdfsig reports "Unknown issue with Certificate" for a
# signer without one, because NSS leaves SEC_ERROR_EXTENSION_NOT_FOUND set while verifying
# and pdfsig reads that stale error code after a successful verification.
[ signer_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection, 1.3.6.1.5.5.7.3.36
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://crl.invalid/dosegate-test.crl

[ docsign_only_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = 1.3.6.1.5.5.7.3.36
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://crl.invalid/dosegate-test.crl

[ no_digsig_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, keyAgreement
extendedKeyUsage       = emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://crl.invalid/dosegate-test.crl

# Timestamping authorities (RFC 3161): OpenSSL's TSA and verifier both want the critical
# extendedKeyUsage timeStamping and nothing else.
[ tsa_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://crl.invalid/dosegate-test.crl

[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
}

# ---- keys ---------------------------------------------------------------

# gen_key NAME TYPE   (TYPE: ec | rsa3072 | rsa2048 | rsa1024); PKCS#8 PEM, unencrypted.
gen_key() {
    local name=$1 type=$2 key="$OUT/$1.key.pem"
    case $type in
        ec)      ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" ;;
        rsa3072) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$key" ;;
        rsa2048) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" ;;
        # RSA 1024 is deliberately weak; genpkey still makes it (minimum is 512).
        rsa1024) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$key" ;;
        *) echo "gen_key: unknown type $type" >&2; exit 1 ;;
    esac
}

# gen_protected_ec_key NAME: EC P-256, PKCS#8 encrypted with AES-256-CBC
# (PBES2/PBKDF2), passphrase in NAME.passphrase.
gen_protected_ec_key() {
    local name=$1
    printf '%s\n' "$PASSPHRASE" >"$OUT/$name.passphrase"
    ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -aes-256-cbc -pass "file:$OUT/$name.passphrase" -out "$OUT/$name.key.pem"
}

# ---- CAs ------------------------------------------------------------------

# init_ca_db NAME: an empty `openssl ca` database in the temp dir.
init_ca_db() {
    local d="$WORK/ca/$1"
    mkdir -p "$d/newcerts"
    : >"$d/index.txt"
    echo 'unique_subject = no' >"$d/index.txt.attr"
    echo 1000 >"$d/crlnumber"
}

# make_csr NAME SUBJECT [extra openssl req args...]
make_csr() {
    local name=$1 subject=$2
    shift 2
    ossl req -new -config "$CNF" -key "$OUT/$name.key.pem" -subj "$subject" -sha256 \
        -out "$WORK/$name.csr.pem" "$@"
}

# issue CA NAME EXTENSIONS NOT_BEFORE NOT_AFTER [extra openssl ca args...]
# Signs $WORK/NAME.csr.pem with CA, next serial from the global counter.
issue() {
    local ca=$1 name=$2 ext=$3 start=$4 end=$5
    shift 5
    printf '%04X\n' "$NEXT_SERIAL" >"$WORK/ca/$ca/serial"
    CA_DIR="$WORK/ca/$ca" ossl ca -batch -config "$CNF" -notext -md sha256 -preserveDN \
        -extensions "$ext" -startdate "$start" -enddate "$end" \
        -in "$WORK/$name.csr.pem" -out "$OUT/$name.cert.pem" "$@"
    NEXT_SERIAL=$((NEXT_SERIAL + 1))
}

# make_root_ca NAME CN: self-signed root.
make_root_ca() {
    local name=$1 cn=$2
    init_ca_db "$name"
    gen_key "$name" ec
    make_csr "$name" "$CA_SUBJECT_PREFIX/CN=$cn"
    issue "$name" "$name" root_ca_ext "$NOT_BEFORE" "$NOT_AFTER" \
        -selfsign -keyfile "$OUT/$name.key.pem"
}

# make_issuing_ca PARENT NAME CN: intermediate CA, pathlen:0.
make_issuing_ca() {
    local parent=$1 name=$2 cn=$3
    init_ca_db "$name"
    gen_key "$name" ec
    make_csr "$name" "$CA_SUBJECT_PREFIX/CN=$cn"
    issue "$parent" "$name" issuing_ca_ext "$NOT_BEFORE" "$NOT_AFTER" \
        -cert "$OUT/$parent.cert.pem" -keyfile "$OUT/$parent.key.pem"
}

# ---- leaves ---------------------------------------------------------------

# make_leaf CA NAME KEYTYPE SUBJECT [EXTENSIONS [NOT_BEFORE NOT_AFTER]]
# KEYTYPE: ec | rsa3072 | rsa1024 | ec-protected
make_leaf() {
    local ca=$1 name=$2 keytype=$3 subject=$4
    local ext=${5:-signer_ext} start=${6:-$NOT_BEFORE} end=${7:-$NOT_AFTER}
    local passin=()
    if [[ $keytype == ec-protected ]]; then
        gen_protected_ec_key "$name"
        passin=(-passin "file:$OUT/$name.passphrase")
    else
        gen_key "$name" "$keytype"
    fi
    make_csr "$name" "$subject" "${passin[@]}"
    issue "$ca" "$name" "$ext" "$start" "$end" \
        -cert "$OUT/$ca.cert.pem" -keyfile "$OUT/$ca.key.pem"
}

lab_subject()      { echo "/C=DE/O=$LAB_O/CN=$1, $LAB_O"; }
releaser_subject() { echo "/C=DE/O=$QA_O/CN=$1"; }

# ---- CRLs -----------------------------------------------------------------

# revoke CA NAME: revoke with reason keyCompromise, then pin the revocation date
# in the CA database (openssl ca always records "now").
revoke() {
    local ca=$1 name=$2 serial db="$WORK/ca/$1/index.txt"
    serial=$(openssl x509 -in "$OUT/$name.cert.pem" -noout -serial | cut -d= -f2)
    CA_DIR="$WORK/ca/$ca" ossl ca -config "$CNF" -revoke "$OUT/$name.cert.pem" \
        -crl_reason keyCompromise -cert "$OUT/$ca.cert.pem" -keyfile "$OUT/$ca.key.pem"
    awk -F'\t' -v OFS='\t' -v s="$serial" -v d="$REVOCATION_DATE_INDEX" \
        '$1 == "R" && $4 == s { $3 = d ",keyCompromise" } { print }' "$db" >"$db.new"
    mv "$db.new" "$db"
    grep -q "^R.*${REVOCATION_DATE_INDEX},keyCompromise	${serial}	" "$db" \
        || { echo "revoke: could not pin revocation date of $name" >&2; exit 1; }
}

# revoke_as CA NAME REASON DATE_INDEX: revoke with REASON (an `openssl ca -crl_reason` name) and
# pin the revocation date DATE_INDEX (UTCTime, YYMMDDHHMMSSZ) in the CA database.
revoke_as() {
    local ca=$1 name=$2 reason=$3 date=$4 serial db="$WORK/ca/$1/index.txt"
    serial=$(openssl x509 -in "$OUT/$name.cert.pem" -noout -serial | cut -d= -f2)
    CA_DIR="$WORK/ca/$ca" ossl ca -config "$CNF" -revoke "$OUT/$name.cert.pem" \
        -crl_reason "$reason" -cert "$OUT/$ca.cert.pem" -keyfile "$OUT/$ca.key.pem"
    awk -F'\t' -v OFS='\t' -v s="$serial" -v d="$date,$reason" \
        '$1 == "R" && $4 == s { $3 = d } { print }' "$db" >"$db.new"
    mv "$db.new" "$db"
    grep -q "^R.*${date},${reason}	${serial}	" "$db" \
        || { echo "revoke_as: could not pin revocation date of $name" >&2; exit 1; }
}

# gen_crl CA OUTFILE LAST_UPDATE NEXT_UPDATE
gen_crl() {
    local ca=$1 out=$2 last=$3 next=$4
    CA_DIR="$WORK/ca/$ca" ossl ca -config "$CNF" -gencrl -md sha256 \
        -cert "$OUT/$ca.cert.pem" -keyfile "$OUT/$ca.key.pem" \
        -crl_lastupdate "$last" -crl_nextupdate "$next" -out "$out"
}

# ---- bundles and trust directories ---------------------------------------

make_p12() {
    local name=$1 chain=$2
    printf '%s\n' "$PASSPHRASE" >"$OUT/$name.p12.passphrase"
    ossl pkcs12 -export -inkey "$OUT/$name.key.pem" -in "$OUT/$name.cert.pem" \
        -certfile "$OUT/$chain" -name "$name" \
        -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 \
        -passout "file:$OUT/$name.p12.passphrase" -out "$OUT/$name.p12"
}

# reset_trust_dir DIR: wipe the generated subdirectories, keep README.md.
reset_trust_dir() {
    local dir=$1 sub
    mkdir -p "$dir"
    for sub in anchors intermediates crls labs releasers approvers tsa; do
        rm -rf "${dir:?}/$sub"
        mkdir -p "$dir/$sub"
    done
}

# fill_trust_dir DIR: the common content of certs/trust and certs/test-trust.
fill_trust_dir() {
    local dir=$1 f
    cp "$PKI_DIR/root-ca.cert.pem" "$dir/anchors/root-ca.pem"
    cp "$PKI_DIR/lab-ca.cert.pem" "$dir/intermediates/lab-ca.pem"
    cp "$PKI_DIR/qa-ca.cert.pem" "$dir/intermediates/qa-ca.pem"
    for f in root-ca lab-ca qa-ca; do
        cp "$PKI_DIR/$f.crl.pem" "$dir/crls/$f.crl.pem"
    done
    for f in lab-ec lab-rsa lab-ec-protected; do
        cp "$PKI_DIR/$f.cert.pem" "$dir/labs/$f.pem"
    done
    for f in releaser releaser-rsa; do
        cp "$PKI_DIR/$f.cert.pem" "$dir/releasers/$f.pem"
    done
    if [[ -f $PKI_DIR/approver.cert.pem ]]; then
        cp "$PKI_DIR/approver.cert.pem" "$dir/approvers/approver.pem"
        cp "$PKI_DIR/releaser-rsa2048.cert.pem" "$dir/releasers/releaser-rsa2048.pem"
    fi
}

# ---- long-term validity (serials from hex 1100) ----------------------------

# The certificates of the long-term validity tests, issued by root-ca and qa-ca, whose keys and
# certificates must already be in $OUT. A fresh qa-ca database holds only these certificates,
# so qa-ca.lt.crl.pem lists exactly the two revocations below.
#   tsa                   the test TSA (root-ca), in tsa/ of the trust directories
#   tsa-untrusted         a TSA certificate (root-ca) in no tsa/ directory
#   releaser-short        a releaser whose certificate expires on 2026-12-01
#   releaser-left         a releaser revoked on 2026-12-01 for cessationOfOperation
#   releaser-compromised  a releaser revoked on 2026-11-01 for keyCompromise
make_lt_certs() {
    NEXT_SERIAL=$((16#1100))
    mkdir -p "$WORK/ca/root-ca/newcerts"
    [[ -f "$WORK/ca/root-ca/index.txt" ]] || init_ca_db root-ca
    rm -rf "$WORK/ca/qa-ca"
    init_ca_db qa-ca
    echo 1100 >"$WORK/ca/qa-ca/crlnumber"
    make_leaf root-ca tsa ec '/C=DE/O=dosegate test PKI/CN=dosegate Test TSA' tsa_ext
    make_leaf root-ca tsa-untrusted ec '/C=DE/O=dosegate test PKI/CN=dosegate Test TSA Unlisted' \
        tsa_ext
    make_leaf qa-ca releaser-short ec "$(releaser_subject 'Sam Short, QA Release')" \
        signer_ext "$NOT_BEFORE" 20261201000000Z
    make_leaf qa-ca releaser-left ec "$(releaser_subject 'Lee Left, QA Release')"
    make_leaf qa-ca releaser-compromised ec "$(releaser_subject 'Kim Compromised, QA Release')"
    revoke_as qa-ca releaser-left cessationOfOperation 261201000000Z
    revoke_as qa-ca releaser-compromised keyCompromise 261101000000Z
    gen_crl qa-ca "$OUT/qa-ca.lt.crl.pem" 20261202000000Z "$CRL_NEXT_UPDATE"
}

LT_FILES=(tsa.cert.pem tsa.key.pem tsa-untrusted.cert.pem tsa-untrusted.key.pem
    releaser-short.cert.pem releaser-short.key.pem releaser-left.cert.pem releaser-left.key.pem
    releaser-compromised.cert.pem releaser-compromised.key.pem qa-ca.lt.crl.pem)

# fill_tsa_dir DIR: the test TSA is the one allowed timestamping authority.
fill_tsa_dir() {
    mkdir -p "$1/tsa"
    cp "$PKI_DIR/tsa.cert.pem" "$1/tsa/tsa.pem"
}

# --lt-only: issue only the long-term validity certificates with the committed CA keys; every
# existing file stays byte-identical.
main_lt_only() {
    write_config
    local f
    for f in root-ca qa-ca; do
        cp "$PKI_DIR/$f.key.pem" "$PKI_DIR/$f.cert.pem" "$OUT/"
    done
    make_lt_certs
    for f in "${LT_FILES[@]}"; do
        cp "$OUT/$f" "$PKI_DIR/$f"
        chmod 0644 "$PKI_DIR/$f"
    done
    fill_tsa_dir "$TRUST_DIR"
    fill_tsa_dir "$TEST_TRUST_DIR"
    echo "make-test-pki.sh: long-term validity certificates (for tests only) written:"
    for f in "${LT_FILES[@]}"; do echo "  test-pki/$f"; done
}

list_files() {
    local dir=$1
    (cd "$dir" && find . -type f ! -name README.md | sed 's|^\./||' | LC_ALL=C sort \
        | sed "s|^|  ${dir#"$CERTS_DIR"/}/|")
}

# ---- main -----------------------------------------------------------------

main() {
    write_config

    # CAs (serials 1000-1003, hex)
    make_root_ca    root-ca      'dosegate Test Root CA'
    make_issuing_ca root-ca lab-ca 'dosegate Test Laboratory Issuing CA'
    make_issuing_ca root-ca qa-ca  'dosegate Test QA Issuing CA'
    make_root_ca    foreign-root 'Foreign Test Root CA'

    # Laboratory signers under lab-ca (serials 1004-100C)
    make_leaf lab-ca lab-ec           ec           "$(lab_subject 'QC Signer EC')"
    make_leaf lab-ca lab-rsa          rsa3072      "$(lab_subject 'QC Signer RSA')"
    make_leaf lab-ca lab-unlisted     ec           "$(lab_subject 'QC Signer Unlisted')"
    make_leaf lab-ca lab-revoked      ec           "$(lab_subject 'QC Signer Revoked')"
    make_leaf lab-ca lab-expired      ec           "$(lab_subject 'QC Signer Expired')" \
        signer_ext "$EXPIRED_NOT_BEFORE" "$EXPIRED_NOT_AFTER"
    make_leaf lab-ca lab-docsign-only ec           "$(lab_subject 'QC Signer DocSign Only')" \
        docsign_only_ext
    make_leaf lab-ca lab-no-digsig    ec           "$(lab_subject 'QC Signer No DigitalSignature')" \
        no_digsig_ext
    make_leaf lab-ca lab-rsa1024      rsa1024      "$(lab_subject 'QC Signer RSA 1024')"
    make_leaf lab-ca lab-ec-protected ec-protected "$(lab_subject 'QC Signer EC Protected Key')"

    # QA releasers under qa-ca (serials 100D-100E)
    make_leaf qa-ca releaser     ec      "$(releaser_subject 'Alex Example, QA Release')"
    make_leaf qa-ca releaser-rsa rsa3072 "$(releaser_subject 'Alex Example RSA, QA Release')"

    # A signer under an untrusted root (serial 100F)
    make_leaf foreign-root foreign-signer ec \
        '/C=DE/O=Foreign Test Organisation/CN=Foreign Signer, Foreign Test Organisation'

    # Specification approvers under qa-ca (serials 1080-)
    make_approvers

    # CRLs. The expired lab-ca CRL is made before the revocation: in 2024 nothing
    # was revoked yet (lab-revoked is revoked on 2025-06-01).
    gen_crl lab-ca "$OUT/lab-ca.expired.crl.pem" "$EXPIRED_CRL_LAST_UPDATE" "$EXPIRED_CRL_NEXT_UPDATE"
    revoke  lab-ca lab-revoked
    gen_crl lab-ca       "$OUT/lab-ca.crl.pem"       "$CRL_LAST_UPDATE" "$CRL_NEXT_UPDATE"
    gen_crl root-ca      "$OUT/root-ca.crl.pem"      "$CRL_LAST_UPDATE" "$CRL_NEXT_UPDATE"
    gen_crl qa-ca        "$OUT/qa-ca.crl.pem"        "$CRL_LAST_UPDATE" "$CRL_NEXT_UPDATE"
    gen_crl foreign-root "$OUT/foreign-root.crl.pem" "$CRL_LAST_UPDATE" "$CRL_NEXT_UPDATE"

    # Chain bundles and PKCS#12
    cp "$OUT/lab-ca.cert.pem" "$OUT/lab-chain.pem"
    cp "$OUT/qa-ca.cert.pem" "$OUT/qa-chain.pem"
    make_p12 releaser qa-chain.pem

    make_lt_certs

    # Everything worked: replace certs/test-pki/ in one go.
    rm -rf "$PKI_DIR"
    mv "$OUT" "$PKI_DIR"
    chmod 0644 "$PKI_DIR"/*
    chmod 0755 "$PKI_DIR"

    reset_trust_dir "$TRUST_DIR"
    fill_trust_dir "$TRUST_DIR"
    fill_tsa_dir "$TRUST_DIR"

    reset_trust_dir "$TEST_TRUST_DIR"
    fill_trust_dir "$TEST_TRUST_DIR"
    fill_tsa_dir "$TEST_TRUST_DIR"
    local f
    for f in lab-revoked lab-expired lab-docsign-only lab-no-digsig lab-rsa1024 foreign-signer; do
        cp "$PKI_DIR/$f.cert.pem" "$TEST_TRUST_DIR/labs/$f.pem"
    done
    cp "$PKI_DIR/foreign-root.crl.pem" "$TEST_TRUST_DIR/crls/foreign-root.crl.pem"

    echo "make-test-pki.sh: TEST PKI (for tests only) written under $CERTS_DIR:"
    list_files "$PKI_DIR"
    list_files "$TRUST_DIR"
    list_files "$TEST_TRUST_DIR"
    echo "Every key changed: re-sign the samples with scripts/sign-samples.sh."
}

# ---- specification approvers and token keys (serials 1080-) ---------------
#
# Added after the first issue of the PKI: the specification approver (1080) and an RSA 2048
# releaser for the PKCS#11 token tests (1081). `--additions` issues only those not yet in
# certs/test-pki/, under the committed qa-ca, and copies them into both trust directories,
# leaving every existing file byte for byte as it is; a full run issues them all, after
# everything else.
approver_subject() { echo "/C=DE/O=$QA_O/CN=$1"; }

# addition NAME KEYTYPE SUBJECT: the next serial; issued unless it exists already (--additions).
addition() {
    local name=$1 keytype=$2 subject=$3
    if [[ ${ADDITIONS_ONLY:-} == 1 && -f $PKI_DIR/$name.cert.pem ]]; then
        NEXT_SERIAL=$((NEXT_SERIAL + 1))
        return
    fi
    make_leaf qa-ca "$name" "$keytype" "$subject"
    NEW_FILES+=("$name")
}

make_approvers() {
    NEXT_SERIAL=$((16#1080))
    NEW_FILES=()
    addition approver         ec      "$(approver_subject 'Sam Example, QA Specification Approval')"
    addition releaser-rsa2048 rsa2048 "$(releaser_subject 'Alex Example RSA 2048, QA Release')"
}

additions_only() {
    write_config
    local f
    for f in qa-ca.cert.pem qa-ca.key.pem; do
        [[ -f $PKI_DIR/$f ]] || { echo "make-test-pki.sh: $PKI_DIR/$f missing; run without arguments" >&2; exit 1; }
        cp "$PKI_DIR/$f" "$OUT/$f"
    done
    init_ca_db qa-ca
    ADDITIONS_ONLY=1 make_approvers
    echo "make-test-pki.sh: additions (for tests only) written:"
    for f in "${NEW_FILES[@]}"; do
        cp "$OUT/$f.key.pem" "$OUT/$f.cert.pem" "$PKI_DIR/"
        chmod 0644 "$PKI_DIR/$f.key.pem" "$PKI_DIR/$f.cert.pem"
        echo "  certs/test-pki/$f.key.pem"
        echo "  certs/test-pki/$f.cert.pem"
    done
    for f in "$TRUST_DIR" "$TEST_TRUST_DIR"; do
        mkdir -p "$f/approvers"
        cp "$PKI_DIR/approver.cert.pem" "$f/approvers/approver.pem"
        cp "$PKI_DIR/releaser-rsa2048.cert.pem" "$f/releasers/releaser-rsa2048.pem"
    done
    echo "Re-sign the shipped specifications with scripts/sign-samples.sh when approver changed."
}

if [[ ${1:-} == --additions ]]; then
    additions_only
elif [[ ${1:-} == --lt-only ]]; then
    main_lt_only
else
    main "$@"
fi
