#include "webhook/endpoint/soap.hpp"

#include "webhook/core/text.hpp"

namespace hostadm::endpoint {

namespace {

constexpr std::string_view kHead =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
    "<soapenv:Body>";
constexpr std::string_view kTail = "</soapenv:Body></soapenv:Envelope>";

void append_this(std::string& out, std::string_view type, std::string_view value) {
  out += "<_this type=\"";
  out += type;
  out += "\">";
  append_xml_escaped(out, value);
  out += "</_this>";
}

}  // namespace

void append_xml_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
}

bool xml_can_carry(std::string_view text) {
  if (!text::utf8_valid(text)) return false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f) return false;
  }
  return true;
}

std::string retrieve_service_content_envelope() {
  std::string out(kHead);
  out += "<RetrieveServiceContent xmlns=\"urn:vim25\">";
  append_this(out, "ServiceInstance", "ServiceInstance");
  out += "</RetrieveServiceContent>";
  out += kTail;
  return out;
}

std::string login_envelope(std::string_view session_manager, std::string_view user,
                           std::string_view password) {
  std::string out;
  out.reserve(kHead.size() + kTail.size() + 160 + session_manager.size() +
              6 * (user.size() + password.size()));
  out += kHead;
  out += "<Login xmlns=\"urn:vim25\">";
  append_this(out, "SessionManager", session_manager);
  out += "<userName>";
  append_xml_escaped(out, user);
  out += "</userName><password>";
  append_xml_escaped(out, password);
  out += "</password></Login>";
  out += kTail;
  return out;
}

std::string logout_envelope(std::string_view session_manager) {
  std::string out(kHead);
  out += "<Logout xmlns=\"urn:vim25\">";
  append_this(out, "SessionManager", session_manager);
  out += "</Logout>";
  out += kTail;
  return out;
}

}  // namespace hostadm::endpoint
