// A Host read from JSON into HostObject (host_object.hpp): the request's object and oldObject
// (review_reader.cpp), or a Host as the API stores it (one item of a list, for an audit). Every
// field the rules read is type-checked on the way; a wrong type becomes a line of
// HostObject::problems, never an exception.
#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

#include "webhook/core/host_object.hpp"

namespace hostadm {

// `value` is the object's JSON, or nullptr when the request carries none. `with_spec_json`
// fills HostObject::spec_json, which only a comparison of two objects needs. `out` is a
// default-constructed HostObject (the request's own: no copy is made).
// `kept_annotation`: the one annotation whose key and value are kept (the policy's adapter
// annotation, the only one a rule reads); nullptr keeps every one. Either way every annotation's
// type is checked. `blanked`: `value` is of a document parsed from a blanked text
// (json_escapes.hpp); a string the Host needs that held an escape throws detail::BlankedString.
void read_host_object(const simdjson::dom::element* value, bool with_spec_json, HostObject& out,
                      const std::string* kept_annotation = nullptr, bool blanked = false);

// A Host from its JSON text, spec_json included. Throws JsonTooDeep or InvalidJson
// (json_document.hpp) when the text is not JSON.
HostObject read_host_object(std::string_view json);

}  // namespace hostadm
