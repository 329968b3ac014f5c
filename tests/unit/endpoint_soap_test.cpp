// The vSphere SOAP the login check writes and reads: credentials escaped so that any password
// arrives as written, and answers read the way ESXi and govmomi's simulator write them, faults
// told apart by their type, and broken or hostile documents refused with a reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "webhook/endpoint/soap.hpp"
#include "webhook/endpoint/xml_scan.hpp"

namespace hostadm::endpoint {
namespace {

using testing::HasSubstr;

std::string escaped(std::string_view text) {
  std::string out;
  append_xml_escaped(out, text);
  return out;
}

// The text of every element named `local` in `xml`, decoded, as a reader would see it.
std::string text_of(std::string_view xml, std::string_view local) {
  XmlScanner scanner(xml);
  std::string out;
  bool inside = false;
  for (XmlEvent e = scanner.next(); e.type != XmlEvent::Type::Eof; e = scanner.next()) {
    if (e.type == XmlEvent::Type::Error) return "error: " + e.text;
    if (e.type == XmlEvent::Type::Start) inside = local_name(e.name) == local;
    if (e.type == XmlEvent::Type::End) inside = false;
    if (e.type == XmlEvent::Type::Text && inside) out += e.text;
  }
  return out;
}

TEST(SoapTest, EscapesTheCharactersXmlGivesMeaning) {
  EXPECT_EQ(escaped("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  EXPECT_EQ(escaped("line\r\nnext\ttab"), "line&#13;\nnext\ttab");
  EXPECT_EQ(escaped("pässwörd"), "pässwörd");
  EXPECT_EQ(escaped(""), "");
}

TEST(SoapTest, KnowsWhatXmlCannotCarry) {
  EXPECT_TRUE(xml_can_carry("any printable & <text>\t\r\n ünïcode"));
  EXPECT_FALSE(xml_can_carry(std::string("nul\0byte", 8)));
  EXPECT_FALSE(xml_can_carry("bell\a"));
  EXPECT_FALSE(xml_can_carry("del\x7f"));
  EXPECT_FALSE(xml_can_carry("latin-1 p\xe4sswort"));
}

TEST(SoapTest, ALoginCarriesAnyPasswordAsWritten) {
  for (const std::string password :
       {"plain", "<password>&amp;</password>", "]]>", "quote\"apos'", "cr\rlf\n", "ünï €"}) {
    const std::string envelope = login_envelope("ha-sessionmgr", "root", password);
    EXPECT_EQ(text_of(envelope, "password"), password) << envelope;
    EXPECT_EQ(text_of(envelope, "userName"), "root");
    EXPECT_EQ(text_of(envelope, "_this"), "ha-sessionmgr");
  }
}

TEST(SoapTest, EnvelopesAreTheCallsGovmomiMakes) {
  EXPECT_THAT(retrieve_service_content_envelope(),
              HasSubstr("<RetrieveServiceContent xmlns=\"urn:vim25\"><_this "
                        "type=\"ServiceInstance\">ServiceInstance</_this></"
                        "RetrieveServiceContent>"));
  EXPECT_THAT(login_envelope("ha-sessionmgr", "root", "pw"),
              HasSubstr("<Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">ha-sessionmgr"
                        "</_this><userName>root</userName><password>pw</password></Login>"));
  EXPECT_THAT(logout_envelope("SessionManager"),
              HasSubstr("<Logout xmlns=\"urn:vim25\"><_this type=\"SessionManager\">"
                        "SessionManager</_this></Logout>"));
  for (const std::string& e : {retrieve_service_content_envelope(), logout_envelope("x")})
    EXPECT_EQ(read_soap_answer(e).kind, SoapAnswer::Kind::Response) << e;
}

// As govmomi's simulator answers (the returnval shortened).
constexpr const char* kServiceContent =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">ha-folder-root</rootFolder><about><name>VMware ESXi</name><apiVersion>6.5</apiVersion></about><sessionManager type="SessionManager">ha-sessionmgr</sessionManager><taskManager type="TaskManager">ha-taskmgr</taskManager></returnval></RetrieveServiceContentResponse></soapenv:Body></soapenv:Envelope>)";

// As ESXi answers a wrong password.
constexpr const char* kInvalidLogin =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"
 xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:xsd="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body>
<soapenv:Fault>
  <faultcode>ServerFaultCode</faultcode>
  <faultstring>Cannot complete login due to an incorrect user name or password.</faultstring>
  <detail>
    <InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault>
  </detail>
</soapenv:Fault>
</soapenv:Body>
</soapenv:Envelope>)";

TEST(SoapTest, ReadsTheSessionManagerOfTheServiceContent) {
  const SoapAnswer a = read_soap_answer(kServiceContent);
  ASSERT_EQ(a.kind, SoapAnswer::Kind::Response) << a.error;
  EXPECT_EQ(a.element, "RetrieveServiceContentResponse");
  EXPECT_EQ(a.session_manager, "ha-sessionmgr");
}

TEST(SoapTest, ReadsAnInvalidLoginFault) {
  const SoapAnswer a = read_soap_answer(kInvalidLogin);
  ASSERT_EQ(a.kind, SoapAnswer::Kind::Fault) << a.error;
  EXPECT_EQ(a.fault_type, "InvalidLogin");
  EXPECT_EQ(a.fault_code, "ServerFaultCode");
  EXPECT_EQ(a.fault_string, "Cannot complete login due to an incorrect user name or password.");
}

TEST(SoapTest, AFaultTypeComesFromXsiTypeOrElseTheElementName) {
  auto fault = [](const std::string& detail) {
    return read_soap_answer(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault>"
        "<faultcode>ServerFaultCode</faultcode><faultstring>x</faultstring><detail>" +
        detail + "</detail></s:Fault></s:Body></s:Envelope>");
  };
  EXPECT_EQ(fault("<InvalidLoginFault xsi:type=\"InvalidLogin\"/>").fault_type, "InvalidLogin");
  EXPECT_EQ(fault("<InvalidLoginFault xsi:type=\"vim25:InvalidLogin\"/>").fault_type,
            "InvalidLogin");
  EXPECT_EQ(fault("<InvalidLoginFault/>").fault_type, "InvalidLogin");
  EXPECT_EQ(fault("<vim:NotAuthenticatedFault xmlns:vim=\"urn:vim25\"></vim:NotAuthenticatedFault>")
                .fault_type,
            "NotAuthenticated");
  EXPECT_EQ(fault("").fault_type, "");
  EXPECT_EQ(fault("").kind, SoapAnswer::Kind::Fault);
}

TEST(SoapTest, DecodesEntitiesCdataAndSkipsCommentsAndInstructions) {
  const SoapAnswer a = read_soap_answer(
      "<?xml version='1.0'?><!-- a comment --><Envelope><Body><Fault><faultcode>c</faultcode>"
      "<faultstring>a &lt;b&gt; &amp; &#x41;&#66; <![CDATA[<raw & text>]]><?pi x?></faultstring>"
      "</Fault></Body></Envelope>");
  ASSERT_EQ(a.kind, SoapAnswer::Kind::Fault) << a.error;
  EXPECT_EQ(a.fault_string, "a <b> & AB <raw & text>");
}

TEST(SoapTest, RefusesBrokenAndHostileDocumentsWithAReason) {
  const std::pair<std::string, const char*> cases[] = {
      {"", "no body"},
      {" \r\n", "no body"},
      {"not xml at all", "not complete"},
      {"<html><body>Service Unavailable</body></html>", "not a SOAP envelope"},
      {"<Envelope><Body><LoginResponse>", "not complete"},
      {"<Envelope><Body></Body></Envelope>", "empty Body"},
      {"<Envelope><Body><A></B></Body></Envelope>", "mismatched end tag"},
      {"<!DOCTYPE x [<!ENTITY a \"b\">]><Envelope/>", "document type declaration"},
      {"<Envelope><Body><A>&unknown;</A></Body></Envelope>", "entity"},
      {"<Envelope><Body><A>&#0;</A></Body></Envelope>", "entity"},
      {"<Envelope><Body><A x=unquoted/></Body></Envelope>", "unquoted attribute value"},
      {"<Envelope><Body><A/></Body></Envelope><Envelope/>", "content after the envelope"},
      {"<Envelope><Body><A><!-- never closed", "unterminated comment"},
      {"<Envelope>" + std::string(100, 'x') + "<Body><A>" + std::string(200, '<') +
           "</A></Body></Envelope>",
       "malformed start tag"},
  };
  for (const auto& [xml, why] : cases) {
    const SoapAnswer a = read_soap_answer(xml);
    EXPECT_EQ(a.kind, SoapAnswer::Kind::Unreadable) << xml;
    EXPECT_THAT(a.error, HasSubstr(why)) << xml;
  }
  std::string deep = "<Envelope><Body>";
  for (int i = 0; i < 10000; ++i) deep += "<a>";
  const SoapAnswer a = read_soap_answer(deep);
  EXPECT_EQ(a.kind, SoapAnswer::Kind::Unreadable);
  EXPECT_THAT(a.error, HasSubstr("deeper than 64"));
}

TEST(SoapTest, ALongFaultStringIsKeptShort) {
  const SoapAnswer a =
      read_soap_answer("<Envelope><Body><Fault><faultstring>" + std::string(1 << 20, 'x') +
                       "</faultstring></Fault></Body></Envelope>");
  ASSERT_EQ(a.kind, SoapAnswer::Kind::Fault) << a.error;
  EXPECT_EQ(a.fault_string.size(), 1024u);
}

}  // namespace
}  // namespace hostadm::endpoint
