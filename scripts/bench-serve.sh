#!/usr/bin/env bash
# Benchmark (not a timed test): confirmations per second and p50/p99 latency of
# POST /api/v1/confirm on `dosegate serve` over loopback at 1, 8 and 32 concurrent clients
# (HTTP Basic, keep-alive), beside the whole-process time of poppler's `pdfsig` on the same
# record. Goal: 500 confirmations/s and p99 under 20 ms at 32 clients.
# Every confirmation is a real one: record signature, chain and CRLs, release data, the lot read
# through the ledger's checks, and its own ledger entry, durable before the answer.
# Usage: scripts/bench-serve.sh [SECONDS_PER_LEVEL] [DOSES] [RATE]   (default 10 s, 64 doses,
#   500/s). First each level as fast as its clients go (the most the service answers), then
#   32 clients paced together at RATE confirmations per second (each client sends on a fixed
#   schedule; the latency counts from the scheduled time, so a late answer delays nothing
#   unseen): the achieved rate and p50/p99 at that load.
#   DOSEGATE=path/to/dosegate uses that binary; otherwise the release preset is built first.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
doses=${2:-64}
rate=${3:-500}
if [ -z "${DOSEGATE:-}" ]; then
  scripts/setup.sh release >/dev/null
  DOSEGATE=build/release/dosegate
fi
bin=$DOSEGATE
pki=certs/test-pki
work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A lot of $doses doses (Product Divisions 000001..), signed by the test laboratory, released.
perl -0pe '
  s{<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*?</Signature>\n?}{}s;
  s{<Code>S1234V00</Code>}{<Code>S1234V99</Code>};
  my $d = join "", map { sprintf("      <Dose division=\"%06d\"><ViableCells>5.0e7</ViableCells>"
                                 . "<Volume unit=\"mL\">5.0</Volume></Dose>\n", $_) } 1..'"$doses"';
  s{<Doses>.*?</Doses>}{<Doses>\n$d    </Doses>}s;
' samples/coa-pass.xml > "$work/lot-unsigned.xml"
"$bin" sign-coa "$work/lot-unsigned.xml" --key $pki/lab-ec.key.pem --cert $pki/lab-ec.cert.pem \
  --chain $pki/lab-chain.pem --out "$work/lot.xml" >/dev/null
"$bin" release "$work/lot.xml" --trust certs/trust --key $pki/releaser.key.pem \
  --cert $pki/releaser.cert.pem --chain $pki/qa-chain.pem --out "$work/records" \
  --ledger "$work/ledger.sqlite" --quiet >/dev/null
printf '%s\n' "bench password 1" | "$bin" user add bench --role bedside --users "$work/users" >/dev/null

"$bin" serve --trust certs/trust --ledger "$work/ledger.sqlite" --records "$work/records" \
  --users "$work/users" --listen 127.0.0.1:0 > "$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/serve.out" | head -n 1)
