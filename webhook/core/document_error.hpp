// A document the user wrote (an inventory fixture, a policy) is wrong at one place. The core
// names the place as a JSON pointer; the file loader turns it into file:line with the YAML
// reader's line map, so every such error reads the same way whatever the document.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace hostadm {

struct DocumentError : std::runtime_error {
  std::string pointer;  // JSON pointer of the offending key, e.g. /cache/ttl
  DocumentError(std::string ptr, const std::string& what)
      : std::runtime_error(what), pointer(std::move(ptr)) {}
};

}  // namespace hostadm
