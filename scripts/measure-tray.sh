#!/usr/bin/env bash
# Idle CPU and memory of the tray app (popover closed / open / hidden and released), under
# Xvfb with a private D-Bus. Reads HOME (default: a copy of the committed 4-tool corpus).
#   scripts/measure-tray.sh [seconds per state, default 300] [release|debug]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-300}"
profile="${2:-release}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/burnbar/target}"
scripts/deps.sh test
scripts/ui.sh
if [ "$profile" = release ]; then cargo build --locked -q --release -p burnbar-tray; else cargo build --locked -q -p burnbar-tray; fi
home="${MEASURE_HOME:-}"
if [ -z "$home" ]; then
  home="$(mktemp -d)"
  trap 'rm -rf "$home"' EXIT
  cp -r tests/fixtures/corpus/seed12-berlin-4tools/. "$home/"
  export BURNBAR_PRICES="$home/litellm-prices.json"
fi
exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
  /usr/bin/python3 tests/smoke/measure.py "$CARGO_TARGET_DIR/$profile/burnbar-tray" "$secs" "$home" \
  2> >(grep -v -e 'Failed to set fd limit' -e 'a11y' -e 'SpiRegistry' >&2)
