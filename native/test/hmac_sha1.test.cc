// Our libsrtp HMAC-SHA1 auth type against OpenSSL's one-shot HMAC(). Inside sessions, the RFC 3711
// and libsrtp known-answer packets (test/media/srtp-vectors) check it.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "check.h"
#include "crypto/hmac_sha1.h"

using namespace b2bua;

namespace {

std::vector<uint8_t> bytes(size_t length, uint8_t seed) {
  std::vector<uint8_t> out(length);
  for (size_t i = 0; i < length; i++) out[i] = uint8_t(seed + i * 13);
  return out;
}

/** Our tag for `message`, fed as libsrtp does: start, update with a prefix, compute on the rest. */
std::vector<uint8_t> ourTag(srtp_auth_t* auth, const std::vector<uint8_t>& message, size_t split, int tagLength) {
  std::vector<uint8_t> tag(static_cast<size_t>(tagLength));
  CHECK(auth->type->start(auth->state) == srtp_err_status_ok);
  CHECK(auth->type->update(auth->state, message.data(), int(split)) == srtp_err_status_ok);
  CHECK(auth->type->compute(auth->state, message.data() + split, int(message.size() - split), tagLength, tag.data()) ==
        srtp_err_status_ok);
  return tag;
}

std::vector<uint8_t> opensslTag(const std::vector<uint8_t>& key, const std::vector<uint8_t>& message, int tagLength) {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  static const uint8_t kNoKey = 0;  // OpenSSL refuses a null key, even an empty one
  HMAC(EVP_sha1(), key.empty() ? &kNoKey : key.data(), int(key.size()), message.data(), message.size(), digest, &length);
  CHECK(length == 20);
  return std::vector<uint8_t>(digest, digest + tagLength);
}

}  // namespace

TEST_CASE("HMAC-SHA1 equals OpenSSL's for key and message lengths around the SHA-1 block") {
  for (size_t keyLength : {0, 1, 20, 63, 64}) {
    const std::vector<uint8_t> key = bytes(keyLength, 3);
    for (int tagLength : {4, 10, 20}) {
      srtp_auth_t* auth = nullptr;
      CHECK(kHmacSha1AuthType.alloc(&auth, int(keyLength), tagLength) == srtp_err_status_ok);
      CHECK(kHmacSha1AuthType.init(auth->state, key.data(), int(keyLength)) == srtp_err_status_ok);
      for (size_t messageLength : {0, 4, 55, 56, 64, 65, 172, 1500}) {
        const std::vector<uint8_t> message = bytes(messageLength, uint8_t(messageLength));
        const std::vector<uint8_t> expected = opensslTag(key, message, tagLength);
        for (size_t split : {size_t(0), messageLength / 2, messageLength}) {  // the state restarts each time
          CHECK(ourTag(auth, message, split, tagLength) == expected);
        }
      }
      CHECK(kHmacSha1AuthType.dealloc(auth) == srtp_err_status_ok);
    }
  }
}

TEST_CASE("HMAC-SHA1 refuses keys over a block and tags over a digest, and passes libsrtp's self-test") {
  srtp_auth_t* auth = nullptr;
  CHECK(kHmacSha1AuthType.alloc(&auth, 65, 10) == srtp_err_status_bad_param);
  CHECK(kHmacSha1AuthType.alloc(&auth, 20, 21) == srtp_err_status_bad_param);
  CHECK(srtp_auth_type_self_test(&kHmacSha1AuthType) == srtp_err_status_ok);
}
