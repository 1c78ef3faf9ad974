#include "secure/dtls_identity.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>

namespace b2bua {
namespace {

constexpr long kValiditySeconds = 365L * 24 * 3600;
// Every profile RFC 5764/7714 defines that libsrtp runs; OpenSSL as server picks its first common one.
constexpr const char* kSrtpProfiles =
    "SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32";

[[noreturn]] void fail(const std::string& what) {
  unsigned long code = ERR_get_error();
  char reason[256] = "";
  if (code) ERR_error_string_n(code, reason, sizeof(reason));
  ERR_clear_error();
  throw DtlsError(what + (code ? std::string(": ") + reason : std::string()));
}

struct Pair {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  ~Pair() {
    EVP_PKEY_free(key);
    X509_free(certificate);
  }
};

void generate(Pair& pair) {
  pair.key = EVP_EC_gen("P-256");
  if (!pair.key) fail("EC key generation");
  pair.certificate = X509_new();
  X509* x = pair.certificate;
  unsigned char serial[8];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* number = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x));
  BN_free(number);
  X509_set_version(x, 2);
  X509_gmtime_adj(X509_getm_notBefore(x), -24 * 3600);  // tolerate peers with a slow clock
  X509_gmtime_adj(X509_getm_notAfter(x), kValiditySeconds);
  X509_set_pubkey(x, pair.key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("b2bua"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  if (!X509_sign(x, pair.key, EVP_sha256())) fail("certificate signature");
}

/** Reads key and certificate; false when missing, unreadable or expired (then it is replaced). */
bool load(const std::string& path, Pair& pair) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return false;
  pair.key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  pair.certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  ERR_clear_error();
  return pair.key && pair.certificate && X509_check_private_key(pair.certificate, pair.key) == 1 &&
         X509_cmp_current_time(X509_get0_notAfter(pair.certificate)) > 0;
}

void store(const std::string& path, const Pair& pair) {
  std::string temporary = path + ".tmp";
  mode_t previous = umask(077);  // a private key
  FILE* file = std::fopen(temporary.c_str(), "w");
  umask(previous);
  if (!file) throw DtlsError("cannot write " + temporary);
  bool ok = PEM_write_PrivateKey(file, pair.key, nullptr, nullptr, 0, nullptr, nullptr) &&
            PEM_write_X509(file, pair.certificate);
  ok = (std::fclose(file) == 0) && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw DtlsError("cannot write " + path);
  }
}

// Self-signed peers: the SDP fingerprint, checked after the handshake, is the authentication.
int acceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

std::string sha256Fingerprint(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  X509_digest(certificate, EVP_sha256(), digest, &length);
  static const char hex[] = "0123456789ABCDEF";
  std::string text;
  for (unsigned int i = 0; i < length; i++) {
    if (i) text += ':';
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 15];
  }
  return text;
}

DtlsIdentity::DtlsIdentity(const std::string& directory) {
  Pair pair;
  if (directory.empty()) {
    generate(pair);
  } else {
    std::string path = directory + "/" + kFileName;
    if (!load(path, pair)) {
      EVP_PKEY_free(pair.key);
      X509_free(pair.certificate);
      pair = {};
      generate(pair);
      store(path, pair);
    }
  }
  context_ = SSL_CTX_new(DTLS_method());
  if (!context_) fail("SSL_CTX_new");
  SSL_CTX_set_min_proto_version(context_, DTLS1_2_VERSION);
  if (SSL_CTX_use_certificate(context_, pair.certificate) != 1 || SSL_CTX_use_PrivateKey(context_, pair.key) != 1 ||
      SSL_CTX_check_private_key(context_) != 1) {
    SSL_CTX_free(context_);
    fail("DTLS certificate");
  }
  SSL_CTX_set_verify(context_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, acceptAnyCertificate);
  if (SSL_CTX_set_tlsext_use_srtp(context_, kSrtpProfiles) != 0) {  // 0 means success here
    SSL_CTX_free(context_);
    fail("DTLS-SRTP profiles");
  }
  SSL_CTX_set_read_ahead(context_, 1);
  fingerprint_ = sha256Fingerprint(pair.certificate);
}

DtlsIdentity::~DtlsIdentity() { SSL_CTX_free(context_); }

}  // namespace b2bua
