#!/usr/bin/env bash
# Builds the popover (ui/ -> ui/dist, which the tray app embeds at compile time).
# `npm ci` only when ui/node_modules is missing or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")/../ui"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
npm run --silent build
