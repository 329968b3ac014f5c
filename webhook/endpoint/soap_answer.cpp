#include <vector>

#include "webhook/endpoint/soap.hpp"
#include "webhook/endpoint/xml_scan.hpp"

namespace hostadm::endpoint {

namespace {

// Deeper than any answer the login reads; a hostile endpoint cannot make the path grow further.
constexpr size_t kMaxDepth = 64;
// Longer texts are cut: they are shown in a message, which quotes at most 128 bytes anyway.
constexpr size_t kMaxText = 1024;

// The fault type a detail element names: its xsi:type without a prefix, else its own name
// without the "Fault" suffix the WSDL adds (<InvalidLoginFault xsi:type="InvalidLogin">).
std::string fault_type_of(const XmlEvent& start) {
  for (const auto& [name, value] : start.attributes)
    if (local_name(name) == "type") return std::string(local_name(value));
  std::string_view element = local_name(start.name);
  constexpr std::string_view kSuffix = "Fault";
  if (element.size() > kSuffix.size() && element.substr(element.size() - kSuffix.size()) == kSuffix)
    element.remove_suffix(kSuffix.size());
  return std::string(element);
}

// Where in the envelope the scanner is, as local names: Envelope, Body, then the answer.
class Reader {
 public:
  explicit Reader(SoapAnswer& out) : out_(out) {}

  bool start(const XmlEvent& e) {
    if (path_.size() >= kMaxDepth) return fail("elements nested deeper than 64");
    const std::string_view name = local_name(e.name);
    const size_t depth = path_.size();  // of the new element's parent
    if (depth == 0 && name != "Envelope") return fail("the document is not a SOAP envelope");
    if (depth == 2 && path_[1] == "Body" && out_.element.empty()) {
      out_.element = std::string(name);
      out_.kind = name == "Fault" ? SoapAnswer::Kind::Fault : SoapAnswer::Kind::Response;
    }
    if (depth == 4 && in_fault_detail() && out_.fault_type.empty())
      out_.fault_type = fault_type_of(e);
    path_.emplace_back(name);
    names_.push_back(e.name);
    return true;
  }

  bool end(const XmlEvent& e) {
    if (names_.empty() || names_.back() != e.name) return fail("mismatched end tag");
    path_.pop_back();
    names_.pop_back();
    if (path_.empty()) ended_ = true;
    return true;
  }

  void text(const std::string& t) {
    std::string* into = text_target();
    if (into && into->size() < kMaxText) into->append(t, 0, kMaxText - into->size());
  }

  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
  const std::string& error() const { return error_; }
  bool ended() const { return ended_; }

 private:
  bool under_body_element(std::string_view element) const {
    return path_.size() >= 3 && path_[1] == "Body" && path_[2] == element;
  }
  bool in_fault_detail() const {
    return path_.size() >= 4 && under_body_element("Fault") && path_[3] == "detail";
  }

  std::string* text_target() {
    if (path_.size() == 4 && under_body_element("Fault")) {
      if (path_[3] == "faultcode") return &out_.fault_code;
      if (path_[3] == "faultstring") return &out_.fault_string;
    }
    if (path_.size() == 5 && under_body_element("RetrieveServiceContentResponse") &&
        path_[3] == "returnval" && path_[4] == "sessionManager")
      return &out_.session_manager;
    return nullptr;
  }

  SoapAnswer& out_;
  std::vector<std::string> path_;        // local names
  std::vector<std::string_view> names_;  // qualified names, to match end tags
  std::string error_;
  bool ended_ = false;
};

}  // namespace

SoapAnswer read_soap_answer(std::string_view xml) {
  SoapAnswer out;
  if (xml.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out.error = "the answer has no body";
    return out;
  }
  Reader reader(out);
  XmlScanner scanner(xml);
  bool ok = true;
  for (XmlEvent e = scanner.next(); ok && e.type != XmlEvent::Type::Eof; e = scanner.next()) {
    switch (e.type) {
      case XmlEvent::Type::Start:
        ok = !reader.ended() ? reader.start(e) : reader.fail("content after the envelope");
        break;
      case XmlEvent::Type::End:
        ok = reader.end(e);
        break;
      case XmlEvent::Type::Text:
        reader.text(e.text);
        break;
      case XmlEvent::Type::Error:
        ok = reader.fail(e.text);
        break;
      case XmlEvent::Type::Eof:
        break;
    }
  }
  if (ok && !reader.ended()) ok = reader.fail("the envelope is not complete");
  if (ok && out.element.empty()) ok = reader.fail("the envelope has an empty Body");
  if (!ok) {
    SoapAnswer bad;
    bad.error = reader.error();
    return bad;
  }
  return out;
}

}  // namespace hostadm::endpoint
