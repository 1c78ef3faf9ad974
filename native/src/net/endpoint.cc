#include "net/endpoint.h"

#include <arpa/inet.h>

#include <cstring>

namespace b2bua {

Endpoint Endpoint::parse(const std::string& address, uint16_t port) {
  Endpoint endpoint;
  auto* v4 = &endpoint.storage_.v4;
  auto* v6 = &endpoint.storage_.v6;
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    endpoint.length_ = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    endpoint.length_ = sizeof(sockaddr_in6);
  } else {
    throw AddressError("not a numeric IPv4 or IPv6 address: " + address);
  }
  return endpoint;
}

Endpoint Endpoint::fromSockaddr(const sockaddr_storage& storage, socklen_t length) {
  Endpoint endpoint;
  if (length > sizeof(Storage)) length = sizeof(Storage);  // only AF_INET/AF_INET6 reach here
  std::memcpy(&endpoint.storage_, &storage, length);
  endpoint.length_ = length;
  return endpoint;
}

uint16_t Endpoint::port() const {
  if (family() == AF_INET) return ntohs(storage_.v4.sin_port);
  if (family() == AF_INET6) return ntohs(storage_.v6.sin6_port);
  return 0;
}

std::string Endpoint::address() const {
  char text[INET6_ADDRSTRLEN] = "";
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &storage_.v4.sin_addr, text, sizeof(text));
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &storage_.v6.sin6_addr, text, sizeof(text));
  }
  return text;
}

Endpoint Endpoint::withPort(uint16_t port) const {
  Endpoint copy = *this;
  if (family() == AF_INET) copy.storage_.v4.sin_port = htons(port);
  if (family() == AF_INET6) copy.storage_.v6.sin6_port = htons(port);
  return copy;
}

bool Endpoint::sameAs(const sockaddr_storage& other) const {
  return sameAs(*reinterpret_cast<const Storage*>(&other));
}

bool Endpoint::operator==(const Endpoint& other) const { return valid() && sameAs(other.storage_); }

bool Endpoint::sameAs(const Storage& other) const {
  if (other.any.sa_family != family()) return false;
  if (family() == AF_INET) {
    return storage_.v4.sin_port == other.v4.sin_port && storage_.v4.sin_addr.s_addr == other.v4.sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    return storage_.v6.sin6_port == other.v6.sin6_port &&
           std::memcmp(&storage_.v6.sin6_addr, &other.v6.sin6_addr, sizeof(in6_addr)) == 0;
  }
  return false;
}

}  // namespace b2bua
