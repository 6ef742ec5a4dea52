#!/bin/sh
# The Debian package: `cpack -G DEB` from this build tree into a temporary directory, its
# dependencies from dpkg-shlibdeps, its files, the extracted binary run from a clean root
# (`--version`, and `verify` of the shipped sample against the shipped example trust directory),
# and lintian with no error.
# Run as  package_deb_test.sh BINARY_DIR
set -eu
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "package-deb: $*"; exit 1; }
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out" > "$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(ls "$tmp"/out/*.deb)
[ -f "$deb" ] || fail "no .deb in $tmp/out"
# dpkg-shlibdeps' dependencies: the libraries the binary is linked against, with versions.
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libssl3 libxmlsec1-openssl libsqlite3-0 libqpdf libhpdf libzint libstdc++6; do
  case "$depends" in *"$lib"*) ;; *) fail "Depends lacks $lib: $depends" ;; esac
done
dpkg-deb -x "$deb" "$tmp/root"
r=$tmp/root/usr
for f in bin/dosegate share/man/man1/dosegate.1.gz share/man/man1/dosegate-release.1.gz \
         share/bash-completion/completions/dosegate share/dosegate/specs/wj-msc.xml \
         share/dosegate/schemas/coa.xsd share/doc/dosegate/copyright share/doc/dosegate/changelog.gz \
         share/doc/dosegate/examples/trust/anchors/root-ca.pem \
         share/doc/dosegate/examples/samples/coa-pass.xml; do
  [ -f "$r/$f" ] || fail "the package lacks /usr/$f"
done
grep -q "MIT License" "$r/share/doc/dosegate/copyright" || fail "copyright is not the MIT licence"
# Every command has its page in the package.
for c in $("$r/bin/dosegate" --help | awk '/^Commands:$/ { on = 1; next } on && /^$/ { exit } on && /^  [^ ]/ { print $1 }'); do
  [ -f "$r/share/man/man1/dosegate-$c.1.gz" ] || fail "no man page dosegate-$c(1)"
done
version=$("$r/bin/dosegate" --version)
echo "$version"
case "$version" in "dosegate "[0-9]*) ;; *) fail "--version printed '$version'" ;; esac
examples=$r/share/doc/dosegate/examples
status=0
"$r/bin/dosegate" verify "$examples/samples/coa-pass.xml" --trust "$examples/trust" \
  --as-of 2026-11-21T12:00:00Z > "$tmp/verify.txt" 2>&1 || status=$?
[ "$status" -eq 0 ] || { cat "$tmp/verify.txt"; fail "verify of the shipped sample exited $status"; }
grep -q "RELEASABLE" "$tmp/verify.txt" || { cat "$tmp/verify.txt"; fail "verify did not say RELEASABLE"; }
status=0
"$r/bin/dosegate" verify "$examples/samples/coa-viability-90.xml" --trust "$examples/trust" \
  --as-of 2026-11-21T12:00:00Z > "$tmp/verify.txt" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$tmp/verify.txt"; fail "verify of the failing sample exited $status, not 1"; }
# lintian: no error (warnings are printed). It exits 1 on an error, 2 when it cannot run.
status=0
lintian --allow-root "$deb" > "$tmp/lintian.txt" 2>&1 || status=$?
cat "$tmp/lintian.txt"
[ "$status" -eq 0 ] || fail "lintian exited $status"
if grep -q '^E: ' "$tmp/lintian.txt"; then fail "lintian reports errors"; fi
echo "package-deb: $(basename "$deb"), $(stat -c %s "$deb") bytes, lintian without errors"
