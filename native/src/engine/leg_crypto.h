// The SRTP state of one leg and the per-packet crypto of the relay path: unprotect with the
// receiving leg's inbound session, protect with the sending leg's outbound session, in place.
// Shared by the worker threads and the B1 benchmark tool, so both measure the same code.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "crypto/srtp_session.h"
#include "engine/media_types.h"

namespace b2bua {

enum class CryptoVerdict : uint8_t { Ok, AuthFailure, ReplayFailure, Invalid };

/**
 * New keys for a leg, with their sessions already created on the calling (JS) thread, where a
 * libsrtp error can still become a JS exception. `prepare` throws SrtpError.
 */
struct SrtpKeys {
  const SrtpSuite* suite = nullptr;
  std::vector<uint8_t> sendKey;     // key || salt for what we send to this leg's peer
  std::vector<uint8_t> receiveKey;  // key || salt for what this leg's peer sends us
  std::unique_ptr<SrtpSession> outbound;
  std::unique_ptr<SrtpSession> inbound;

  static SrtpKeys prepare(const SrtpSuite& suite, std::vector<uint8_t> sendKey, std::vector<uint8_t> receiveKey);
};

class LegCrypto {
 public:
  LegMode mode() const { return mode_; }
  /** The suite of the current inbound session; nullptr in mode None. */
  const SrtpSuite* suite() const { return mode_ == LegMode::Srtp ? &inbound_.session->suite() : nullptr; }

  /**
   * Installs the mode and keys. Sessions whose suite and key are unchanged are kept (their ROC and
   * replay state must survive a re-INVITE); a replaced inbound session stays as a fallback until
   * the new one authenticates a packet, so packets in flight under the old key still pass.
   */
  void apply(LegMode mode, SrtpKeys keys);

  /** `scratch` must hold `length` bytes: a copy for the fallback attempt during key rotation. */
  CryptoVerdict unprotect(bool rtcp, uint8_t* packet, int* length, uint8_t* scratch);
  /** The buffer needs kSrtpTrailerRoom bytes past `length`. */
  CryptoVerdict protect(bool rtcp, uint8_t* packet, int* length);

 private:
  struct Keyed {
    std::unique_ptr<SrtpSession> session;
    std::vector<uint8_t> key;
    bool matches(const SrtpSuite* suite, const std::vector<uint8_t>& other) const {
      return session && &session->suite() == suite && key == other;
    }
  };

  LegMode mode_ = LegMode::None;
  Keyed inbound_;
  Keyed outbound_;
  std::unique_ptr<SrtpSession> previousInbound_;
};

/** The relay's whole per-packet crypto: in's unprotect then out's protect. */
CryptoVerdict relayCrypto(LegCrypto& in, LegCrypto& out, bool rtcp, uint8_t* packet, int* length, uint8_t* scratch);

}  // namespace b2bua
