// Minimal RTP/RTCP header checks and field reads (RFC 3550 §5.1, §6.4), on bytes in network order.
#pragma once
#include <cstddef>
#include <cstdint>

namespace b2bua {

constexpr size_t kRtpFixedHeader = 12;
constexpr size_t kRtcpMinimum = 8;

inline uint16_t read16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t read32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

/** Version 2, and the header (CSRCs and extension) fits in `length` with at least `trailer` more bytes. */
inline bool isValidRtp(const uint8_t* p, size_t length, size_t trailer) {
  if (length < kRtpFixedHeader + trailer || (p[0] >> 6) != 2) return false;
  size_t header = kRtpFixedHeader + 4 * size_t(p[0] & 0x0f);
  if (p[0] & 0x10) {  // extension: 4-byte header then `length` 32-bit words
    if (length < header + 4 + trailer) return false;
    header += 4 + 4 * size_t(read16(p + header + 2));
  }
  return length >= header + trailer;
}

/** Version 2 and at least the 8-byte sender/receiver header plus `trailer` bytes (SRTCP index + tag). */
inline bool isValidRtcp(const uint8_t* p, size_t length, size_t trailer) {
  return length >= kRtcpMinimum + trailer && (p[0] >> 6) == 2;
}

struct RtpFields {
  uint16_t sequence;
  uint32_t timestamp;
  uint32_t ssrc;
};

inline RtpFields rtpFields(const uint8_t* p) { return {read16(p + 2), read32(p + 4), read32(p + 8)}; }

}  // namespace b2bua
