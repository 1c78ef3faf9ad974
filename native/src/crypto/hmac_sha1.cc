// The low-level SHA1_* functions are deprecated in OpenSSL 3, but they are the only OpenSSL SHA-1
// whose state is a plain struct that can be copied (and they run the same assembly as EVP).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/hmac_sha1.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace b2bua {
namespace {

/** srtp_auth_t and its state in one allocation; `auth` first, so the two pointers convert. */
struct HmacSha1 {
  srtp_auth_t auth;
  SHA_CTX inner;    // SHA-1 after the block (key ^ ipad): where every message starts
  SHA_CTX outer;    // SHA-1 after the block (key ^ opad): where every tag's second pass starts
  SHA_CTX running;  // the message being authenticated
};

HmacSha1& stateOf(void* state) { return *static_cast<HmacSha1*>(state); }

srtp_err_status_t allocate(srtp_auth_t** result, int keyLength, int tagLength) {
  // RFC 2104 hashes a key longer than a block first; SRTP's 160-bit keys never need it.
  if (keyLength < 0 || keyLength > SHA_CBLOCK || tagLength < 0 || tagLength > SHA_DIGEST_LENGTH) {
    return srtp_err_status_bad_param;
  }
  auto* hmac = new (std::nothrow) HmacSha1{};
  if (!hmac) return srtp_err_status_alloc_fail;
  hmac->auth.type = &kHmacSha1AuthType;
  hmac->auth.state = hmac;
  hmac->auth.out_len = tagLength;
  hmac->auth.key_len = keyLength;
  hmac->auth.prefix_len = 0;
  *result = &hmac->auth;
  return srtp_err_status_ok;
}

srtp_err_status_t deallocate(srtp_auth_t* auth) {
  auto* hmac = static_cast<HmacSha1*>(auth->state);
  OPENSSL_cleanse(hmac, sizeof(*hmac));  // the SHA-1 states are as good as the key
  delete hmac;
  return srtp_err_status_ok;
}

void hashPaddedKey(SHA_CTX& into, const uint8_t* key, int keyLength, uint8_t pad) {
  uint8_t block[SHA_CBLOCK];
  std::memset(block, pad, sizeof(block));
  for (int i = 0; i < keyLength; i++) block[i] ^= key[i];
  SHA1_Init(&into);
  SHA1_Update(&into, block, sizeof(block));
  OPENSSL_cleanse(block, sizeof(block));
}

srtp_err_status_t init(void* state, const uint8_t* key, int keyLength) {
  // libsrtp passes the length given to `allocate`; checked again since it bounds a buffer here.
  if (keyLength < 0 || keyLength > SHA_CBLOCK) return srtp_err_status_bad_param;
  HmacSha1& hmac = stateOf(state);
  hashPaddedKey(hmac.inner, key, keyLength, 0x36);
  hashPaddedKey(hmac.outer, key, keyLength, 0x5c);
  return srtp_err_status_ok;
}

srtp_err_status_t start(void* state) {
  HmacSha1& hmac = stateOf(state);
  hmac.running = hmac.inner;
  return srtp_err_status_ok;
}

srtp_err_status_t update(void* state, const uint8_t* message, int length) {
  SHA1_Update(&stateOf(state).running, message, size_t(length));
  return srtp_err_status_ok;
}

// libsrtp passes the tag length given to `allocate`, which checked it.
srtp_err_status_t compute(void* state, const uint8_t* message, int length, int tagLength, uint8_t* tag) {
  HmacSha1& hmac = stateOf(state);
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1_Update(&hmac.running, message, size_t(length));
  SHA1_Final(digest, &hmac.running);
  hmac.running = hmac.outer;
  SHA1_Update(&hmac.running, digest, sizeof(digest));
  SHA1_Final(digest, &hmac.running);
  std::memcpy(tag, digest, size_t(tagLength));
  return srtp_err_status_ok;
}

// RFC 2202 §3, test case 3: libsrtp runs it (and its own case) before accepting the replacement.
const uint8_t kTestKey[20] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
                              0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
const uint8_t kTestData[50] = {
    0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
    0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
    0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd};
const uint8_t kTestTag[20] = {0x12, 0x5d, 0x73, 0x42, 0xb9, 0xac, 0x11, 0xcd, 0x91, 0xa3,
                              0x9a, 0xf4, 0x8a, 0xa1, 0x7b, 0x4f, 0x63, 0xf1, 0x75, 0xd3};
const srtp_auth_test_case_t kTestCase = {20, kTestKey, 50, kTestData, 20, kTestTag, nullptr};

}  // namespace

const srtp_auth_type_t kHmacSha1AuthType = {
    allocate, deallocate, init, compute, update, start, "HMAC-SHA1 (precomputed SHA-1 states)", &kTestCase,
    SRTP_HMAC_SHA1,
};

srtp_err_status_t installHmacSha1() { return srtp_replace_auth_type(&kHmacSha1AuthType, SRTP_HMAC_SHA1); }

}  // namespace b2bua
