#!/usr/bin/env bash
# One idempotent set-up for a fresh Debian 12 (run as root): system packages, then libsrtp 2.5.0
# built against OpenSSL from Debian's own source package into .deps/ (ignored, cached across runs).
# Why not Debian's binary libsrtp2: it uses NSS, ~5x slower per packet and ~100x slower srtp_create
# (docs/native.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEPS=$ROOT/.deps
SRTP_PREFIX=$DEPS/libsrtp
SRTP_VERSION=2.5.0
export DEBIAN_FRONTEND=noninteractive

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
warn() { printf '\033[1;31m[setup] WARNING:\033[0m %s\n' "$*" >&2; }

# Build tools and libraries for the addon; real SIP peers for the tests.
APT_PACKAGES=(
  build-essential cmake pkg-config dpkg-dev
  libssl-dev libbzrtp-dev libbctoolbox-dev libsrtp2-dev
  openssl sip-tester kamailio linphone-cli
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing apt packages: ${missing[*]}"
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | as_root debconf-set-selections
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "apt packages present"
fi
# Kamailio's packaged service is not ours: tests start their own instance on allocated ports.
if command -v systemctl >/dev/null && systemctl is-active --quiet kamailio 2>/dev/null; then
  as_root systemctl stop kamailio || true
fi

# --- libsrtp 2.5.0 with OpenSSL, from Debian's source package --------------------------------------
if [ -f "$SRTP_PREFIX/lib/libsrtp2.a" ] && [ "$(cat "$SRTP_PREFIX/VERSION" 2>/dev/null)" = "$SRTP_VERSION+rfc6188-kdf" ]; then
  log "libsrtp $SRTP_VERSION (openssl) cached in .deps/libsrtp"
else
  log "building libsrtp $SRTP_VERSION with OpenSSL from Debian's source package"
  if ! bash scripts/build-libsrtp.sh "$SRTP_PREFIX" "$SRTP_VERSION"; then
    rm -rf "$SRTP_PREFIX"
    warn "could not build libsrtp from source: falling back to the system libsrtp2 (NSS crypto)."
    warn "Expect ~5x slower SRTP per packet; 'b2bua --version' reports the backend in use."
  fi
fi

# --- npm dependencies -----------------------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi
log "done"