[ -n "$port" ] || { echo "bench-serve: dosegate serve did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

echo "dosegate serve on 127.0.0.1:$port, $(nproc) cores; a lot of $doses doses; $seconds s per level"
# The service's CPU time (user + system, clock ticks) so far: per confirmation it depends on the
# work per request, not on how busy the machine is.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }
cpu_before=$(cpu_ticks)
/usr/bin/python3 - "$port" "$seconds" "$doses" "$rate" <<'PY'
import base64, http.client, json, sys, threading, time
port, seconds, doses, rate = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
auth = "Basic " + base64.b64encode(b"bench:bench password 1").decode()

def client(index, clients, stop, latencies, errors, interval=0.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    k = index
    # Paced: the n-th request is due at start + n * interval (clients staggered).
    due = time.perf_counter() + (interval * index / clients if interval else 0)
    while not stop.is_set():
        division = k % doses + 1
        k += clients
        # Each dose keeps its one recipient: every confirmation after the first is GO again.
        body = json.dumps({"dose": ["=A99992600014700=<S1234V99%06d" % division],
                           "recipient": "R-%06d" % division})
        if interval:
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            t0 = due
            due += interval
        else:
            t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/confirm", body,
                         {"Authorization": auth, "Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except Exception as e:
            errors.append(str(e)); conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30); continue
        latencies.append(time.perf_counter() - t0)
        if r.status != 200 or b'"decision": "go"' not in data:
            errors.append(f"{r.status}: {data[:200]!r}")

def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float("nan")

print(f"{'clients':>8} {'confirmations/s':>16} {'p50 ms':>8} {'p99 ms':>8} {'answers':>8} {'errors':>7}")
for clients in (1, 8, 32):
    stop, latencies, errors = threading.Event(), [], []
    threads = [threading.Thread(target=client, args=(i, clients, stop, latencies, errors))
               for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads: t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads: t.join()
    elapsed = time.perf_counter() - t0
    print(f"{clients:>8} {len(latencies) / elapsed:>16.0f} {pct(latencies, 50) * 1000:>8.1f} "
          f"{pct(latencies, 99) * 1000:>8.1f} {len(latencies):>8} {len(errors):>7}")
    for e in errors[:3]: print("   error:", e)
clients = 32
stop, latencies, errors = threading.Event(), [], []
threads = [threading.Thread(target=client, args=(i, clients, stop, latencies, errors, clients / rate))
           for i in range(clients)]
t0 = time.perf_counter()
for t in threads: t.start()
time.sleep(seconds)
stop.set()
for t in threads: t.join()
elapsed = time.perf_counter() - t0
print(f"paced: {clients} clients at {rate:.0f}/s together: achieved {len(latencies) / elapsed:.0f}/s, "
      f"p50 {pct(latencies, 50) * 1000:.1f} ms, p99 {pct(latencies, 99) * 1000:.1f} ms, "
      f"{len(latencies)} answers, {len(errors)} errors")
for e in errors[:3]: print("   error:", e)
print("goal at 32 clients: 500 confirmations/s, p99 under 20 ms")
PY
cpu_after=$(cpu_ticks)
entries=$("$bin" history --ledger "$work/ledger.sqlite" --kind confirm --format csv | grep -c ',confirm,' || true)
wal=$(stat -c %s "$work/ledger.sqlite-wal" 2>/dev/null || echo 0)
echo "ledger: $entries confirmations recorded; ledger file $(stat -c %s "$work/ledger.sqlite") bytes, WAL $wal bytes"
awk -v t=$((cpu_after - cpu_before)) -v hz="$(getconf CLK_TCK)" -v n="$entries" \
  'BEGIN { printf "service CPU time: %.1f s, %.2f ms per confirmation\n", t / hz, n ? 1000 * t / hz / n : 0 }'

# pdfsig, one whole process per check, on the first dose's record.
record="$work/records/A999926000147-S1234V99-000001.pdf"
mkdir -p "$work/nss"
certutil -N -d "sql:$work/nss" --empty-password >/dev/null 2>&1
certutil -A -d "sql:$work/nss" -n root -t CT,C,C -i $pki/root-ca.cert.pem
pdfsig -nssdir "sql:$work/nss" -no-ocsp "$record" | grep -q "Certificate is Trusted"
source scripts/bench-lib.sh
times=()
for _ in $(seq 40); do
  s=${EPOCHREALTIME//[!0-9]/}; pdfsig -nssdir "sql:$work/nss" -no-ocsp "$record" >/dev/null 2>&1
  e=${EPOCHREALTIME//[!0-9]/}; times+=($((e - s)))
done
m=$(printf '%s\n' "${times[@]}" | median)
awk -v m="$m" 'BEGIN { printf "pdfsig, whole process, same record: median %.1f ms (%.0f checks/s on one core)\n", m / 1000, 1e6 / m }'
echo "reproduce: scripts/bench-serve.sh $seconds $doses $rate"
