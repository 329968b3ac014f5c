#include "webhook/endpoint/xml_scan.hpp"

#include <cstdint>

namespace hostadm::endpoint {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_name_char(char c) {
  return !is_space(c) && c != '<' && c != '>' && c != '/' && c != '=' && c != '"' && c != '\'' &&
         c != '&';
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// "#60", "#x3C" -> the code point; false for anything XML does not allow.
bool numeric_entity(std::string_view ref, uint32_t& cp) {
  ref.remove_prefix(1);
  const bool hex = !ref.empty() && ref.front() == 'x';
  if (hex) ref.remove_prefix(1);
  if (ref.empty() || ref.size() > 8) return false;
  cp = 0;
  for (char c : ref) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(digit);
  }
  const bool allowed = cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
                       (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
  return allowed;
}

// Decodes `raw` (text or an attribute value) into `out`; false on a malformed or unknown entity.
bool decode(std::string_view raw, std::string& out) {
  out.reserve(out.size() + raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    const size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) return false;
    const std::string_view ref = raw.substr(i + 1, semi - i - 1);
    uint32_t cp = 0;
    if (ref == "lt") {
      out += '<';
    } else if (ref == "gt") {
      out += '>';
    } else if (ref == "amp") {
      out += '&';
    } else if (ref == "quot") {
      out += '"';
    } else if (ref == "apos") {
      out += '\'';
    } else if (!ref.empty() && ref.front() == '#' && numeric_entity(ref, cp)) {
      append_utf8(out, cp);
    } else {
      return false;
    }
    i = semi;
  }
  return true;
}

}  // namespace

std::string_view local_name(std::string_view qualified) {
  const size_t colon = qualified.rfind(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

XmlEvent XmlScanner::error(const std::string& what) {
  failed_ = true;
  failure_ = what + " at byte " + std::to_string(pos_);
  XmlEvent e;
  e.type = XmlEvent::Type::Error;
  e.text = failure_;
  return e;
}

bool XmlScanner::skip_past(std::string_view terminator) {
  const size_t at = xml_.find(terminator, pos_);
  if (at == std::string_view::npos) return false;
  pos_ = at + terminator.size();
  return true;
}

XmlEvent XmlScanner::next() {
  if (failed_) {
    XmlEvent e;
    e.type = XmlEvent::Type::Error;
    e.text = failure_;
    return e;
  }
  if (!pending_end_.empty()) {
    XmlEvent e;
    e.type = XmlEvent::Type::End;
    e.name = pending_end_;
    pending_end_ = {};
    return e;
  }
  while (pos_ < xml_.size()) {
    const std::string_view rest = xml_.substr(pos_);
    if (rest.front() != '<') return text();
    if (rest.substr(0, 2) == "<?") {
      if (!skip_past("?>")) return error("unterminated processing instruction");
    } else if (rest.substr(0, 4) == "<!--") {
      if (!skip_past("-->")) return error("unterminated comment");
    } else if (rest.substr(0, 9) == "<![CDATA[") {
      return text();
    } else if (rest.substr(0, 2) == "<!") {
      return error("a document type declaration is not accepted");
    } else if (rest.substr(0, 2) == "</") {
      return end_tag();
    } else {
      return start_tag();
    }
  }
  return XmlEvent{};
}

XmlEvent XmlScanner::text() {
  XmlEvent e;
  e.type = XmlEvent::Type::Text;
  while (pos_ < xml_.size()) {
    const std::string_view rest = xml_.substr(pos_);
    if (rest.substr(0, 9) == "<![CDATA[") {
      const size_t end = rest.find("]]>", 9);
      if (end == std::string_view::npos) return error("unterminated CDATA section");
      e.text.append(rest.substr(9, end - 9));
      pos_ += end + 3;
      continue;
    }
    if (rest.front() == '<') break;
    const size_t lt = rest.find('<');
    if (!decode(rest.substr(0, lt), e.text)) return error("malformed or unknown entity");
    pos_ = lt == std::string_view::npos ? xml_.size() : pos_ + lt;
  }
  return e;
}

XmlEvent XmlScanner::end_tag() {
  pos_ += 2;
  const size_t start = pos_;
  while (pos_ < xml_.size() && is_name_char(xml_[pos_])) ++pos_;
  XmlEvent e;
  e.type = XmlEvent::Type::End;
  e.name = xml_.substr(start, pos_ - start);
  while (pos_ < xml_.size() && is_space(xml_[pos_])) ++pos_;
  if (e.name.empty() || pos_ >= xml_.size() || xml_[pos_] != '>') return error("malformed end tag");
  ++pos_;
  return e;
}

XmlEvent XmlScanner::start_tag() {
  ++pos_;
  const size_t start = pos_;
  while (pos_ < xml_.size() && is_name_char(xml_[pos_])) ++pos_;
  XmlEvent e;
  e.type = XmlEvent::Type::Start;
  e.name = xml_.substr(start, pos_ - start);
  if (e.name.empty()) return error("malformed start tag");
  for (;;) {
    const size_t before = pos_;
    while (pos_ < xml_.size() && is_space(xml_[pos_])) ++pos_;
    if (pos_ >= xml_.size()) return error("unterminated start tag");
    if (xml_[pos_] == '>') {
      ++pos_;
      return e;
    }
    if (xml_.substr(pos_, 2) == "/>") {
      pos_ += 2;
      pending_end_ = e.name;
      return e;
    }
    if (pos_ == before) return error("no space before an attribute");
    const size_t name_start = pos_;
    while (pos_ < xml_.size() && is_name_char(xml_[pos_])) ++pos_;
    const std::string_view name = xml_.substr(name_start, pos_ - name_start);
    while (pos_ < xml_.size() && is_space(xml_[pos_])) ++pos_;
    if (name.empty() || pos_ >= xml_.size() || xml_[pos_] != '=') return error("bad attribute");
    ++pos_;
    while (pos_ < xml_.size() && is_space(xml_[pos_])) ++pos_;
    if (pos_ >= xml_.size() || (xml_[pos_] != '"' && xml_[pos_] != '\''))
      return error("unquoted attribute value");
    const char quote = xml_[pos_++];
    const size_t close = xml_.find(quote, pos_);
    if (close == std::string_view::npos) return error("unterminated attribute value");
    std::string value;
    const std::string_view raw = xml_.substr(pos_, close - pos_);
    if (raw.find('<') != std::string_view::npos || !decode(raw, value))
      return error("bad attribute value");
    pos_ = close + 1;
    e.attributes.emplace_back(name, std::move(value));
  }
}

}  // namespace hostadm::endpoint
