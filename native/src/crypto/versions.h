// Versions of the crypto libraries linked into the addon (for `b2bua --version`).
#pragma once
#include <string>

namespace b2bua {

struct NativeVersions {
  std::string libsrtp;
  std::string libsrtpBackend;  // "openssl" (our static build) or "nss" (Debian's)
  std::string openssl;
  std::string bzrtp;
};

NativeVersions nativeVersions();

}  // namespace b2bua
