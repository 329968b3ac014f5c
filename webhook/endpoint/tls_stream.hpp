// A TLS client connection to an ESXi endpoint, every step bounded by a deadline: a non-blocking
// connect, the handshake, reads and writes. The peer's certificate is not verified (the caller
// pins it by thumbprint, as Forklift does); its SHA-1 thumbprint is read after the handshake.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "webhook/core/clock.hpp"
#include "webhook/endpoint/result.hpp"
#include "webhook/endpoint/target.hpp"

typedef struct ssl_st SSL;

namespace hostadm::endpoint {

enum class Io { Ok, Closed, Timeout, Error };

struct IoResult {
  Io status = Io::Ok;
  std::string error;  // for Error: the socket or TLS error
};

class TlsStream {
 public:
  TlsStream(int fd, SSL* ssl, std::string thumbprint);
  ~TlsStream();  // sends close_notify if it can without waiting, then closes
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  IoResult write_all(std::string_view bytes, Deadline deadline);
  // Appends what arrives, at most `max` bytes, to `out`; Closed at the end of the stream.
  IoResult read_some(std::string& out, size_t max, Deadline deadline);

  const std::string& thumbprint() const { return thumbprint_; }

 private:
  int fd_;
  SSL* ssl_;
  std::string thumbprint_;
};

struct Dial {
  // ReachOk (then `stream` is set), Refused, Timeout, TlsError or Unreachable.
  Outcome outcome = Outcome::Unreachable;
  std::string message;  // what failed, naming target.shown
  std::unique_ptr<TlsStream> stream;
};

// TCP to each resolved address in turn, then TLS with the first that accepts, by `deadline`.
// `progress` (optional) moves to Handshake once TCP is up.
Dial dial(const Target& target, Deadline deadline, Progress* progress = nullptr);

// "1s", "250ms", "1.5s": how long a budget was, for messages.
std::string shown_duration(SteadyClock::duration d);

}  // namespace hostadm::endpoint
