// One DTLS-SRTP handshake (RFC 5763/5764) on a leg's RTP port: memory read side, one datagram per
// record on the write side (into an Outbox), OpenSSL's retransmission timer, then the checks
// OpenSSL does not make (the SDP fingerprint, a negotiated SRTP profile) and the exported keys.
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/suites.h"
#include "secure/outbox.h"

namespace b2bua {

enum class DtlsRole : uint8_t { Client, Server };  // a=setup:active = client, passive = server

enum class DtlsState : uint8_t { Handshaking, Connected, Failed };

class DtlsSession {
 public:
  /** `expectedFingerprint`: the peer's `a=fingerprint:sha-256` value. Throws DtlsError. */
  DtlsSession(SSL_CTX* context, DtlsRole role, std::string expectedFingerprint);
  ~DtlsSession();
  DtlsSession(const DtlsSession&) = delete;
  DtlsSession& operator=(const DtlsSession&) = delete;

  /** The client sends its ClientHello; the server waits. */
  void start();
  /** One received DTLS datagram (after the handshake: retransmitted flights, alerts). */
  void receive(const uint8_t* data, size_t length);
  /** Retransmits when OpenSSL's timer expired. */
  void onTimer();
  /** Gives up (the worker's handshake deadline). */
  void abandon(std::string reason) { fail(std::move(reason)); }

  /** Fingerprints compare in upper case (SDP hex may come in either). */
  static std::string normalizedFingerprint(std::string text);

  DtlsRole role() const { return role_; }
  DtlsState state() const { return state_; }
  const std::string& expectedFingerprint() const { return expectedFingerprint_; }
  const std::string& failure() const { return failure_; }
  /** Connected: the suite and keys (key || salt) for what we send and what we receive. */
  const SrtpSuite* suite() const { return suite_; }
  const std::vector<uint8_t>& sendKey() const { return sendKey_; }
  const std::vector<uint8_t>& receiveKey() const { return receiveKey_; }
  const char* profileName() const { return profile_; }

  Outbox outbox;

 private:
  void drive();
  void finish();
  void fail(std::string reason);

  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;  // owned by ssl_
  DtlsRole role_;
  DtlsState state_ = DtlsState::Handshaking;
  std::string expectedFingerprint_;
  std::string failure_;
  const SrtpSuite* suite_ = nullptr;
  const char* profile_ = "";
  std::vector<uint8_t> sendKey_;
  std::vector<uint8_t> receiveKey_;
};

}  // namespace b2bua
