#include "webhook/endpoint/target.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "webhook/core/address.hpp"
#include "webhook/core/text.hpp"

namespace hostadm::endpoint {

namespace {

std::string with_port(const std::string& host_part, int port) {
  return host_part + ":" + std::to_string(port);
}

}  // namespace

bool parse_target(std::string_view address, int port, Target& out, std::string& error) {
  const std::string text(address);
  const std::string shown = "'" + text::shown_in_message(text) + "'";
  if (port <= 0 || port > 65535) {
    error = "port " + std::to_string(port) + " is not a TCP port (1-65535)";
    return false;
  }
  out = Target{};
  out.port = port;
  std::string host_part;  // as it appears in a URL
  if (const std::string inner = unbracketed(text); inner != text) {
    out.host = inner;
    host_part = text;
  } else if (is_ip_literal(text) && text.find(':') == std::string::npos) {
    out.host = text;
    host_part = text;
  } else if (is_ip_literal(text)) {
    error = "address " + shown + " is a bare IPv6 address; write it in brackets: '[" +
            text::shown_in_message(text) + "]'";
    return false;
  } else if (is_dns_name(text)) {
    out.host = text;
    out.is_name = true;
    host_part = text;
  } else {
    error = "address " + shown +
            " is not an IPv4 address, a bracketed IPv6 address or a DNS name, so it cannot be "
            "dialled";
    return false;
  }
  out.shown = with_port(host_part, port);
  out.authority = port == 443 ? host_part : out.shown;
  return true;
}

namespace {

constexpr int kMaxLookups = 16;
std::atomic<int> lookups_running{0};

// One getaddrinfo call, shared by the thread that makes it and the caller that may stop waiting.
struct Lookup {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = 0;
  addrinfo* list = nullptr;
  ~Lookup() {
    if (list) freeaddrinfo(list);
  }
};

bool literal_address(const Target& target, SocketAddress& out) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (inet_pton(AF_INET, target.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(target.port));
    out.size = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET6, target.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(target.port));
    out.size = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

void copy_addresses(const addrinfo* list, Resolved& out) {
  for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    SocketAddress a;
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.size = ai->ai_addrlen;
    out.addresses.push_back(a);
  }
}

}  // namespace

Resolved resolve(const Target& target, Deadline deadline) {
  Resolved out;
  if (!target.is_name) {
    SocketAddress a;
    if (literal_address(target, a))
      out.addresses.push_back(a);
    else
      out.error = "'" + target.host + "' is not an IP address";
    return out;
  }
  if (lookups_running.fetch_add(1) >= kMaxLookups) {
    lookups_running.fetch_sub(1);
    out.error = "cannot resolve '" + target.host + "': " + std::to_string(kMaxLookups) +
                " DNS lookups are already waiting for an answer";
    return out;
  }
  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread([lookup, host = target.host, port = std::to_string(target.port)] {
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* list = nullptr;
      const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &list);
      {
        std::lock_guard<std::mutex> lk(lookup->mu);
        lookup->rc = rc;
        lookup->list = list;
        lookup->done = true;
      }
      lookup->cv.notify_all();
      lookups_running.fetch_sub(1);
    }).detach();
  } catch (const std::system_error& e) {
    lookups_running.fetch_sub(1);
    out.error = "cannot resolve '" + target.host + "': no thread for the lookup (" + e.what() + ")";
    return out;
  }
  std::unique_lock<std::mutex> lk(lookup->mu);
  if (!lookup->cv.wait_until(lk, deadline, [&] { return lookup->done; })) {
    out.timed_out = true;
    out.error = "no DNS answer for '" + target.host + "' in time";
    return out;
  }
  if (lookup->rc != 0) {
    out.error = "cannot resolve '" + target.host + "': " + gai_strerror(lookup->rc);
    return out;
  }
  copy_addresses(lookup->list, out);
  if (out.addresses.empty()) out.error = "'" + target.host + "' resolves to no address";
  return out;
}

}  // namespace hostadm::endpoint
