#include "net/udp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace b2bua {

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

UdpSocket UdpSocket::bind(const Endpoint& local) {
  int fd = ::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw SocketError(std::string("socket: ") + std::strerror(errno), errno);
  UdpSocket socket(fd);
  if (local.family() == AF_INET6) {
    int on = 1;  // a v6 leg never receives v4-mapped traffic: families stay what SDP said
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  }
  if (::bind(fd, local.sockaddrPointer(), local.sockaddrLength()) != 0) {
    int error = errno;
    throw SocketError("bind " + local.address() + ":" + std::to_string(local.port()) + ": " + std::strerror(error),
                      error);
  }
  return socket;
}

uint16_t UdpSocket::localPort() const {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
  return Endpoint::fromSockaddr(storage, length).port();
}

void UdpSocket::discardPending() const {
  // A zero-length read consumes a whole datagram; EAGAIN ends the queue.
  while (::recv(fd_, nullptr, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0) {
  }
}

void UdpSocket::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace b2bua
