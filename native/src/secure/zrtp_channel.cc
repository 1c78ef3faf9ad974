#include "secure/zrtp_channel.h"

#include <algorithm>
#include <cstring>

namespace b2bua {
namespace {

const SrtpSuite* suiteOf(const bzrtpSrtpSecrets_t& secrets) {
  const bool aes256 = secrets.cipherAlgo == ZRTP_CIPHER_AES3;
  const bool tag32 = secrets.authTagAlgo == ZRTP_AUTHTAG_HS32;
  if (secrets.cipherAlgo != ZRTP_CIPHER_AES1 && !aes256) return nullptr;
  if (secrets.authTagAlgo != ZRTP_AUTHTAG_HS80 && !tag32) return nullptr;
  return findSrtpSuite(aes256 ? (tag32 ? "AES_256_CM_HMAC_SHA1_32" : "AES_256_CM_HMAC_SHA1_80")
                              : (tag32 ? "AES_CM_128_HMAC_SHA1_32" : "AES_CM_128_HMAC_SHA1_80"));
}

std::vector<uint8_t> keyWithSalt(const uint8_t* key, uint8_t keyLength, const uint8_t* salt, uint8_t saltLength) {
  std::vector<uint8_t> out(key, key + keyLength);
  out.insert(out.end(), salt, salt + saltLength);
  return out;
}

}  // namespace

ZrtpChannel::ZrtpChannel(uint32_t selfSsrc, const std::vector<uint8_t>& keyAgreements)
    : session_(std::make_shared<ZrtpSession>()), ssrc_(selfSsrc) {
  context_ = session_->context = bzrtp_createBzrtpContext();
  if (!context_) throw ZrtpError("bzrtp_createBzrtpContext failed");
  bzrtpCallbacks_t callbacks{};
  callbacks.bzrtp_sendData = &ZrtpChannel::onSend;
  callbacks.bzrtp_srtpSecretsAvailable = &ZrtpChannel::onSecrets;
  callbacks.bzrtp_startSrtpSession = &ZrtpChannel::onSecure;
  bzrtp_setCallbacks(context_, &callbacks);
  // Only what libsrtp runs (Twofish and Skein tags would be unusable).
  uint8_t ciphers[7] = {ZRTP_CIPHER_AES1, ZRTP_CIPHER_AES3};
  uint8_t tags[7] = {ZRTP_AUTHTAG_HS80, ZRTP_AUTHTAG_HS32};
  bzrtp_setSupportedCryptoTypes(context_, ZRTP_CIPHERBLOCK_TYPE, ciphers, 2);
  bzrtp_setSupportedCryptoTypes(context_, ZRTP_AUTHTAG_TYPE, tags, 2);
  if (!keyAgreements.empty()) {
    uint8_t agreements[7] = {0};
    size_t count = std::min<size_t>(keyAgreements.size(), 7);
    std::copy_n(keyAgreements.begin(), count, agreements);
    bzrtp_setSupportedCryptoTypes(context_, ZRTP_KEYAGREEMENT_TYPE, agreements, uint8_t(count));
  }
  if (bzrtp_initBzrtpContext(context_, ssrc_) != 0) {
    bzrtp_destroyBzrtpContext(context_, ssrc_);
    throw ZrtpError("bzrtp_initBzrtpContext failed");
  }
  bind();
}

ZrtpChannel::ZrtpChannel(std::shared_ptr<ZrtpSession> session, uint32_t selfSsrc)
    : session_(std::move(session)), context_(session_->context), first_(false), ssrc_(selfSsrc) {
  if (bzrtp_addChannel(context_, ssrc_) != 0) throw ZrtpError("bzrtp_addChannel failed");
  bind();
}

void ZrtpChannel::bind() {
  uint8_t hash[128] = {0};
  if (bzrtp_setClientData(context_, ssrc_, this) != 0 || bzrtp_getSelfHelloHash(context_, ssrc_, hash, sizeof(hash)) != 0) {
    bzrtp_destroyBzrtpContext(context_, ssrc_);
    throw ZrtpError("bzrtp channel set-up failed");
  }
  helloHash_ = reinterpret_cast<const char*>(hash);
}

ZrtpChannel::~ZrtpChannel() {
  bzrtp_destroyBzrtpContext(context_, ssrc_);  // frees the context with its last channel
  std::fill(sendKey_.begin(), sendKey_.end(), 0);
  std::fill(receiveKey_.begin(), receiveKey_.end(), 0);
}

void ZrtpChannel::setPeerHelloHash(const std::string& value) {
  if (value.empty()) return;
  std::vector<uint8_t> text(value.begin(), value.end());
  checkStatus(bzrtp_setPeerHelloHash(context_, ssrc_, text.data(), text.size()));
}

void ZrtpChannel::start(uint64_t nowMs) {
  // bzrtp accepts a multistream channel only once the session's first channel is secure.
  if (!first_ && !session_->firstSecure) {
    waitingForFirst_ = true;
    return;
  }
  startEngine(nowMs);
}

void ZrtpChannel::startEngine(uint64_t nowMs) {
  waitingForFirst_ = false;
  checkStatus(bzrtp_startChannelEngine(context_, ssrc_));
  bzrtp_iterate(context_, ssrc_, nowMs);
}

void ZrtpChannel::receive(uint8_t* data, size_t length) {
  // A multistream channel not started yet: the peer retransmits what it sends meanwhile.
  if (state_ == ZrtpState::Failed || waitingForFirst_ || length > 0xffff) return;
  checkStatus(bzrtp_processMessage(context_, ssrc_, data, uint16_t(length)));
}

void ZrtpChannel::onTimer(uint64_t nowMs) {
  if (state_ != ZrtpState::Handshaking) return;
  if (waitingForFirst_) {
    if (session_->firstSecure) startEngine(nowMs);
    return;
  }
  bzrtp_iterate(context_, ssrc_, nowMs);
}

void ZrtpChannel::checkStatus(int result) {
  if (result == BZRTP_ERROR_HELLOHASH_MISMATCH) {
    state_ = ZrtpState::Failed;
    failure_ = "zrtp-hash mismatch";
  } else if (state_ == ZrtpState::Handshaking && bzrtp_getChannelStatus(context_, ssrc_) == BZRTP_CHANNEL_ERROR) {
    state_ = ZrtpState::Failed;
    failure_ = "protocol error";
  }
}

const SrtpSuite* ZrtpChannel::takeKeys(std::vector<uint8_t>& sendKey, std::vector<uint8_t>& receiveKey) {
  keysTaken_ = true;
  sendKey = sendKey_;
  receiveKey = receiveKey_;
  return suite_;
}

// The callbacks run inside bzrtp: nothing may throw through it.
int ZrtpChannel::onSend(void* self, const uint8_t* packet, uint16_t length) {
  return static_cast<ZrtpChannel*>(self)->outbox.push(packet, length) ? 0 : -1;
}

int ZrtpChannel::onSecrets(void* self, const bzrtpSrtpSecrets_t* secrets, uint8_t part) {
  auto* channel = static_cast<ZrtpChannel*>(self);
  try {
    const SrtpSuite* suite = suiteOf(*secrets);
    if (!suite) return -1;
    channel->suite_ = suite;
    // Copies: bzrtp wipes its buffers later.
    if (part & ZRTP_SRTP_SECRETS_FOR_SENDER) {
      channel->sendKey_ = keyWithSalt(secrets->selfSrtpKey, secrets->selfSrtpKeyLength, secrets->selfSrtpSalt,
                                      secrets->selfSrtpSaltLength);
      channel->haveSend_ = true;
    }
    if (part & ZRTP_SRTP_SECRETS_FOR_RECEIVER) {
      channel->receiveKey_ = keyWithSalt(secrets->peerSrtpKey, secrets->peerSrtpKeyLength, secrets->peerSrtpSalt,
                                         secrets->peerSrtpSaltLength);
      channel->haveReceive_ = true;
    }
    channel->keysTaken_ = false;
    return 0;
  } catch (...) {
    return -1;
  }
}

int ZrtpChannel::onSecure(void* self, const bzrtpSrtpSecrets_t* secrets, int32_t) {
  auto* channel = static_cast<ZrtpChannel*>(self);
  try {
    channel->state_ = ZrtpState::Secure;
    if (channel->first_) {
      channel->session_->sas = secrets->sas ? secrets->sas : "";
      channel->session_->firstSecure = true;
    }
    channel->sas_ = channel->session_->sas;
    return 0;
  } catch (...) {
    return -1;
  }
}

}  // namespace b2bua
