#include "secure/dtls_session.h"

#include <openssl/err.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "secure/dtls_identity.h"

namespace b2bua {
namespace {

constexpr long kMtu = 1200;

// The write side: each BIO_write is one record (or flight fragment) and becomes one datagram.
int outboxWrite(BIO* bio, const char* data, int length) {
  auto* outbox = static_cast<Outbox*>(BIO_get_data(bio));
  return outbox->push(reinterpret_cast<const uint8_t*>(data), size_t(length)) ? length : -1;
}

long outboxControl(BIO*, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
      return kMtu;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return 0;
    default:
      return 0;
  }
}

int outboxCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* outboxMethod() {
  static BIO_METHOD* method = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "b2bua-dtls-outbox");
    BIO_meth_set_write(method, outboxWrite);
    BIO_meth_set_ctrl(method, outboxControl);
    BIO_meth_set_create(method, outboxCreate);
  });
  return method;
}

struct Profile {
  const char* openssl;
  const char* suite;
};
constexpr Profile kProfiles[] = {
    {"SRTP_AES128_CM_SHA1_80", "AES_CM_128_HMAC_SHA1_80"},
    {"SRTP_AES128_CM_SHA1_32", "AES_CM_128_HMAC_SHA1_32"},
    {"SRTP_AEAD_AES_128_GCM", "AEAD_AES_128_GCM"},
    {"SRTP_AEAD_AES_256_GCM", "AEAD_AES_256_GCM"},
};

std::string openSslReason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (!code) return "connection closed";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

}  // namespace

std::string DtlsSession::normalizedFingerprint(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  return text;
}

DtlsSession::DtlsSession(SSL_CTX* context, DtlsRole role, std::string expectedFingerprint)
    : role_(role), expectedFingerprint_(normalizedFingerprint(std::move(expectedFingerprint))) {
  ssl_ = SSL_new(context);
  in_ = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(outboxMethod());
  if (!ssl_ || !in_ || !out) {
    BIO_free(in_);
    BIO_free(out);
    SSL_free(ssl_);
    throw DtlsError("cannot create a DTLS session");
  }
  BIO_set_mem_eof_return(in_, -1);  // empty = "try again", not end of stream
  BIO_set_data(out, &outbox);
  SSL_set_bio(ssl_, in_, out);
  SSL_set_options(ssl_, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(ssl_, kMtu);
  DTLS_set_link_mtu(ssl_, kMtu);
  if (role == DtlsRole::Client) SSL_set_connect_state(ssl_);
  else SSL_set_accept_state(ssl_);
}

DtlsSession::~DtlsSession() { SSL_free(ssl_); }

void DtlsSession::start() {
  if (role_ == DtlsRole::Client) drive();
}

void DtlsSession::receive(const uint8_t* data, size_t length) {
  if (state_ == DtlsState::Failed) return;
  BIO_write(in_, data, int(length));
  if (state_ == DtlsState::Handshaking) {
    drive();
    return;
  }
  // Connected: let OpenSSL answer retransmitted flights and see alerts. No application data flows.
  unsigned char sink[256];
  int read = SSL_read(ssl_, sink, sizeof(sink));
  if (read <= 0) {
    int error = SSL_get_error(ssl_, read);
    if (error == SSL_ERROR_ZERO_RETURN) fail("closed by the peer");
    else if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) fail(openSslReason());
  }
  ERR_clear_error();
}

void DtlsSession::onTimer() {
  if (state_ != DtlsState::Handshaking) return;
  timeval left{};
  if (DTLSv1_get_timeout(ssl_, &left) && left.tv_sec == 0 && left.tv_usec == 0) {
    if (DTLSv1_handle_timeout(ssl_) < 0) fail("handshake timed out");
  }
}

void DtlsSession::drive() {
  int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    finish();
    return;
  }
  int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    ERR_clear_error();
    return;
  }
  fail(openSslReason());
}

void DtlsSession::finish() {
  X509* peer = SSL_get1_peer_certificate(ssl_);
  if (!peer) return fail("no peer certificate");
  std::string actual = sha256Fingerprint(peer);
  X509_free(peer);
  if (actual != expectedFingerprint_) return fail("fingerprint mismatch");
  // OpenSSL completes a handshake without use_srtp agreement: for DTLS-SRTP that is a failure.
  SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_);
  if (!selected) return fail("no common SRTP profile");
  for (const Profile& profile : kProfiles) {
    if (std::string(selected->name) == profile.openssl) {
      suite_ = findSrtpSuite(profile.suite);
      profile_ = profile.openssl;
    }
  }
  if (!suite_) return fail(std::string("unsupported SRTP profile ") + selected->name);
  const size_t keyLength = suite_->keyLength, saltLength = suite_->saltLength;
  std::vector<uint8_t> material(2 * (keyLength + saltLength));
  static const char kLabel[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(ssl_, material.data(), material.size(), kLabel, sizeof(kLabel) - 1, nullptr, 0, 0) != 1) {
    return fail("keying material export");
  }
  // RFC 5764 §4.2: client_key | server_key | client_salt | server_salt.
  const uint8_t* clientKey = material.data();
  const uint8_t* serverKey = clientKey + keyLength;
  const uint8_t* clientSalt = serverKey + keyLength;
  const uint8_t* serverSalt = clientSalt + saltLength;
  std::vector<uint8_t> client(clientKey, clientKey + keyLength), server(serverKey, serverKey + keyLength);
  client.insert(client.end(), clientSalt, clientSalt + saltLength);
  server.insert(server.end(), serverSalt, serverSalt + saltLength);
  sendKey_ = role_ == DtlsRole::Client ? client : server;
  receiveKey_ = role_ == DtlsRole::Client ? server : client;
  std::fill(material.begin(), material.end(), 0);
  state_ = DtlsState::Connected;
}

void DtlsSession::fail(std::string reason) {
  ERR_clear_error();
  state_ = DtlsState::Failed;
  failure_ = std::move(reason);
}

}  // namespace b2bua
