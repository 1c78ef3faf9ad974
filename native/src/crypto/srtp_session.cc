#include "crypto/srtp_session.h"

#include <cstring>
#include <mutex>

#include "crypto/hmac_sha1.h"

namespace b2bua {
namespace {

// srtp_init runs libsrtp's self-tests and sets global state: once per process, never shut down
// (another addon instance, e.g. in a worker_thread, may still use it). Our HMAC-SHA1 goes in before
// the first session, so every session of the process uses the same one.
void initLibsrtpOnce() {
  static std::once_flag once;
  static srtp_err_status_t status = srtp_err_status_ok;
  static const char* failed = "";
  std::call_once(once, [] {
    status = srtp_init();
    failed = "srtp_init failed";
    if (status != srtp_err_status_ok) return;
    status = installHmacSha1();
    failed = "installing HMAC-SHA1 in libsrtp failed";
  });
  if (status != srtp_err_status_ok) throw SrtpError(failed, status);
}

// Replay window (RFC 3711 requires >= 64): 256 packets is 5 s of audio, ample reordering room,
// and each stream keeps one bit per packet of it.
constexpr unsigned long kReplayWindow = 256;

}  // namespace

std::atomic<int64_t> SrtpSession::live_{0};

SrtpSession::SrtpSession(const SrtpSuite& suite, const uint8_t* keySalt, size_t keySaltLength,
                         SrtpDirection direction)
    : suite_(suite), direction_(direction) {
  if (keySaltLength != size_t(suite.keyLength) + suite.saltLength) {
    throw SrtpError(std::string("key for ") + suite.name + " must be " +
                        std::to_string(suite.keyLength + suite.saltLength) + " bytes",
                    srtp_err_status_bad_param);
  }
  initLibsrtpOnce();
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof(policy));
  suite.setRtpPolicy(&policy.rtp);
  suite.setRtcpPolicy(&policy.rtcp);
  policy.ssrc.type = direction == SrtpDirection::Inbound ? ssrc_any_inbound : ssrc_any_outbound;
  // libsrtp copies the key during srtp_create; the cast is its API's, it does not write.
  policy.key = const_cast<uint8_t*>(keySalt);
  policy.window_size = kReplayWindow;
  policy.allow_repeat_tx = 0;  // never re-encrypt a sequence number: GCM nonce reuse
  srtp_err_status_t status = srtp_create(&session_, &policy);
  if (status != srtp_err_status_ok) {
    session_ = nullptr;
    throw SrtpError(std::string("srtp_create failed for ") + suite.name, status);
  }
  live_.fetch_add(1, std::memory_order_relaxed);
}

SrtpSession::~SrtpSession() {
  srtp_dealloc(session_);
  live_.fetch_sub(1, std::memory_order_relaxed);
}

std::string libsrtpVersion() {
  std::string text = srtp_get_version_string();  // "libsrtp2 2.5.0"
  size_t space = text.rfind(' ');
  return space == std::string::npos ? text : text.substr(space + 1);
}

}  // namespace b2bua
