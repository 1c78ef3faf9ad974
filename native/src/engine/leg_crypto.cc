#include "engine/leg_crypto.h"

#include <cstring>

namespace b2bua {
namespace {

CryptoVerdict verdictOf(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_ok:
      return CryptoVerdict::Ok;
    case srtp_err_status_auth_fail:
      return CryptoVerdict::AuthFailure;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
      return CryptoVerdict::ReplayFailure;
    default:
      return CryptoVerdict::Invalid;
  }
}

srtp_err_status_t runUnprotect(SrtpSession& session, bool rtcp, uint8_t* packet, int* length) {
  return rtcp ? session.unprotectRtcp(packet, length) : session.unprotectRtp(packet, length);
}

}  // namespace

SrtpKeys SrtpKeys::prepare(const SrtpSuite& suite, std::vector<uint8_t> sendKey, std::vector<uint8_t> receiveKey) {
  SrtpKeys keys;
  keys.suite = &suite;
  keys.outbound = std::make_unique<SrtpSession>(suite, sendKey.data(), sendKey.size(), SrtpDirection::Outbound);
  keys.inbound = std::make_unique<SrtpSession>(suite, receiveKey.data(), receiveKey.size(), SrtpDirection::Inbound);
  keys.sendKey = std::move(sendKey);
  keys.receiveKey = std::move(receiveKey);
  return keys;
}

void LegCrypto::apply(LegMode mode, SrtpKeys keys) {
  mode_ = mode;
  if (mode == LegMode::None) {
    inbound_ = {};
    outbound_ = {};
    previousInbound_.reset();
    return;
  }
  if (!inbound_.matches(keys.suite, keys.receiveKey)) {
    previousInbound_ = std::move(inbound_.session);
    inbound_ = {std::move(keys.inbound), std::move(keys.receiveKey)};
  }
  if (!outbound_.matches(keys.suite, keys.sendKey)) {
    outbound_ = {std::move(keys.outbound), std::move(keys.sendKey)};
  }
}

CryptoVerdict LegCrypto::unprotect(bool rtcp, uint8_t* packet, int* length, uint8_t* scratch) {
  if (mode_ == LegMode::None) return CryptoVerdict::Ok;
  if (!previousInbound_) return verdictOf(runUnprotect(*inbound_.session, rtcp, packet, length));

  // Key rotation in progress. A failed attempt may have altered the buffer (AEAD decrypts in place
  // before checking the tag), so the fallback works on a copy.
  const int original = *length;
  std::memcpy(scratch, packet, size_t(original));
  CryptoVerdict verdict = verdictOf(runUnprotect(*inbound_.session, rtcp, packet, length));
  if (verdict == CryptoVerdict::Ok) {
    previousInbound_.reset();  // the peer uses the new key now
    return verdict;
  }
  std::memcpy(packet, scratch, size_t(original));
  *length = original;
  CryptoVerdict fallback = verdictOf(runUnprotect(*previousInbound_, rtcp, packet, length));
  return fallback == CryptoVerdict::Ok ? fallback : verdict;
}

CryptoVerdict LegCrypto::protect(bool rtcp, uint8_t* packet, int* length) {
  if (mode_ == LegMode::None) return CryptoVerdict::Ok;
  SrtpSession& session = *outbound_.session;
  return verdictOf(rtcp ? session.protectRtcp(packet, length) : session.protectRtp(packet, length));
}

CryptoVerdict relayCrypto(LegCrypto& in, LegCrypto& out, bool rtcp, uint8_t* packet, int* length, uint8_t* scratch) {
  CryptoVerdict verdict = in.unprotect(rtcp, packet, length, scratch);
  if (verdict != CryptoVerdict::Ok) return verdict;
  return out.protect(rtcp, packet, length);
}

}  // namespace b2bua
