// The patch /mutate answers with: the text the apiserver decodes must be exactly what nlohmann
// writes for the same operations, whatever the values hold (the values' own text is checked
// against dump() for every patch of the decision table in core.properties), and the shape add_at
// follows must place operations as the whole object would.
#include <gtest/gtest.h>

#include <algorithm>

#include "webhook/core/host_reader.hpp"
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
    p.add_text("/metadata/annotations/a\"quote\\and\tcontrol", value.dump());  // escaped
    p.add_text("/spec/h\xc3\xb4te", value.dump());                             // UTF-8
    EXPECT_EQ(text_of(p), p.to_json().dump()) << what;
  }
  EXPECT_EQ(text_of(JsonPatch()), "[]");
}

// The writer looks at sixteen bytes at a time (the last block overlapping the one before) or
// eight: a byte that needs care must be found wherever it stands in the block, in whichever
// block, and in the overlap.
TEST(JsonPatchText, EveryByteThatNeedsCareIsFoundAtAnyPosition) {
  const std::vector<std::string> specials = {"\"", "\\", "\n", "\x01",     "\x1f", "\x7f",
                                             " ",  "~",  "/",  "\xc3\xa9", "\xff"};
  for (size_t size = 0; size <= 40; ++size) {
    for (size_t at = 0; at < size; ++at) {
      for (const auto& special : specials) {
        std::string s(size, 'a');
        s.replace(at, 1, special);
        std::string out = "x";
        json_write::append_string(out, s, json_write::InvalidUtf8::Replace);
        const std::string quoted = json(s).dump(-1, ' ', false, json::error_handler_t::replace);
        EXPECT_EQ(out, "x" + quoted)
            << size << " " << at << " "
            << json(special).dump(-1, ' ', false, json::error_handler_t::replace);
        const bool printable_ascii = std::all_of(s.begin(), s.end(), [](unsigned char c) {
          return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
        });
        EXPECT_EQ(json_write::is_plain(s), printable_ascii) << size << " " << at;
      }
    }
  }
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

// The reference: the same placement worked out on the whole object (nlohmann), applying every
// operation to it as the apiserver would.
void add_on_whole(json& doc, JsonPatch& patch, detail::Path path, const std::string& value) {
  std::string pointer;
  json* cur = &doc;
  for (const char* const* key = path.begin(); key != path.end(); ++key) {
    pointer += '/';
    pointer += *key;
    const bool last = key + 1 == path.end();
    json* next = cur->is_object() && cur->contains(*key) && (*cur)[*key].is_object() ? &(*cur)[*key]
                                                                                     : nullptr;
    if (!last && next) {
      cur = next;
      continue;
    }
    json subtree = json::parse(value);
    for (const char* const* k = path.end() - 1; k != key; --k) subtree = json{{*k, subtree}};
    patch.add_text(pointer, subtree.dump());
    doc = doc.patch(json::array({{{"op", "add"}, {"path", pointer}, {"value", subtree}}}));
    return;
  }
}

// add_at on the Host's shape (read by the webhook's reader) must give the operations the whole
// object gives.
TEST(AddAt, ShapeOfTheObjectPlacesOperationsAsTheObjectItselfWould) {
  using detail::ValueKind;
  // One operation applied both ways: on the whole object and on the shape.
  struct Both {
    json& whole;
    JsonPatch& from_whole;
    PatchShape& shape;
    JsonPatch& from_shape;
    void add(detail::Path path, const char* value, ValueKind kind) {
      add_on_whole(whole, from_whole, path, value);
      detail::add_at(shape, from_shape, path, value, kind);
    }
  };
  using Step = void (*)(Both&);
  const Step provider_ns = [](Both& b) {
    b.add({"spec", "provider", "namespace"}, R"("demo")", ValueKind::Scalar);
  };
  const Step secret_ns = [](Both& b) {
    b.add({"spec", "secret", "namespace"}, R"("demo")", ValueKind::Scalar);
  };
  const Step secret = [](Both& b) {
    b.add({"spec", "secret"}, R"({"name":"s","namespace":"demo"})", ValueKind::Object);
  };
  const Step ip = [](Both& b) { b.add({"spec", "ipAddress"}, R"("1.2.3.4")", ValueKind::Scalar); };
  const Step owner = [](Both& b) {
    b.add({"metadata", "ownerReferences"}, R"([{"uid":"u"}])", ValueKind::Array);
  };
  struct Case {
    const char* what;
    json object;
    std::vector<Step> steps;
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
    PatchShape shape = read_host_object(c.object.dump()).shape;
    JsonPatch from_whole, from_shape;
    Both both{whole, from_whole, shape, from_shape};
    for (Step step : c.steps) step(both);
    EXPECT_EQ(from_shape, from_whole)
        << c.what << ": " << from_shape.to_json().dump() << " vs " << from_whole.to_json().dump();
    EXPECT_NO_THROW(c.object.patch(from_shape.to_json())) << c.what;
  }
}

}  // namespace
}  // namespace hostadm
