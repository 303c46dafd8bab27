#!/usr/bin/env bash
# Runs smoke.py against the real app: a private session D-Bus (dbus-run-session) and a
# virtual X display (xvfb-run), so it works the same on a headless CI box and a desktop.
#   tests/smoke/run.sh <burnbar-tray> <burnbar> <artifacts dir>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# /usr/bin/python3: the Debian interpreter that has python3-dbus-next
exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
  /usr/bin/python3 "$here/smoke.py" "$@" 2> >(grep -v -e 'Failed to set fd limit' -e 'activation of org.a11y' >&2)
