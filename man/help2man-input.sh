#!/bin/sh
# What help2man reads to write dosegate's man pages: the text of `dosegate --help` or
# `dosegate COMMAND --help`, the one source of both, reshaped only where help2man needs it:
# the usage joined to one line per form (further forms as "or:" lines), "Exit codes:" and
# "Commands:" as sections of their own, each example on one line after "$ " (set in a fixed
# font). Run as  help2man-input.sh DOSEGATE [COMMAND] --help|--version
set -eu
bin=$1
shift
if [ "$#" -eq 2 ]; then command=$1; shift; else command=; fi
if [ "$1" = --version ]; then
  version=$("$bin" --version | sed -n '1s/^dosegate //p')
  printf '%s (dosegate) %s\n' "dosegate${command:+-$command}" "$version"
  exit 0
fi
if [ -n "$command" ]; then text=$("$bin" "$command" --help); else text=$("$bin" --help); fi
printf '%s\n' "$text" | awk '
  NR == 1 { usage = 1 }
  usage && /^$/ { usage = 0; print line; print ""; next }
  usage {
    if (NR == 1) { line = $0; next }
    if ($0 ~ /^ +dosegate /) { print line; sub(/^ +/, ""); line = "   or: " $0; next }
    sub(/^ +/, ""); line = line " " $0; next
  }
  /^Exit codes:$/ { print "*Exit status*"; section = ""; next }
  /^Commands:$/ { print "*Commands*"; section = ""; next }
  /^Examples:$/ { print; section = "examples"; next }
  section == "examples" && /^  [^ ]/ {
    if (example != "") print "  $ " example
    example = substr($0, 3); next
  }
  section == "examples" && /^    / { sub(/^ +/, ""); example = example " " $0; next }
  /^[A-Z].*:$/ { section = "" }
  { print }
  END { if (example != "") print "  $ " example }
' | sed 's/ \\ / /g'
