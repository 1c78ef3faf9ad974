// A non-blocking UDP socket bound to a local address; closes itself.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include "net/endpoint.h"

namespace b2bua {

class SocketError : public std::runtime_error {
 public:
  SocketError(const std::string& what, int error) : std::runtime_error(what), error_(error) {}
  int error() const { return error_; }

 private:
  int error_;
};

class UdpSocket {
 public:
  UdpSocket() = default;
  ~UdpSocket() { close(); }
  UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  /** Binds `local` (port 0 = kernel's choice). Throws SocketError; error() == EADDRINUSE when taken. */
  static UdpSocket bind(const Endpoint& local);

  int fd() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  uint16_t localPort() const;
  /** Drops every datagram waiting in the receive queue. */
  void discardPending() const;
  void close();

 private:
  explicit UdpSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace b2bua
