#include "crypto/versions.h"

#include <openssl/crypto.h>

#include "crypto/srtp_session.h"

namespace b2bua {

NativeVersions nativeVersions() {
  NativeVersions versions;
  versions.libsrtp = libsrtpVersion();
#if defined(B2BUA_SRTP_BACKEND_OPENSSL)
  versions.libsrtpBackend = "openssl";
#else
  versions.libsrtpBackend = "nss";
#endif
  versions.openssl = OpenSSL_version(OPENSSL_VERSION_STRING);
  versions.bzrtp = B2BUA_BZRTP_VERSION;
  return versions;
}

}  // namespace b2bua
