// ZRTP (RFC 6189) for one leg's stream, on bzrtp: a context per leg (cache-less, as Flexisip's
// `:memory:` cache holds nothing across calls), its messages through an Outbox, and the SRTP
// secrets copied out of bzrtp as they arrive. Created on the JS thread (our a=zrtp-hash goes into
// SDP before the peer answers), then driven only by the leg's worker thread.
#pragma once
#include <bzrtp/bzrtp.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/suites.h"
#include "secure/outbox.h"

namespace b2bua {

enum class ZrtpState : uint8_t { Handshaking, Secure, Failed };

/**
 * One bzrtp context: the ZRTP session of a call leg. Its first stream runs the DH exchange; the
 * others join it in multistream mode (RFC 6189 §4.4.3) once that one is secure. bzrtp frees the
 * context with its last channel.
 */
struct ZrtpSession {
  bzrtpContext_t* context = nullptr;
  bool firstSecure = false;
  std::string sas;  // computed by the first channel only; multistream channels report it too
};

class ZrtpChannel {
 public:
  /** Throws ZrtpError when bzrtp cannot start. */
  /** `keyAgreements`: ZRTP_KEYAGREEMENT_* in preference order; empty = bzrtp's defaults (X255 first). */
  explicit ZrtpChannel(uint32_t selfSsrc, const std::vector<uint8_t>& keyAgreements = {});
  /** A further stream of the same session (multistream): it starts once the first one is secure. */
  ZrtpChannel(std::shared_ptr<ZrtpSession> session, uint32_t selfSsrc);
  ~ZrtpChannel();
  ZrtpChannel(const ZrtpChannel&) = delete;
  ZrtpChannel& operator=(const ZrtpChannel&) = delete;

  /** "1.10 <64 hex>": our a=zrtp-hash value. */
  const std::string& helloHash() const { return helloHash_; }
  const std::shared_ptr<ZrtpSession>& session() const { return session_; }
  /** The session's first channel (the DH exchange), not a multistream one. */
  bool first() const { return first_; }
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
  void bind();  // callbacks, client data and our hello hash, for this channel
  void startEngine(uint64_t nowMs);

  std::shared_ptr<ZrtpSession> session_;
  bzrtpContext_t* context_ = nullptr;
  bool first_ = true;
  bool waitingForFirst_ = false;
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
