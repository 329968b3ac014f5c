// Writing JSON text straight into a string, in the exact bytes nlohmann's compact dump() gives:
// the answer encoder's hot path, where building a json tree (or dumping one through nlohmann's
// serializer) cost more than the decision itself.
#pragma once

#include <string>
#include <string_view>

namespace hostadm::json_write {

// What to do with a string that is not valid UTF-8. Replace: U+FFFD, as
// dump(-1, ' ', false, error_handler_t::replace) does (user text quoted in a message). Throw:
// nlohmann's type_error 316, as dump() does (a value the patch would write: replacing bytes
// would write something else than the decision meant).
enum class InvalidUtf8 { Replace, Throw };

// Appends `s` as a JSON string.
void append_string(std::string& out, std::string_view s, InvalidUtf8 invalid);

// True when `s` is written as it is between the quotes: printable ASCII without '"' or '\\'.
bool is_plain(std::string_view s);

}  // namespace hostadm::json_write
