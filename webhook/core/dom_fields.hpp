// Reading the members of a simdjson DOM object by name, as JSON keeps them: the last of a
// duplicate key wins (nlohmann's parser does the same, so a value reads the same whichever
// parser read it). Internal to the readers of webhook/core.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "webhook/core/json_escapes.hpp"

namespace hostadm::detail {

// The values of N keys of an object; operator[](i) is nullptr when keys[i] is absent.
template <size_t N>
struct DomFields {
  simdjson::dom::element value[N];
  bool found[N] = {};
  const simdjson::dom::element* operator[](size_t i) const {
    return found[i] ? &value[i] : nullptr;
  }
};

// Equal keys: the size and the first byte tell most apart without calling memcmp.
inline bool same_key(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         (a.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), a.size()) == 0));
}

// One pass over the object's members, whatever their number. The keys asked for hold no byte an
// escape stands for (`"`, `\`, `/`, control characters), so a key that held an escape matches
// none of them, blanked (json_escapes.hpp) or not.
template <size_t N>
DomFields<N> dom_fields(simdjson::dom::object object, const std::string_view (&keys)[N]) {
  DomFields<N> out;
  for (simdjson::dom::key_value_pair member : object) {
    for (size_t i = 0; i < N; ++i) {
      if (same_key(member.key, keys[i])) {
        out.value[i] = member.value;
        out.found[i] = true;
        break;  // the names are distinct
      }
    }
  }
  return out;
}

// Thrown by a reader of a blanked document that needs a string which held an escape: the caller
// reads the text as it is instead (review_reader.cpp).
struct BlankedString {};

// `s` as the text holds it: unless the document was blanked and `s` may read differently.
inline std::string_view unblanked(std::string_view s, bool blanked) {
  if (blanked && has_blank(s)) throw BlankedString{};
  return s;
}

// `to` = `text`, in the room `to` already has (the server reuses its request: HostObject::reset).
// assign() from a view takes libstdc++'s general replace path (about 100 instructions); clear +
// append does not.
inline void set_text(std::string& to, std::string_view text) {
  to.clear();
  to.append(text.data(), text.size());
}

inline bool is_null(const simdjson::dom::element* e) {
  return e == nullptr || e->type() == simdjson::dom::element_type::NULL_VALUE;
}

}  // namespace hostadm::detail
