// ZRTP (RFC 6189) for one leg's stream, on bzrtp: a context per leg (cache-less, as Flexisip's
// `:memory:` cache holds nothing across calls), its messages through an Outbox, and the SRTP
// secrets copied out of bzrtp as they arrive. Created on the JS thread (our a=zrtp-hash goes into
// SDP before the peer answers), then driven only by the leg's worker thread.
#pragma once
#include <bzrtp/bzrtp.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/suites.h"
#include "secure/outbox.h"

namespace b2bua {

enum class ZrtpState : uint8_t { Handshaking, Secure, Failed };

class ZrtpChannel {
 public:
  /** Throws ZrtpError when bzrtp cannot start. */
  explicit ZrtpChannel(uint32_t selfSsrc);
  ~ZrtpChannel();
  ZrtpChannel(const ZrtpChannel&) = delete;
  ZrtpChannel& operator=(const ZrtpChannel&) = delete;

  /** "1.10 <64 hex>": our a=zrtp-hash value. */
  const std::string& helloHash() const { return helloHash_; }
  /** The peer's a=zrtp-hash: its Hello must match it. */
  void setPeerHelloHash(const std::string& value);
  void start(uint64_t nowMs);
  void receive(uint8_t* data, size_t length);
  void onTimer(uint64_t nowMs);
  /** Gives up (the worker's handshake deadline). */
  void abandon(std::string reason) {
    state_ = ZrtpState::Failed;
    failure_ = std::move(reason);
  }

  ZrtpState state() const { return state_; }
  const std::string& failure() const { return failure_; }
  const std::string& sas() const { return sas_; }
  /** Both directions' secrets arrived and were not yet taken. */
  bool keysReady() const { return haveSend_ && haveReceive_ && !keysTaken_; }
  /** Suite and keys (key || salt); marks them taken. */
  const SrtpSuite* takeKeys(std::vector<uint8_t>& sendKey, std::vector<uint8_t>& receiveKey);

  Outbox outbox;

 private:
  static int onSend(void* self, const uint8_t* packet, uint16_t length);
  static int onSecrets(void* self, const bzrtpSrtpSecrets_t* secrets, uint8_t part);
  static int onSecure(void* self, const bzrtpSrtpSecrets_t* secrets, int32_t verified);
  void checkStatus(int result);

  bzrtpContext_t* context_ = nullptr;
  uint32_t ssrc_;
  std::string helloHash_;
  ZrtpState state_ = ZrtpState::Handshaking;
  std::string failure_;
  std::string sas_;
  const SrtpSuite* suite_ = nullptr;
  std::vector<uint8_t> sendKey_, receiveKey_;
  bool haveSend_ = false, haveReceive_ = false, keysTaken_ = false;
};

class ZrtpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace b2bua
