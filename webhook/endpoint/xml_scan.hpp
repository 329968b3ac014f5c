// A small pull scanner for the XML of SOAP answers: start and end tags with their attributes,
// text with the predefined and numeric entities decoded, CDATA as text; the XML declaration,
// processing instructions and comments skipped. No DTD (refused, so no entity can expand), no
// namespace resolution (callers compare local names). Enough for the three vSphere answers the
// login reads; each answer is bounded by the HTTP reader before it gets here.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hostadm::endpoint {

// "soapenv:Body" -> "Body".
std::string_view local_name(std::string_view qualified);

struct XmlEvent {
  enum class Type { Start, End, Text, Eof, Error };
  Type type = Type::Eof;
  std::string_view name;  // Start, End: the qualified name as written
  std::vector<std::pair<std::string_view, std::string>> attributes;  // Start: name, decoded value
  std::string text;  // Text: decoded; Error: what is wrong and where
};

class XmlScanner {
 public:
  explicit XmlScanner(std::string_view xml) : xml_(xml) {}
  // The next event; an empty element (<a/>) gives Start then End. After Error or Eof, the same.
  XmlEvent next();

 private:
  XmlEvent start_tag();
  XmlEvent end_tag();
  XmlEvent text();
  XmlEvent error(const std::string& what);
  bool skip_past(std::string_view terminator);

  std::string_view xml_;
  size_t pos_ = 0;
  std::string_view pending_end_;  // the name of an empty element, to end next
  bool failed_ = false;
  std::string failure_;
};

}  // namespace hostadm::endpoint
