#!/usr/bin/env bash
# Builds libsrtp2 with OpenSSL crypto from Debian's source package into $1 (a prefix):
# lib/libsrtp2.a, include/srtp2/*.h, VERSION, BACKEND. Touches no system apt configuration.
set -euo pipefail
PREFIX=$1
WANT_VERSION=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
APT_DIR=$WORK/apt
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/sources.list.d" "$WORK/src"

# deb-src entries derived from the system's own deb entries (deb822 and one-line styles),
# so no mirror is named here and /etc/apt is left as it is.
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  sed -e 's/^Types: *deb$/Types: deb-src/' "$f"
  echo
done >"$APT_DIR/sources.list.d/src.sources"
if [ -f /etc/apt/sources.list ]; then
  { grep -E '^deb ' /etc/apt/sources.list || true; } | sed 's/^deb /deb-src /' >"$APT_DIR/sources.list"
else
  : >"$APT_DIR/sources.list"
fi
APT_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o "Dir::Etc::SourceParts=$APT_DIR/sources.list.d"
          -o "Dir::State::Lists=$APT_DIR/lists" -o "APT::Sandbox::User=root")
apt-get "${APT_OPTS[@]}" update -qq
(cd "$WORK/src" && apt-get "${APT_OPTS[@]}" source -qq --download-only libsrtp2 >/dev/null)
ORIG=$(ls "$WORK/src"/libsrtp2_"$WANT_VERSION".orig.tar.*)
mkdir -p "$WORK/libsrtp"
tar -xf "$ORIG" -C "$WORK/libsrtp" --strip-components=1
cd "$WORK/libsrtp"
# RFC 6188 §7: AES-192 master keys derive session keys with AES-192-CM. libsrtp 2.5.0 widens every
# key over 30 bytes to the AES-256 KDF (46 bytes), so its AES_192_CM_* suites do not interoperate
# with RFC-following peers. Select the 38-byte KDF for AES-192; fail loudly if the line moved.
node - srtp/srtp.c <<'JS'
const fs = require('node:fs');
const file = process.argv[2];
const line = 'stat = srtp_kdf_init(&kdf, (const uint8_t *)tmp_key, kdf_keylen);';
const fixed = 'stat = srtp_kdf_init(&kdf, (const uint8_t *)tmp_key,\n' +
  '                         rtp_base_key_len == SRTP_AES_192_KEY_LEN ? SRTP_AES_ICM_192_KEY_LEN_WSALT : kdf_keylen);';
const text = fs.readFileSync(file, 'utf8');
if (text.split(line).length !== 2) throw new Error('libsrtp KDF line not found: AES-192 fix not applied');
fs.writeFileSync(file, text.replace(line, fixed));
JS
./configure --enable-openssl CFLAGS="-O2 -fPIC" >/dev/null
make -j"$(nproc)" libsrtp2.a >/dev/null
rm -rf "$PREFIX" && mkdir -p "$PREFIX/lib" "$PREFIX/include/srtp2"
cp libsrtp2.a "$PREFIX/lib/"
cp include/srtp.h crypto/include/auth.h crypto/include/cipher.h crypto/include/crypto_types.h "$PREFIX/include/srtp2/"
echo openssl >"$PREFIX/BACKEND"
echo "$WANT_VERSION+rfc6188-kdf" >"$PREFIX/VERSION"
