# Shared by the whole-process benchmarks; source it, set `runs`, then call compare.

time_runs() {  # prints mean microseconds per run of "$@"
  local start end i
  start=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000 ))
}

# compare NAME_A NAME_B -- COMMAND_A... -- COMMAND_B...
# Times both commands in two interleaved rounds (to even out background noise) and prints
# each mean and the ratio A/B against the target of at most 0.50.
compare() {
  local name_a=$1 name_b=$2
  shift 3
  local -a a=() b=()
  while [ "$1" != "--" ]; do a+=("$1"); shift; done
  shift
  b=("$@")
  local a1 b1 a2 b2 ta tb
  a1=$(time_runs "${a[@]}"); b1=$(time_runs "${b[@]}")
  a2=$(time_runs "${a[@]}"); b2=$(time_runs "${b[@]}")
  ta=$(( (a1 + a2) / 2 )); tb=$(( (b1 + b2) / 2 ))
  echo "runs per command:  $((2 * runs)) on $(nproc) cores"
  echo "$name_a: ${ta} us per run   (${a[*]})"
  echo "$name_b: ${tb} us per run   (${b[*]})"
  awk -v a="$ta" -v b="$tb" -v n="$name_a/$name_b" \
    'BEGIN { printf "ratio %s: %.2f (target: at most 0.50)\n", n, a / b }'
}
