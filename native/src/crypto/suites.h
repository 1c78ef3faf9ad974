// The SDES crypto suites (RFC 4568, RFC 6188, RFC 7714): the one table of their parameters.
// JS reads it through the addon (`srtpSuites()`), so TypeScript never repeats it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <srtp2/srtp.h>

namespace b2bua {

struct SrtpSuite {
  const char* name;
  uint8_t keyLength;      // master key, bytes
  uint8_t saltLength;     // master salt, bytes
  uint8_t rtpTagLength;   // authentication tag appended to SRTP, bytes
  uint8_t rtcpTagLength;  // ... and to SRTCP (80-bit for the *_32 suites, RFC 4568 §6.2)
  void (*setRtpPolicy)(srtp_crypto_policy_t*);
  void (*setRtcpPolicy)(srtp_crypto_policy_t*);
};

extern const SrtpSuite kSrtpSuites[];
extern const size_t kSrtpSuiteCount;

/** nullptr when the name is not one of the eight suites. */
const SrtpSuite* findSrtpSuite(std::string_view name);

}  // namespace b2bua
