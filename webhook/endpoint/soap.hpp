// The three vSphere SOAP calls of the login check, as govmomi (and so Forklift) makes them:
// RetrieveServiceContent on the ServiceInstance (to learn the sessionManager), Login on it with a
// user name and password, Logout. Envelopes out, answers in; no I/O.
#pragma once

#include <string>
#include <string_view>

namespace hostadm::endpoint {

// The SOAPAction header: vim25 at API version 6.5, which every ESXi host since 6.5 knows
// (govmomi sends its own newest version, and hosts accept that too). The three calls are the
// same at every version.
inline constexpr std::string_view kSoapAction = "urn:vim25/6.5";

// Appends `text` to `out` as XML character data: & < > " ' as entities, CR as &#13; (a parser
// would turn a raw one into LF and change the password).
void append_xml_escaped(std::string& out, std::string_view text);
// Whether XML 1.0 can carry `text` at all: well-formed UTF-8 without control characters but TAB,
// LF and CR.
bool xml_can_carry(std::string_view text);

std::string retrieve_service_content_envelope();
// Holds the password: the caller wipes it after sending.
std::string login_envelope(std::string_view session_manager, std::string_view user,
                           std::string_view password);
std::string logout_envelope(std::string_view session_manager);

struct SoapAnswer {
  enum class Kind { Response, Fault, Unreadable };
  Kind kind = Kind::Unreadable;
  std::string element;          // Response: the Body's element ("LoginResponse")
  std::string session_manager;  // RetrieveServiceContentResponse: returnval/sessionManager
  std::string fault_code;       // Fault: faultcode
  std::string fault_string;     // Fault: faultstring
  std::string fault_type;       // Fault: the vSphere fault in detail ("InvalidLogin"), or ""
  std::string error;            // Unreadable: why
};

// Reads a SOAP 1.1 envelope. The fault type is the detail element's xsi:type ("InvalidLogin"),
// or its name without the "Fault" suffix (<InvalidLoginFault>) when it has no type.
SoapAnswer read_soap_answer(std::string_view xml);

}  // namespace hostadm::endpoint
