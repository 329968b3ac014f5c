#include "webhook/core/simdjson_convert.hpp"

#include <string>
#include <string_view>

namespace hostadm {

namespace dom = simdjson::dom;

nlohmann::json to_nlohmann(dom::element e, bool numbers) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      nlohmann::json out = nlohmann::json::object();
      for (dom::key_value_pair field : dom::object(e))
        out[std::string(field.key)] = to_nlohmann(field.value, numbers);
      return out;
    }
    case dom::element_type::ARRAY: {
      nlohmann::json out = nlohmann::json::array();
      for (dom::element item : dom::array(e)) out.push_back(to_nlohmann(item, numbers));
      return out;
    }
    case dom::element_type::STRING:
      return std::string(std::string_view(e));
    case dom::element_type::BOOL:
      return bool(e);
    case dom::element_type::NULL_VALUE:
      return nullptr;
    case dom::element_type::INT64:
      if (!numbers) throw NumberDeclined{};
      return int64_t(e);
    case dom::element_type::UINT64:
      if (!numbers) throw NumberDeclined{};
      return uint64_t(e);
    case dom::element_type::DOUBLE:
      if (!numbers) throw NumberDeclined{};
      return double(e);
  }
  throw NumberDeclined{};  // an element type this simdjson version adds later
}

}  // namespace hostadm
