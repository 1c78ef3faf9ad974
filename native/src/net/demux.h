// What a datagram on a media port is, from its first bytes (RFC 7983 §7, RFC 5761 §4).
#pragma once
#include <cstddef>
#include <cstdint>

namespace b2bua {

enum class PacketClass : uint8_t { Stun, Zrtp, Dtls, Rtp, Rtcp, Unknown };

inline PacketClass classifyPacket(const uint8_t* data, size_t length) {
  if (length == 0) return PacketClass::Unknown;
  uint8_t first = data[0];
  if (first <= 3) return PacketClass::Stun;
  if (first >= 16 && first <= 19) return PacketClass::Zrtp;
  if (first >= 20 && first <= 63) return PacketClass::Dtls;
  if (first >= 128 && first <= 191) {
    if (length < 2) return PacketClass::Unknown;
    // RTCP packet types 192-223 (RFC 5761 §4): RTP payload types there would be ambiguous.
    uint8_t type = data[1];
    return (type >= 192 && type <= 223) ? PacketClass::Rtcp : PacketClass::Rtp;
  }
  return PacketClass::Unknown;
}

}  // namespace b2bua
