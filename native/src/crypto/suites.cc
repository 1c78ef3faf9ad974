#include "crypto/suites.h"
// (AES_CM_128_HMAC_SHA1_80 is libsrtp's default policy; its named setter is a macro, not a function.)

namespace b2bua {

const SrtpSuite kSrtpSuites[] = {
    {"AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, srtp_crypto_policy_set_rtp_default,
     srtp_crypto_policy_set_rtp_default},
    {"AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
     srtp_crypto_policy_set_rtp_default},
    {"AES_192_CM_HMAC_SHA1_80", 24, 14, 10, 10, srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80,
     srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80},
    {"AES_192_CM_HMAC_SHA1_32", 24, 14, 4, 10, srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32,
     srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80},
    {"AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
     srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80},
    {"AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
     srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80},
    {"AEAD_AES_128_GCM", 16, 12, 16, 16, srtp_crypto_policy_set_aes_gcm_128_16_auth,
     srtp_crypto_policy_set_aes_gcm_128_16_auth},
    {"AEAD_AES_256_GCM", 32, 12, 16, 16, srtp_crypto_policy_set_aes_gcm_256_16_auth,
     srtp_crypto_policy_set_aes_gcm_256_16_auth},
};
const size_t kSrtpSuiteCount = sizeof(kSrtpSuites) / sizeof(kSrtpSuites[0]);

const SrtpSuite* findSrtpSuite(std::string_view name) {
  for (size_t i = 0; i < kSrtpSuiteCount; i++) {
    if (name == kSrtpSuites[i].name) return &kSrtpSuites[i];
  }
  return nullptr;
}

}  // namespace b2bua
