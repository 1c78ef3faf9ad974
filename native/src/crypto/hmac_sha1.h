// HMAC-SHA1 (the authentication of every AES-CM suite) as a libsrtp auth type, installed in place
// of libsrtp 2.5's own OpenSSL one. Theirs holds an OpenSSL 3 EVP_MAC context per RTP and per RTCP
// direction: ~950 bytes in 11 allocations each, 7.5 KiB of every SDES call's memory. This one keeps
// the three SHA-1 states HMAC needs in one 320-byte block, and it copies a precomputed state per
// packet where EVP_MAC duplicates a provider context. Numbers: docs/native.md.
#pragma once
#include <srtp2/auth.h>
#include <srtp2/srtp.h>

namespace b2bua {

/** The auth type (its own RFC 2202 self-test included); tests drive it directly. */
extern const srtp_auth_type_t kHmacSha1AuthType;

/** Replaces libsrtp's SRTP_HMAC_SHA1 for the whole process; after srtp_init, before any session. */
srtp_err_status_t installHmacSha1();

}  // namespace b2bua
