#include "secure/stun.h"

#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

namespace b2bua {
namespace {

constexpr uint32_t kMagicCookie = 0x2112A442;
constexpr uint16_t kBindingRequest = 0x0001;
constexpr uint16_t kBindingSuccess = 0x0101;
constexpr uint16_t kUsername = 0x0006;
constexpr uint16_t kMessageIntegrity = 0x0008;
constexpr uint16_t kXorMappedAddress = 0x0020;
constexpr uint16_t kUseCandidate = 0x0025;
constexpr uint16_t kFingerprint = 0x8028;
constexpr uint32_t kFingerprintXor = 0x5354554e;
constexpr size_t kHeader = 20;

uint16_t read16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t read32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void write16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void write32(uint8_t* p, uint32_t v) {
  write16(p, uint16_t(v >> 16));
  write16(p + 2, uint16_t(v));
}

void appendAttribute(std::vector<uint8_t>& message, uint16_t type, const uint8_t* value, size_t length) {
  size_t at = message.size();
  message.resize(at + 4 + ((length + 3) & ~size_t(3)), 0);
  write16(&message[at], type);
  write16(&message[at + 2], uint16_t(length));
  if (length) std::memcpy(&message[at + 4], value, length);
  write16(&message[2], uint16_t(message.size() - kHeader));
}

/** HMAC-SHA1 over the message up to an attribute at `end`, with the length field covering it (RFC 5389 §15.4). */
void integrity(uint8_t* message, size_t end, const std::string& key, uint8_t out[20]) {
  uint8_t saved[2] = {message[2], message[3]};
  write16(message + 2, uint16_t(end + 24 - kHeader));
  unsigned int length = 20;
  HMAC(EVP_sha1(), key.data(), int(key.size()), message, end, out, &length);
  message[2] = saved[0];
  message[3] = saved[1];
}

}  // namespace

uint32_t crc32(const uint8_t* data, size_t length) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < length; i++) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

StunCheck answerBindingRequest(const uint8_t* request, size_t length, const IceCredentials& credentials,
                               const sockaddr_storage& source, std::vector<uint8_t>& response) {
  StunCheck check;
  if (length < kHeader || read32(request + 4) != kMagicCookie || read16(request + 2) + kHeader != length ||
      read16(request) != kBindingRequest) {
    return check;
  }
  check.verdict = StunVerdict::Rejected;
  if (!credentials.enabled()) return check;
  // Walk the attributes: USERNAME must be "ourUfrag:theirUfrag", MESSAGE-INTEGRITY must verify.
  bool userOk = false, integrityOk = false;
  size_t at = kHeader;
  while (at + 4 <= length) {
    uint16_t type = read16(request + at), size = read16(request + at + 2);
    if (at + 4 + size > length) return check;
    const uint8_t* value = request + at + 4;
    if (type == kUsername) {
      std::string username(reinterpret_cast<const char*>(value), size);
      userOk = username.size() > credentials.localUfrag.size() &&
               username.compare(0, credentials.localUfrag.size(), credentials.localUfrag) == 0 &&
               username[credentials.localUfrag.size()] == ':';
    } else if (type == kUseCandidate) {
      check.useCandidate = true;
    } else if (type == kMessageIntegrity && size == 20) {
      uint8_t expected[20];
      std::vector<uint8_t> copy(request, request + length);
      integrity(copy.data(), at, credentials.localPwd, expected);
      integrityOk = CRYPTO_memcmp(expected, value, 20) == 0;
      break;  // only FINGERPRINT may follow
    }
    at += 4 + ((size_t(size) + 3) & ~size_t(3));
  }
  if (!userOk || !integrityOk) {
    check.useCandidate = false;
    return check;
  }

  response.assign(kHeader, 0);
  write16(&response[0], kBindingSuccess);
  std::memcpy(&response[4], request + 4, 16);  // cookie and transaction id
  uint8_t address[20] = {0};
  size_t addressLength;
  if (source.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(source);
    address[1] = 0x02;
    write16(address + 2, uint16_t(ntohs(v6.sin6_port) ^ (kMagicCookie >> 16)));
    for (int i = 0; i < 16; i++) address[4 + i] = v6.sin6_addr.s6_addr[i] ^ response[4 + i];  // cookie || txid
    addressLength = 20;
  } else {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(source);
    address[1] = 0x01;
    write16(address + 2, uint16_t(ntohs(v4.sin_port) ^ (kMagicCookie >> 16)));
    write32(address + 4, ntohl(v4.sin_addr.s_addr) ^ kMagicCookie);
    addressLength = 8;
  }
  appendAttribute(response, kXorMappedAddress, address, addressLength);
  uint8_t mac[20];
  integrity(response.data(), response.size(), credentials.localPwd, mac);
  appendAttribute(response, kMessageIntegrity, mac, sizeof(mac));
  // FINGERPRINT: CRC over everything before it, with the length already covering it (RFC 5389 §15.5).
  write16(&response[2], uint16_t(response.size() + 8 - kHeader));
  uint8_t fingerprint[4];
  write32(fingerprint, crc32(response.data(), response.size()) ^ kFingerprintXor);
  appendAttribute(response, kFingerprint, fingerprint, sizeof(fingerprint));
  check.verdict = StunVerdict::Answered;
  return check;
}

}  // namespace b2bua
