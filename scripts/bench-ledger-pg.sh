#!/usr/bin/env bash
# Benchmark: the SQLite ledger and the shared PostgreSQL ledger side by side.
#   - confirmations per second with CLIENTS (default 8) concurrent clients, each running
#     PER_CLIENT (default 10) `dosegate confirm` processes one after another against one ledger
#     (every confirmation reads the lot through read_lot and appends its entry); SQLite and
#     PostgreSQL alternate, ROUNDS (default 3) rounds each, the median printed;
#   - `audit` time per 10,000 entries: a ledger of ENTRIES (default 10000) entries filled by
#     dosegate_ledger_fill (signed release and records entries, unsigned confirmations), copied
#     into PostgreSQL with `dosegate ledger migrate`, then audited on each (median of ROUNDS).
# PostgreSQL is the real Debian PostgreSQL 15 that the tests use (tests/pg/pg-server.sh: a
# temporary directory, a Unix socket, fsync off), so the figures show the cost of the protocol
# and the append lock, not of a disk.
# Usage: scripts/bench-ledger-pg.sh   (BUILD=build/ci to use a test build instead of building
#        the release preset; CLIENTS, PER_CLIENT, ROUNDS, ENTRIES as above)
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${CLIENTS:-8}
per_client=${PER_CLIENT:-10}
rounds=${ROUNDS:-3}
entries=${ENTRIES:-10000}
build=${BUILD:-}
if [ -z "$build" ]; then
  scripts/setup.sh release >/dev/null
  build=build/release
fi
bin=$build/dosegate
fill=$build/dosegate_ledger_fill
pki=certs/test-pki
trust=certs/trust
work=$(mktemp -d)
chmod 0755 "$work"
trap 'sh tests/pg/pg-server.sh stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
sh tests/pg/pg-server.sh start "$work/pg" >/dev/null
base=$(cat "$work/pg/uri")
new_pg() {  # $1: a new database's name; makes it, with an empty ledger, and prints its URI
  psql -q "$base" -c "CREATE DATABASE $1" >/dev/null
  local uri=${base/\/postgres\?//$1?}
  "$bin" ledger init --ledger "$uri" >/dev/null
  echo "$uri"
}
median() {
  sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
now() { echo "${EPOCHREALTIME//[!0-9]/}"; }

# One released lot per ledger; CLIENTS clients confirm its dose B0.
released_ledger() {  # $1: ledger location, $2: records directory
  "$bin" release samples/coa-pending-mycoplasma.xml \
    --trust $trust --key $pki/releaser.key.pem --cert $pki/releaser.cert.pem \
    --chain $pki/qa-chain.pem --out "$2" --ledger "$1" --quiet >/dev/null
}
confirm_round() {  # $1: ledger, $2: records; prints confirmations per second
  local s e c
  s=$(now)
  for ((c = 0; c < clients; c++)); do
    (for ((i = 0; i < per_client; i++)); do
      "$bin" confirm "$2/A999926000154-S1234V00-B0.pdf" --trust $trust \
        --dose "=A99992600015400=<S1234VB0" --ledger "$1" --staff "nurse-$c" \
        >/dev/null 2>&1 || [ $? -eq 1 ]
    done) &
  done
  wait
  e=$(now)
  awk -v n=$((clients * per_client)) -v us=$((e - s)) 'BEGIN { printf "%.1f\n", n / (us / 1e6) }'
}

sqlite=$work/confirm.sqlite
released_ledger "$sqlite" "$work/records-sqlite"
pg=$(new_pg confirms)
released_ledger "$pg" "$work/records-pg"
sq_rates=() pg_rates=()
for ((r = 0; r < rounds; r++)); do
  sq_rates+=("$(confirm_round "$sqlite" "$work/records-sqlite")")
  pg_rates+=("$(confirm_round "$pg" "$work/records-pg")")
done
for l in "$sqlite" "$pg"; do
  "$bin" audit --trust $trust --ledger "$l" | grep -q '^INTACT' || {
    echo "bench-ledger-pg: the ledger $l does not audit INTACT after the run" >&2
    exit 1
  }
done
sq_rate=$(printf '%s\n' "${sq_rates[@]}" | median)
pg_rate=$(printf '%s\n' "${pg_rates[@]}" | median)

fillsq=$work/audit.sqlite
"$fill" "$fillsq" "$entries" $pki/releaser.key.pem $pki/releaser.cert.pem $pki/qa-chain.pem \
  >/dev/null
fillpg=$(new_pg audit)
"$bin" ledger migrate --from "$fillsq" --to "$fillpg" --trust $trust >/dev/null
audit_time() {  # $1: ledger; prints the median seconds per 10,000 entries
  local r s e times=()
  for ((r = 0; r < rounds; r++)); do
    s=$(now)
    "$bin" audit --trust $trust --ledger "$1" >/dev/null
    e=$(now)
    times+=($((e - s)))
  done
  printf '%s\n' "${times[@]}" | median |
    awk -v n="$entries" '{ printf "%.2f", $1 / 1e6 * 10000 / n }'
}
sq_audit=$(audit_time "$fillsq")
pg_audit=$(audit_time "$fillpg")

echo "ledger back ends: $(nproc) cores, $build, median of $rounds rounds (alternating)"
printf '%-44s %12s %12s\n' "" SQLite PostgreSQL
printf '%-44s %12s %12s\n' "confirmations/s, $clients clients x $per_client each" "$sq_rate" "$pg_rate"
printf '%-44s %12s %12s\n' "audit, s per 10,000 entries ($entries audited)" "$sq_audit" "$pg_audit"
echo "command: CLIENTS=$clients PER_CLIENT=$per_client ROUNDS=$rounds ENTRIES=$entries BUILD=$build scripts/bench-ledger-pg.sh"
