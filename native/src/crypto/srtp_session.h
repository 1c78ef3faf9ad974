// One libsrtp session (srtp_t) for one direction of one leg. Not thread-safe (libsrtp has no
// locks): it is created anywhere, then used by the one worker thread that owns its bridge.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "crypto/suites.h"

namespace b2bua {

class SrtpError : public std::runtime_error {
 public:
  SrtpError(const std::string& what, int status) : std::runtime_error(what), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

enum class SrtpDirection { Inbound, Outbound };

/** Room a buffer needs after the payload for srtp_protect/srtp_protect_rtcp to write in place. */
constexpr size_t kSrtpTrailerRoom = SRTP_MAX_TRAILER_LEN + 4;

class SrtpSession {
 public:
  /** keySalt = master key || master salt, exactly keyLength + saltLength bytes. Throws SrtpError. */
  SrtpSession(const SrtpSuite& suite, const uint8_t* keySalt, size_t keySaltLength, SrtpDirection direction);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // In place. `length` is updated. The buffer must have kSrtpTrailerRoom bytes past `length`.
  srtp_err_status_t protectRtp(uint8_t* packet, int* length) { return srtp_protect(session_, packet, length); }
  srtp_err_status_t unprotectRtp(uint8_t* packet, int* length) { return srtp_unprotect(session_, packet, length); }
  srtp_err_status_t protectRtcp(uint8_t* packet, int* length) { return srtp_protect_rtcp(session_, packet, length); }
  srtp_err_status_t unprotectRtcp(uint8_t* packet, int* length) {
    return srtp_unprotect_rtcp(session_, packet, length);
  }

  const SrtpSuite& suite() const { return suite_; }
  SrtpDirection direction() const { return direction_; }

  /** Sessions alive in the process (leak checks). */
  static int64_t liveCount() { return live_.load(std::memory_order_relaxed); }

 private:
  const SrtpSuite& suite_;
  SrtpDirection direction_;
  srtp_t session_ = nullptr;
  static std::atomic<int64_t> live_;
};

/** "2.5.0", from the linked library. */
std::string libsrtpVersion();

}  // namespace b2bua
