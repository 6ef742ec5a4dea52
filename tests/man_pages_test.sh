#!/bin/sh
# The generated man pages: one per command that `dosegate --help` lists, plus dosegate(1); each
# renders with `man -l` without a single warning and has its sections; dosegate-release(1)
# carries the same synopsis as `dosegate release --help`.
# Run as  man_pages_test.sh DOSEGATE DOCDIR
set -eu
bin=$1
man1=$2/man1
fail=0
commands=$("$bin" --help | awk '/^Commands:$/ { on = 1; next } on && /^$/ { exit } on && /^  [^ ]/ { print $1 }')
[ -n "$commands" ] || { echo "no commands in dosegate --help"; exit 1; }
pages="dosegate"
for c in $commands; do pages="$pages dosegate-$c"; done
count=0
for page in $pages; do
  file="$man1/$page.1.gz"
  if [ ! -f "$file" ]; then echo "$page: missing $file"; fail=1; continue; fi
  count=$((count + 1))
  warnings=$(MANWIDTH=80 man -l --warnings=all "$file" 2>&1 >/dev/null || echo "man failed")
  if [ -n "$warnings" ]; then echo "$page: man -l warns: $warnings"; fail=1; fi
  text=$(MANWIDTH=200 man -l "$file" 2>/dev/null)
  for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
    printf '%s\n' "$text" | grep -q "^$s\$" || { echo "$page: no $s section"; fail=1; }
  done
  printf '%s\n' "$text" | grep -q "^       $page - " || { echo "$page: NAME is not '$page - ...'"; fail=1; }
done
# The synopsis is the help's usage, every option in it.
usage=$("$bin" release --help | sed -n '1,/^$/p' | tr -s ' \n' '  ' | sed 's/^Usage: //; s/ *$//')
synopsis=$(MANWIDTH=1000 man -l "$man1/dosegate-release.1.gz" 2>/dev/null | sed -n '/^SYNOPSIS$/,/^$/p' | sed 1d | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//')
if [ "$usage" != "$synopsis" ]; then
  echo "dosegate-release(1) SYNOPSIS differs from the help's usage:"
  echo "  help: $usage"
  echo "  man:  $synopsis"
  fail=1
fi
extra=$(ls "$man1" | wc -l)
[ "$extra" -eq "$count" ] || { echo "$man1 holds $extra pages, expected $count"; fail=1; }
[ "$fail" -eq 0 ] && echo "$count man pages render without warnings"
exit "$fail"
