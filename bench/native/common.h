// Pieces shared by the B2 capacity tools (load generator and bare relay): SRTP policies for the
// SDES suites, key decoding, UDP sockets, clocks and /proc CPU accounting. Benchmark code only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <srtp2/srtp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <dirent.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

struct SuiteInfo {
  const char* name;
  size_t keySaltLength;  // master key + master salt, as carried in a=crypto inline:
  void (*setRtp)(srtp_crypto_policy_t*);
  void (*setRtcp)(srtp_crypto_policy_t*);  // *_32 suites keep the 80-bit SRTCP tag
};

// libsrtp spells the 128-bit default as a macro; a function is needed for the table.
inline void setAesCm128Sha1_80(srtp_crypto_policy_t* p) { srtp_crypto_policy_set_rtp_default(p); }

inline const SuiteInfo kSuites[] = {
    {"AES_CM_128_HMAC_SHA1_80", 30, setAesCm128Sha1_80, setAesCm128Sha1_80},
    {"AES_CM_128_HMAC_SHA1_32", 30, srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32, setAesCm128Sha1_80},
    {"AES_192_CM_HMAC_SHA1_80", 38, srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80, srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80},
    {"AES_192_CM_HMAC_SHA1_32", 38, srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32, srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80},
    {"AES_256_CM_HMAC_SHA1_80", 46, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80},
    {"AES_256_CM_HMAC_SHA1_32", 46, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80},
    {"AEAD_AES_128_GCM", 28, srtp_crypto_policy_set_aes_gcm_128_16_auth, srtp_crypto_policy_set_aes_gcm_128_16_auth},
    {"AEAD_AES_256_GCM", 44, srtp_crypto_policy_set_aes_gcm_256_16_auth, srtp_crypto_policy_set_aes_gcm_256_16_auth},
};

inline const SuiteInfo& suiteByName(const std::string& name) {
  for (const auto& suite : kSuites)
    if (name == suite.name) return suite;
  throw std::runtime_error("unknown SRTP suite " + name);
}

inline void fail(const std::string& what) {
  std::fprintf(stderr, "error: %s\n", what.c_str());
  std::exit(1);
}

inline void initSrtp() {
  if (srtp_init() != srtp_err_status_ok) fail("srtp_init");
}

/** One libsrtp session for one direction: inbound (unprotect) or outbound (protect). */
inline srtp_t makeSession(const SuiteInfo& suite, const std::vector<uint8_t>& keySalt, bool inbound) {
  if (keySalt.size() != suite.keySaltLength) fail(std::string("bad key length for ") + suite.name);
  srtp_policy_t policy{};
  suite.setRtp(&policy.rtp);
  suite.setRtcp(&policy.rtcp);
  policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.key = const_cast<uint8_t*>(keySalt.data());
  policy.window_size = 1024;
  srtp_t session = nullptr;
  if (srtp_create(&session, &policy) != srtp_err_status_ok) fail("srtp_create");
  return session;
}

inline std::vector<uint8_t> base64Decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<uint8_t> out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) continue;  // '=' padding
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<uint8_t>((bits >> count) & 0xff));
    }
  }
  return out;
}

inline uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

/** A non-blocking UDP socket bound to ip:port (0 = kernel's choice), with large buffers. */
inline int bindUdp(const char* ip, uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  int size = 8 << 20;
  // FORCE variants pass rmem_max when we have CAP_NET_ADMIN; the plain ones are the fallback.
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, ip, &addr.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("bind " + std::string(ip));
  return fd;
}

inline uint16_t localPort(int fd) {
  sockaddr_in addr{};
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  return ntohs(addr.sin_port);
}

inline sockaddr_in ipv4(const char* ip, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, ip, &addr.sin_addr);
  return addr;
}

/** utime + stime in clock ticks of one /proc/<pid>[/task/<tid>]/stat file; 0 if unreadable. */
inline uint64_t statTicks(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return 0;
  char buffer[1024];
  size_t length = std::fread(buffer, 1, sizeof buffer - 1, file);
  std::fclose(file);
  buffer[length] = 0;
  const char* p = std::strrchr(buffer, ')');  // comm may contain spaces
  if (!p) return 0;
  unsigned long long utime = 0, stime = 0;
  // Fields after comm: state(3) ... utime(14) stime(15).
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return 0;
  return utime + stime;
}

inline std::string threadName(const std::string& taskDir) {
  FILE* file = std::fopen((taskDir + "/comm").c_str(), "r");
  if (!file) return "";
  char name[64] = {0};
  if (!std::fgets(name, sizeof name, file)) name[0] = 0;
  std::fclose(file);
  name[std::strcspn(name, "\n")] = 0;
  return name;
}

/** CPU ticks of a process, or only of its threads whose name starts with `threadPrefix`. */
inline uint64_t cpuTicks(int pid, const std::string& threadPrefix) {
  std::string base = "/proc/" + std::to_string(pid);
  if (threadPrefix.empty()) return statTicks(base + "/stat");
  uint64_t total = 0;
  DIR* tasks = opendir((base + "/task").c_str());
  if (!tasks) return 0;
  while (dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    std::string taskDir = base + "/task/" + entry->d_name;
    if (threadName(taskDir).rfind(threadPrefix, 0) == 0) total += statTicks(taskDir + "/stat");
  }
  closedir(tasks);
  return total;
}

/** One call of the control protocol: the relay's two ports and the four base64 key‖salt strings. */
struct CallLine {
  int portA = 0, portB = 0;
  std::string aTx, aRx, bTx, bRx;
};

/** Reads `call PORT_A PORT_B A_TX A_RX B_TX B_RX` lines from stdin until `go`. */
template <typename OnCall>
void readCallLines(OnCall&& onCall) {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream words(line);
    std::string verb;
    words >> verb;
    if (verb == "go") return;
    if (verb != "call") fail("unexpected line: " + line);
    CallLine call;
    words >> call.portA >> call.portB >> call.aTx >> call.aRx >> call.bTx >> call.bRx;
    onCall(call);
  }
}

}  // namespace bench
