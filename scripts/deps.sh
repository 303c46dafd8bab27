#!/usr/bin/env bash
# Installs what Burnbar needs to build and test on Debian/Ubuntu, and nothing when it is all
# there already (a no-op run takes well under a second).
#   scripts/deps.sh build      compiler toolchain, WebKitGTK and AppIndicator headers, Node
#   scripts/deps.sh run        the same (the tray app)
#   scripts/deps.sh headless   + a virtual display and session bus (./run without a desktop)
#   scripts/deps.sh test       + what the test suite uses (Chromium, Xvfb, D-Bus, python3-dbus-next,
#                              Prometheus for the team-metrics test)
set -euo pipefail
what="${1:-build}"

# Tauri's Linux prerequisites on Debian 12 / Ubuntu 22.04+ (no recommends: half the download)
packages=(build-essential pkg-config ca-certificates curl
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
headless=(xvfb xauth dbus-daemon dbus-bin imagemagick)
case "$what" in
  build|run) ;;
  headless) packages+=("${headless[@]}") ;;
  test) packages+=("${headless[@]}" python3 python3-dbus-next x11-utils xdotool chromium git prometheus) ;;
  *) echo "usage: scripts/deps.sh build|run|headless|test" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: please install: ${missing[*]}" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "deps: as root, run: apt-get install -y ${missing[*]}" >&2; exit 1
    fi
  fi
  echo "deps: installing ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Rust: the toolchain from rustup (Debian's rustc is too old for edition 2024).
# the MSRV: rust-version in the workspace Cargo.toml (the one place it is pinned)
need="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$(dirname "$0")/../Cargo.toml")"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "deps: installing Rust with rustup" >&2
  if ! curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy >&2; then
    echo "deps: could not install Rust; install Rust >= $need from https://rustup.rs and retry" >&2
    exit 1
  fi
fi
have="$(rustc --version | awk '{print $2}')"
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
  echo "deps: Rust $have is older than $need; run 'rustup update stable'" >&2
  exit 1
fi
