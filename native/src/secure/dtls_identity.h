// The process's DTLS identity (RFC 5763 §5): one ECDSA P-256 self-signed certificate, kept in the
// data directory so its fingerprint survives restarts, and the one SSL_CTX every leg shares.
#pragma once
#include <openssl/ssl.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace b2bua {

class DtlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class DtlsIdentity {
 public:
  /** `directory` empty = a fresh certificate in memory only. Throws DtlsError. */
  explicit DtlsIdentity(const std::string& directory);
  ~DtlsIdentity();
  DtlsIdentity(const DtlsIdentity&) = delete;
  DtlsIdentity& operator=(const DtlsIdentity&) = delete;

  SSL_CTX* context() const { return context_; }
  /** SHA-256 of our certificate, "AB:CD:..." (the value of `a=fingerprint:sha-256`). */
  const std::string& fingerprint() const { return fingerprint_; }

  static constexpr const char* kFileName = "dtls-identity.pem";

 private:
  SSL_CTX* context_ = nullptr;
  std::string fingerprint_;
};

/** "AB:CD:..." upper-case SHA-256 of a DER certificate. */
std::string sha256Fingerprint(X509* certificate);

}  // namespace b2bua
