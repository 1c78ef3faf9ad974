// An IPv4 or IPv6 UDP address, stored as the kernel wants it for sendmmsg/recvmmsg.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace b2bua {

class AddressError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class Endpoint {
 public:
  Endpoint() = default;
  /** Throws AddressError unless `address` is a numeric IPv4 or IPv6 address. */
  static Endpoint parse(const std::string& address, uint16_t port);
  static Endpoint fromSockaddr(const sockaddr_storage& storage, socklen_t length);

  bool valid() const { return length_ != 0; }
  int family() const { return storage_.any.sa_family; }
  uint16_t port() const;
  std::string address() const;
  const sockaddr* sockaddrPointer() const { return &storage_.any; }
  socklen_t sockaddrLength() const { return length_; }
  Endpoint withPort(uint16_t port) const;

  /** Compares family, address and port only: recvmmsg leaves other fields (flowinfo) varying. */
  bool sameAs(const sockaddr_storage& other) const;
  bool operator==(const Endpoint& other) const;

 private:
  // Not sockaddr_storage (128 bytes): each leg holds four of these, and memory per call counts.
  union Storage {
    sockaddr any;
    sockaddr_in v4;
    sockaddr_in6 v6;
  };
  bool sameAs(const Storage& other) const;

  Storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace b2bua
