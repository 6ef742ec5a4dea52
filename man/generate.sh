#!/bin/sh
# Writes dosegate's man pages and its bash completion script from the binary itself:
#   OUT/man1/dosegate.1.gz, OUT/man1/dosegate-COMMAND.1.gz for every command that
#   `dosegate --help` lists (help2man over help2man-input.sh), OUT/completion/dosegate.
# The help text and the option tables are the one source; nothing here names a command.
# Run as  generate.sh DOSEGATE OUT   (the build does, after linking dosegate)
set -eu
bin=$1
out=$2
here=$(dirname "$0")
input="$here/help2man-input.sh"
rm -rf "$out/man1" "$out/completion"
mkdir -p "$out/man1" "$out/completion"
# "  NAME   summary" lines of the Commands section, continuation lines joined.
"$bin" --help | awk '
  /^Commands:$/ { on = 1; next }
  on && /^$/ { exit }
  on && /^  [^ ]/ { if (name != "") print name "\t" summary; name = $1; $1 = ""; summary = substr($0, 2); next }
  on { sub(/^ +/, ""); summary = summary " " $0 }
  END { if (name != "") print name "\t" summary }
' > "$out/commands.tsv"
see_also=$(awk -F '\t' '{ printf "%s\\fBdosegate-%s\\fR(1)", (NR > 1 ? ", " : ""), $1 }' "$out/commands.tsv")
printf '[SEE ALSO]\n%s\n' "$see_also" > "$out/see-also-main"
printf '[SEE ALSO]\n\\fBdosegate\\fR(1)\n' > "$out/see-also-command"
help2man --no-info --section 1 --name 'release gate for cell-therapy lots' \
  --help-option="$bin --help" --version-option="$bin --version" \
  --include "$out/see-also-main" --output "$out/man1/dosegate.1" "$input"
while IFS="$(printf '\t')" read -r command summary; do
  help2man --no-info --section 1 --name "$summary" \
    --help-option="$bin $command --help" --version-option="$bin $command --version" \
    --include "$out/see-also-command" --output "$out/man1/dosegate-$command.1" "$input"
done < "$out/commands.tsv"
gzip -9n "$out"/man1/*.1
"$bin" --completion bash > "$out/completion/dosegate"
