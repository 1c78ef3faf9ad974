// Handshake cost per core: the engine's DTLS-SRTP (DtlsSession: custom datagram BIO, fingerprint
// and profile checks, key export) beside a bare OpenSSL DTLS 1.2 loop over memory BIOs with the same
// certificate type and profiles, and ZRTP (bzrtp through ZrtpChannel) with DH3k and X25519. Both
// ends of each handshake run in this one thread. Prints one JSON line per case for bench/handshake.ts.
// usage: handshake_bench [seconds-per-case=2] (five interleaved rounds; median and best)
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "secure/dtls_identity.h"
#include "secure/handshake_pair.h"

using namespace b2bua;
using Clock = std::chrono::steady_clock;

namespace {

/** Runs `once` until `seconds` have passed; returns completed handshakes per second. */
double rate(double seconds, const std::function<bool()>& once) {
  auto start = Clock::now();
  long done = 0;
  double elapsed = 0;
  while (elapsed < seconds) {
    if (!once()) {
      std::fprintf(stderr, "handshake failed\n");
      std::exit(1);
    }
    done++;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return double(done) / elapsed;
}

// The bare loop: two SSL objects, memory BIOs both ways, whole buffers moved between them.
bool bareHandshake(SSL_CTX* context) {
  SSL* client = SSL_new(context);
  SSL* server = SSL_new(context);
  BIO* clientIn = BIO_new(BIO_s_mem());
  BIO* clientOut = BIO_new(BIO_s_mem());
  BIO* serverIn = BIO_new(BIO_s_mem());
  BIO* serverOut = BIO_new(BIO_s_mem());
  for (BIO* bio : {clientIn, serverIn}) BIO_set_mem_eof_return(bio, -1);
  SSL_set_bio(client, clientIn, clientOut);
  SSL_set_bio(server, serverIn, serverOut);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  char buffer[16384];
  bool clientDone = false, serverDone = false;
  for (int round = 0; round < 32 && !(clientDone && serverDone); round++) {
    clientDone = SSL_do_handshake(client) == 1;
    for (int n; (n = BIO_read(clientOut, buffer, sizeof(buffer))) > 0;) BIO_write(serverIn, buffer, n);
    serverDone = SSL_do_handshake(server) == 1;
    for (int n; (n = BIO_read(serverOut, buffer, sizeof(buffer))) > 0;) BIO_write(clientIn, buffer, n);
  }
  bool ok = clientDone && serverDone && SSL_get_selected_srtp_profile(client) != nullptr;
  SSL_free(client);
  SSL_free(server);
  return ok;
}

SSL_CTX* bareContext() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 3600);
  X509_set_pubkey(certificate, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(certificate), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("bare"), -1, -1, 0);
  X509_set_issuer_name(certificate, X509_get_subject_name(certificate));
  X509_sign(certificate, key, EVP_sha256());
  SSL_CTX* context = SSL_CTX_new(DTLS_method());
  SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION);
  SSL_CTX_use_certificate(context, certificate);
  SSL_CTX_use_PrivateKey(context, key);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, [](int, X509_STORE_CTX*) { return 1; });
  SSL_CTX_set_tlsext_use_srtp(context, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80");
  X509_free(certificate);
  EVP_PKEY_free(key);
  return context;
}

void print(const char* name, std::vector<double> rates) {
  std::sort(rates.begin(), rates.end());
  std::printf("{\"case\":\"%s\",\"median\":%.1f,\"best\":%.1f}\n", name, rates[rates.size() / 2], rates.back());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  constexpr int kRounds = 5;  // cases interleaved round by round: the machine's noise hits them alike
  SSL_CTX* bare = bareContext();
  DtlsIdentity identity("");
  struct Case {
    const char* name;
    std::function<bool()> once;
    std::vector<double> rates;
  };
  auto zrtp = [](uint8_t agreement) {
    return [agreement] {
      ZrtpChannel a(1, {agreement}), b(2, {agreement});
      return pumpZrtp(a, b) && a.state() == ZrtpState::Secure && b.state() == ZrtpState::Secure;
    };
  };
  std::vector<Case> cases = {
      {"dtls-bare-openssl", [bare] { return bareHandshake(bare); }, {}},
      {"dtls-engine",
       [&identity] {
         DtlsSession client(identity.context(), DtlsRole::Client, identity.fingerprint());
         DtlsSession server(identity.context(), DtlsRole::Server, identity.fingerprint());
         return pumpDtls(client, server) && client.state() == DtlsState::Connected &&
                server.state() == DtlsState::Connected;
       },
       {}},
      {"zrtp-dh3k", zrtp(ZRTP_KEYAGREEMENT_DH3k), {}},
      {"zrtp-x25519", zrtp(ZRTP_KEYAGREEMENT_X255), {}},
  };
  for (int round = 0; round < kRounds; round++) {
    for (Case& c : cases) c.rates.push_back(rate(seconds / kRounds, c.once));
  }
  for (Case& c : cases) print(c.name, c.rates);
  SSL_CTX_free(bare);
  return 0;
}
