// The patch /mutate answers with: the text the apiserver decodes must be exactly what nlohmann
// writes for the same operations, whatever the values hold (the values' own text is checked
// against dump() for every patch of the decision table in core.properties), and the shape add_at
// follows must place operations as the whole object would.
#include <gtest/gtest.h>

#include "webhook/core/json_patch.hpp"
#include "webhook/core/json_write.hpp"

namespace hostadm {
namespace {

using nlohmann::json;

std::string text_of(const JsonPatch& p) {
  std::string out;
  p.append_text(out);
  return out;
}

TEST(JsonPatchText, IsByteForByteWhatDumpWrites) {
  const std::vector<std::pair<const char*, json>> values = {
      {"a plain string", "10.0.0.10"},
      {"quotes and backslashes", "a\"b\\c"},
      {"control characters, NUL among them", std::string("tab\there\nnul\0\x01\x1f", 15)},
      {"non-ASCII UTF-8", "hôte é 主机 \xF0\x9F\x98\x80"},
      {"an object, keys out of order", json{{"namespace", "demo"}, {"name", "esxi"}}},
      {"an owner reference array",
       json::array({json{{"uid", "u-1"}, {"kind", "Provider"}, {"controller", true}}})},
      {"numbers", json::array({1, -2, 3.5, 1e300, 18446744073709551615ull})},
      {"booleans and null", json::array({true, false, nullptr})},
      {"empty containers", json{{"a", json::object()}, {"b", json::array()}}},
      {"a key that needs escaping", json{{"a\"/~b", "x"}}},
  };
  for (const auto& [what, value] : values) {
    // The decision writes its string values with append_string.
    if (value.is_string()) {
      std::string text;
      json_write::append_string(text, value.get<std::string>(), json_write::InvalidUtf8::Throw);
      EXPECT_EQ(text, value.dump()) << what;
    }
    JsonPatch p;
    p.add_text("/spec/x", value.dump());
    p.add_text("/metadata/ownerReferences/-", value.dump());
    EXPECT_EQ(text_of(p), p.to_json().dump()) << what;
  }
  EXPECT_EQ(text_of(JsonPatch()), "[]");
}

TEST(JsonPatchText, InvalidUtf8InAValueFailsInsteadOfWritingOtherBytes) {
  std::string text;
  EXPECT_THROW(json_write::append_string(text, std::string("bad \xC3\x28 byte"),
                                         json_write::InvalidUtf8::Throw),
               json::type_error);
}

TEST(JsonPatchToJson, ParsesTheValueTextBack) {
  JsonPatch p;
  p.add_text("/spec/ipAddress", R"("1.2.3.4")");
  p.add_text("/spec/secret", R"({"name":"s","namespace":"demo"})");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.ops()[0].path, "/spec/ipAddress");
  EXPECT_EQ(p.ops()[0].value, R"("1.2.3.4")");
  EXPECT_EQ(p.to_json(),
            json::array({{{"op", "add"}, {"path", "/spec/ipAddress"}, {"value", "1.2.3.4"}},
                         {{"op", "add"},
                          {"path", "/spec/secret"},
                          {"value", {{"name", "s"}, {"namespace", "demo"}}}}}));
}

// add_at on the cut-down shape must give the operations it gives on the whole object.
TEST(AddAt, ShapeOfTheObjectPlacesOperationsAsTheObjectItselfWould) {
  using Apply = void (*)(json & doc, JsonPatch & patch);
  using detail::ValueKind;
  const Apply provider_ns = [](json& d, JsonPatch& p) {
    detail::add_at(d, p, {"spec", "provider", "namespace"}, R"("demo")", ValueKind::Scalar);
  };
  const Apply secret_ns = [](json& d, JsonPatch& p) {
    detail::add_at(d, p, {"spec", "secret", "namespace"}, R"("demo")", ValueKind::Scalar);
  };
  const Apply secret = [](json& d, JsonPatch& p) {
    detail::add_at(d, p, {"spec", "secret"}, R"({"name":"s","namespace":"demo"})",
                   ValueKind::Object);
  };
  const Apply ip = [](json& d, JsonPatch& p) {
    detail::add_at(d, p, {"spec", "ipAddress"}, R"("1.2.3.4")", ValueKind::Scalar);
  };
  const Apply owner = [](json& d, JsonPatch& p) {
    detail::add_at(d, p, {"metadata", "ownerReferences"}, R"([{"uid":"u"}])", ValueKind::Array);
  };
  struct Case {
    const char* what;
    json object;
    std::vector<Apply> steps;
  };
  const std::vector<Case> cases = {
      {"no spec", json{{"metadata", {{"name", "h"}}}}, {provider_ns, secret_ns, ip}},
      {"a secret added, then its namespace",
       json{{"spec", {{"id", "host-1"}}}},
       {secret, secret_ns}},
      {"no spec: a secret, then the provider", json::object(), {secret, provider_ns}},
      {"spec without provider", json{{"spec", {{"id", "host-1"}}}}, {provider_ns, secret_ns}},
      {"provider is a string", json{{"spec", {{"provider", "p"}}}}, {provider_ns}},
      {"provider present", json{{"spec", {{"provider", {{"name", "p"}}}}}}, {provider_ns, ip}},
      {"spec is an array", json{{"spec", json::array()}}, {ip, provider_ns}},
      {"owner references missing", json{{"metadata", {{"name", "h"}}}}, {owner}},
      {"owner references present",
       json{{"metadata", {{"ownerReferences", json::array()}}}},
       {owner}},
      {"metadata not an object", json{{"metadata", 3}}, {owner}},
  };
  for (const auto& c : cases) {
    json whole = c.object;
    json shape = detail::patch_shape(c.object);
    JsonPatch from_whole, from_shape;
    for (Apply step : c.steps) {
      step(whole, from_whole);
      step(shape, from_shape);
    }
    EXPECT_EQ(from_shape, from_whole)
        << c.what << ": " << from_shape.to_json().dump() << " vs " << from_whole.to_json().dump();
    EXPECT_NO_THROW(c.object.patch(from_shape.to_json())) << c.what;
  }
}

}  // namespace
}  // namespace hostadm
