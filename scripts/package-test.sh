#!/usr/bin/env bash
# `make package-test`: the packages `make package` built, tested by installing them.
#
# Installs the .deb with apt (which pulls its Depends), runs the installed `burnbar --version`
# and `burnbar report` on a fixture HOME, runs the tray smoke test (Xvfb, a private D-Bus, the
# tray label read over D-Bus from a fake StatusNotifierWatcher) against /usr/bin/burnbar-tray
# and /usr/bin/burnbar, validates the desktop entry, checks the icons, completions and man page,
# then purges the package and checks that nothing of ours is left under /usr. The .rpm is
# checked with `rpm -qpl` (its files) and `rpm -qpR` (its dependencies).
#
# Needs root (apt) on Debian/Ubuntu; builds the packages first when there are none.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/burnbar/target}"
list="$CARGO_TARGET_DIR/package/packages.txt"
[ -s "$list" ] || scripts/package.sh
deb="$(grep '\.deb$' "$list")"
rpm="$(grep '\.rpm$' "$list")"
if [ "$(id -u)" -ne 0 ]; then echo "package-test: run as root (it installs the .deb with apt)" >&2; exit 1; fi
scripts/deps.sh test
export DEBIAN_FRONTEND=noninteractive
for p in desktop-file-utils rpm; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done

passed=0 failed=0
check() { # check NAME COMMAND...
  local name="$1"; shift
  if "$@" >/tmp/package-test.out 2>&1; then passed=$((passed + 1)); echo "ok - $name"
  else failed=$((failed + 1)); echo "FAIL - $name"; sed 's/^/   /' /tmp/package-test.out | head -20; fi
}
contains() { grep -qF -- "$2" <<<"$1"; }

# --- the .rpm, without installing it
rpm_files="$(rpm -qpl "$rpm" 2>/dev/null)"
rpm_needs="$(rpm -qpR "$rpm" 2>/dev/null)"
for f in /usr/bin/burnbar /usr/bin/burnbar-tray /usr/share/applications/burnbar.desktop \
  /usr/share/man/man1/burnbar.1.gz /usr/share/bash-completion/completions/burnbar \
  /usr/share/zsh/site-functions/_burnbar /usr/share/fish/vendor_completions.d/burnbar.fish; do
  check "rpm holds $f" contains "$rpm_files" "$f"
done
check "rpm holds hicolor icons" grep -q '^/usr/share/icons/hicolor/.*/apps/burnbar-tray.png$' <<<"$rpm_files"
for d in libwebkit2gtk-4.1 appindicator3 librsvg2; do
  check "rpm requires $d" contains "$rpm_needs" "$d"
done

# --- the .deb, installed
before="$(mktemp)"
find /usr -xdev -path '*burnbar*' 2>/dev/null | sort >"$before"
check "apt installs the .deb (and its Depends)" apt-get install -y -qq --no-install-recommends "$deb"
depends="$(dpkg-query -W -f='${Depends}' burnbar)"
for d in libwebkit2gtk-4.1-0 appindicator3-1 librsvg2-2; do
  check "Depends names $d" contains "$depends" "$d"
done
version="$(/usr/bin/burnbar --version 2>&1 || true)"
want="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
check "burnbar --version: $version" bash -c "[[ '$version' == 'burnbar $want ('*', built '*')' && '$version' != *unknown* ]]"
home="$(mktemp -d)"
cp -r tests/fixtures/home/. "$home/"
report="$(HOME="$home" BURNBAR_DATA_DIR="$home/.data" /usr/bin/burnbar report --offline \
  --prices tests/fixtures/prices.json --timezone UTC --period all --format json 2>/dev/null || true)"
check "burnbar report reads a fixture HOME" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["overview"]["calls"] > 0 and r["overview"]["cost"] > 0, r["overview"]' "$report"
rm -rf "$home"
check "the desktop entry validates" desktop-file-validate /usr/share/applications/burnbar.desktop
check "the desktop entry starts burnbar-tray" grep -q '^Exec=burnbar-tray' /usr/share/applications/burnbar.desktop
check "hicolor icons are installed" bash -c 'ls /usr/share/icons/hicolor/*/apps/burnbar-tray.png'
check "the man page is installed" bash -c 'zcat /usr/share/man/man1/burnbar.1.gz | grep -q "^.TH burnbar 1"'
check "bash completion is installed" grep -q '_burnbar()' /usr/share/bash-completion/completions/burnbar
check "zsh completion is installed" grep -q '#compdef burnbar' /usr/share/zsh/vendor-completions/_burnbar
check "fish completion is installed" grep -q 'complete -c burnbar' /usr/share/fish/vendor_completions.d/burnbar.fish
check "the shipped binaries carry no debug info" bash -c \
  '! readelf -S /usr/bin/burnbar /usr/bin/burnbar-tray | grep -q "\.debug_line"'
artifacts="$CARGO_TARGET_DIR/package/smoke"
echo "== the installed tray app under Xvfb + D-Bus (tests/smoke)"
mkdir -p "$artifacts"
tests/smoke/run.sh /usr/bin/burnbar-tray /usr/bin/burnbar "$artifacts" >"$artifacts/smoke.out" 2>&1 || true
sed 's/^/   /' "$artifacts/smoke.out"
smoke="$(grep '^smoke: ' "$artifacts/smoke.out" | tail -1)"
check "the smoke test passes on the installed binaries ($smoke)" bash -c "[[ '$smoke' =~ ^smoke:\ [0-9]+\ passed,\ 0\ failed ]]"

check "apt purges the package" apt-get purge -y -qq burnbar
after="$(mktemp)"
find /usr -xdev -path '*burnbar*' 2>/dev/null | sort >"$after"
check "nothing of ours is left under /usr" diff "$before" "$after"
rm -f "$before" "$after"
echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
