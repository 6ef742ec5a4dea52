#!/bin/bash
# The generated bash completion script, sourced in a bash, completing as readline would call it:
# a command, an option, an option's value, a file argument, a subcommand, and nothing for a DIN.
# Run from the source directory as  completion_test.sh SCRIPT
set -u
script=$1
fail=0
# complete WORD... : COMPREPLY after completing the last word, one per line, sorted.
complete_words() {
  bash --norc --noprofile -c '
    source "$1" || exit 3
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    _dosegate
    printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$script" "$@"
}
expect() {
  local want=$1
  shift
  local got
  got=$(complete_words "$@")
  if [[ "$got" != "$want" ]]; then
    printf 'completing [%s]: expected [%s], got [%s]\n' "$*" "$want" "$got"
    fail=1
  fi
}
expect verify dosegate ver
expect $'sign-coa\nsign-spec' dosegate sig
expect --out dosegate release --ou
expect $'--passphrase-file' dosegate sign-coa --pass
expect json dosegate history --format j
expect --json dosegate sign-spec --js
expect --json dosegate user add x --js
expect $'auditor\nbedside\nqa' dosegate user add x --role ''
expect samples/coa-pass.xml dosegate verify samples/coa-pa
expect certs/trust dosegate verify samples/coa-pass.xml --trust certs/tru
expect release dosegate help rel
expect backup dosegate ledger ba
expect '' dosegate recall A9
expect $'--tsa\n--tsa-timeout' dosegate complete --ts
expect --lta dosegate release --lt
expect '' dosegate verify samples/coa-pass.xml --as-of 2026
# `complete -p` knows the function once the script is sourced.
registered=$(bash --norc --noprofile -c 'source "$1"; complete -p dosegate' _ "$script")
[[ "$registered" == "complete -F _dosegate dosegate" ]] || { echo "not registered: $registered"; fail=1; }
[[ $fail -eq 0 ]] && echo "completion: every case completes as expected"
exit $fail
