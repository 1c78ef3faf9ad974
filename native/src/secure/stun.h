// ICE-lite's side of connectivity checks (RFC 8445 §2.5, RFC 5389): check a Binding request's
// short-term credentials and answer it with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT.
#pragma once
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace b2bua {

struct IceCredentials {
  std::string localUfrag;  // ours, from our SDP
  std::string localPwd;
  bool enabled() const { return !localUfrag.empty(); }
};

enum class StunVerdict : uint8_t {
  Answered,      // a valid Binding request: `response` holds the success response
  Rejected,      // a Binding request with wrong or missing credentials: not answered
  NotARequest,   // a response, an indication or another method: ignored
};

struct StunCheck {
  StunVerdict verdict = StunVerdict::NotARequest;
  bool useCandidate = false;
};

/** Checks a Binding request from `source` against our credentials and builds the response. */
StunCheck answerBindingRequest(const uint8_t* request, size_t length, const IceCredentials& credentials,
                               const sockaddr_storage& source, std::vector<uint8_t>& response);

/** CRC-32 (ISO 3309, as in FINGERPRINT). */
uint32_t crc32(const uint8_t* data, size_t length);

}  // namespace b2bua
