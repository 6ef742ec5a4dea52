# Shared by the whole-process benchmarks; source it, set `runs` (and `target`, the ratio a
# benchmark must stay under, when it has one), then call compare.
#
# Outputs go to fresh directories that are removed only when the benchmark ends: on this kind
# of file system (ext4 on a shared virtual disk) deleting many files just before a run slows
# the file creation of the run that follows.

median() {  # median of the numbers on stdin
  sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# compare NAME_A NAME_B -- COMMAND_A... -- COMMAND_B...
# Runs A then B, `runs` times, alternating so that both meet the same background load, and
# prints each command's median whole-process time (as the shell that starts it sees it) and
# the ratio of the medians, against `target` when one is set.
compare() {
  local name_a=$1 name_b=$2
  shift 3
  local -a a=() b=()
  while [ "$1" != "--" ]; do a+=("$1"); shift; done
  shift
  b=("$@")
  local i s e
  local -a ta=() tb=()
  for ((i = 0; i < runs; i++)); do
    s=${EPOCHREALTIME//[!0-9]/}; "${a[@]}" >/dev/null 2>&1; e=${EPOCHREALTIME//[!0-9]/}
    ta+=($((e - s)))
    s=${EPOCHREALTIME//[!0-9]/}; "${b[@]}" >/dev/null 2>&1; e=${EPOCHREALTIME//[!0-9]/}
    tb+=($((e - s)))
  done
  local ma mb
  ma=$(printf '%s\n' "${ta[@]}" | median)
  mb=$(printf '%s\n' "${tb[@]}" | median)
  echo "runs per command:  $runs, alternating, on $(nproc) cores"
  echo "$name_a: median ${ma} us per run   (${a[*]})"
  echo "$name_b: median ${mb} us per run   (${b[*]})"
  awk -v a="$ma" -v b="$mb" -v n="$name_a/$name_b" -v t="${target:-}" \
    'BEGIN { printf "ratio %s: %.2f (%s)\n", n, a / b,
             t == "" ? "information, no target" : "target: at most " t }'
}

# make_lot DOSES OUT DOSEGATE
# Writes OUT: the passing sample CoA with product code S1234V99 and DOSES doses with 6-digit
# Product Divisions (000001..), signed again by the test laboratory (enveloped XML-DSig).
make_lot() {
  local doses=$1 out=$2 bin=$3 pki=certs/test-pki
  perl -0pe '
    s{<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*?</Signature>\n?}{}s;
    s{<Code>S1234V00</Code>}{<Code>S1234V99</Code>};
    my $d = join "", map { sprintf("      <Dose division=\"%06d\"><ViableCells>5.0e7</ViableCells>"
                                   . "<Volume unit=\"mL\">5.0</Volume></Dose>\n", $_) } 1..'"$doses"';
    s{<Doses>.*?</Doses>}{<Doses>\n$d    </Doses>}s;
  ' samples/coa-pass.xml > "$out.unsigned"
  "$bin" sign-coa "$out.unsigned" --key $pki/lab-ec.key.pem --cert $pki/lab-ec.cert.pem \
    --chain $pki/lab-chain.pem --out "$out" --force >/dev/null
  rm -f "$out.unsigned"
}
