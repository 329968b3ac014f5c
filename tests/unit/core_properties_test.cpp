// Properties every decision must have, checked over every row of the
// decision table: the patch applies, /mutate is idempotent, /validate admits what /mutate
// admitted, admitted Hosts satisfy the Host CRD, /validate never patches, dry-run answers alike.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <optional>

#include "unit/testlib/fake_inventory.hpp"
#include "unit/testlib/host_cases.hpp"
#include "webhook/core/decision.hpp"

namespace hostadm::testing {
namespace {

const char* kCrdPath = HOSTADM_SOURCE_DIR "/tests/data/crds/forklift.konveyor.io_hosts.yaml";

// A structural check of the CRD's openAPIV3Schema: types, required keys, and no unknown keys
// where the schema lists properties (the apiserver prunes or rejects those).
void check_schema(const YAML::Node& schema, const json& value, const std::string& path,
                  std::vector<std::string>& errors) {
  std::string type = schema["type"] ? schema["type"].as<std::string>() : "";
  if (type == "object") {
    if (!value.is_object()) {
      errors.push_back(path + ": expected object, got " + value.type_name());
      return;
    }
    if (schema["required"]) {
      for (const auto& key : schema["required"]) {
        if (!value.contains(key.as<std::string>()))
          errors.push_back(path + "/" + key.as<std::string>() + ": required");
      }
    }
    if (schema["properties"]) {
      for (const auto& [key, child] : value.items()) {
        YAML::Node sub = schema["properties"][key];
        if (!sub) {
          errors.push_back(path + "/" + key + ": not in the schema");
          continue;
        }
        check_schema(sub, child, path + "/" + key, errors);
      }
    }
  } else if (type == "string") {
    if (!value.is_string()) errors.push_back(path + ": expected string, got " + value.type_name());
  } else if (type == "boolean") {
    if (!value.is_boolean()) errors.push_back(path + ": expected boolean");
  } else if (type == "integer") {
    if (!value.is_number_integer()) errors.push_back(path + ": expected integer");
  } else if (type == "array") {
    if (!value.is_array()) {
      errors.push_back(path + ": expected array");
      return;
    }
    for (size_t i = 0; i < value.size(); ++i)
      check_schema(schema["items"], value[i], path + "/" + std::to_string(i), errors);
  }
}

std::optional<YAML::Node> host_schema() {
  std::ifstream in(kCrdPath);
  if (!in) return std::nullopt;
  YAML::Node crd = YAML::LoadFile(kCrdPath);
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

class Properties : public ::testing::TestWithParam<HostCase> {};

Verdict run(const HostCase& c, const AdmissionRequest& req, Phase phase) {
  return c.decide_with(req, phase);
}

// The apiserver applies the patch to the object it sent; one that does not apply fails the write.
TEST_P(Properties, PatchAppliesToTheRequestObject) {
  const HostCase& c = GetParam();
  AdmissionRequest req = c.request();
  Verdict v = run(c, req, Phase::Mutate);
  // The webhook writes only what it owns: spec fields and the owner reference (with the
  // parents that are missing).
  for (const auto& op : v.patch.ops()) {
    const json value = json::parse(op.value);
    const bool owned =
        op.path == "/spec" || op.path.rfind("/spec/", 0) == 0 ||
        op.path.rfind("/metadata/ownerReferences", 0) == 0 ||
        (op.path == "/metadata" && value.size() == 1 && value.contains("ownerReferences"));
    EXPECT_TRUE(owned) << op.path << " " << op.value;
    // The core writes values as text: they must be the bytes nlohmann's dump() would write.
    EXPECT_EQ(op.value, value.dump()) << op.path;
  }
  if (c.group != "forklift.konveyor.io" || c.resource != "hosts") {
    EXPECT_TRUE(v.patch.empty());
    return;
  }
  EXPECT_NO_THROW(c.object.patch(v.patch.to_json())) << v.patch.to_json().dump();
}

TEST_P(Properties, ValidateNeverPatchesAndDryRunAnswersAlike) {
  const HostCase& c = GetParam();
  AdmissionRequest req = c.request();
  Verdict validate = run(c, req, Phase::Validate);
  EXPECT_TRUE(validate.patch.empty()) << validate.patch.to_json().dump();

  Verdict wet = run(c, req, Phase::Mutate);
  req.dry_run = true;
  Verdict dry = run(c, req, Phase::Mutate);
  EXPECT_EQ(dry.allowed, wet.allowed);
  EXPECT_EQ(dry.code, wet.code);
  EXPECT_EQ(dry.rules(), wet.rules());
  EXPECT_EQ(dry.message, wet.message);
  EXPECT_EQ(dry.patch, wet.patch);
}

TEST_P(Properties, MutateIsIdempotentAndValidateAdmitsItsOutput) {
  const HostCase& c = GetParam();
  AdmissionRequest req = c.request();
  Verdict v = run(c, req, Phase::Mutate);
  if (!v.allowed || !v.in_scope) return;  // the property is about admitted Hosts

  AdmissionRequest again = c.request_with(c.object.patch(v.patch.to_json()));
  Verdict second = run(c, again, Phase::Mutate);
  EXPECT_TRUE(second.allowed) << second.message;
  EXPECT_TRUE(second.patch.empty())
      << "mutate on its own output patched: " << second.patch.to_json().dump();

  Verdict validate = run(c, again, Phase::Validate);
  EXPECT_TRUE(validate.allowed) << validate.message;
}

TEST_P(Properties, AdmittedHostsSatisfyTheCrdInEnforceMode) {
  const HostCase& c = GetParam();
  AdmissionRequest req = c.request();
  Verdict v = run(c, req, Phase::Mutate);
  if (!v.allowed || !v.in_scope || v.mode != Mode::Enforce) return;  // about enforced admissions
  const json stored = c.object.patch(v.patch.to_json());
  if (c.schema_may_fail) {
    // inventoryFailure: allow admits without inventory-derived fields; the schema rejects it.
    EXPECT_FALSE(missing_required_fields(stored).empty());
    return;
  }
  EXPECT_EQ(missing_required_fields(stored), std::vector<std::string>{}) << stored.dump();
  auto schema = host_schema();
  if (!schema) GTEST_SKIP() << kCrdPath << " is absent";
  std::vector<std::string> errors;
  check_schema(*schema, stored, "", errors);
  EXPECT_EQ(errors, std::vector<std::string>{}) << stored.dump(2);
}

INSTANTIATE_TEST_SUITE_P(EveryRow, Properties, ::testing::ValuesIn(host_cases()),
                         [](const ::testing::TestParamInfo<HostCase>& info) {
                           std::string name;
                           for (char ch : info.param.name)
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name + "_" + std::to_string(info.index);
                         });

// The properties above only say something if many rows reach them.
TEST(PropertiesCoverage, ManyRowsAreAdmittedWithAPatch) {
  int admitted = 0, patched = 0;
  for (const auto& c : host_cases()) {
    Verdict v = c.decide_with(c.request(), Phase::Mutate);
    admitted += v.allowed && v.in_scope ? 1 : 0;
    patched += v.patch.empty() ? 0 : 1;
  }
  EXPECT_GE(admitted, 30);
  EXPECT_GE(patched, 15);
}

// The schema check itself must be able to fail, or the property above proves nothing.
TEST(CrdCheck, RejectsWhatTheApiserverWould) {
  auto schema = host_schema();
  if (!schema) GTEST_SKIP() << kCrdPath << " is absent";
  std::vector<std::string> errors;
  check_schema(*schema, stored_host(), "", errors);
  EXPECT_TRUE(errors.empty());

  errors.clear();
  check_schema(*schema,
               host_with({{"spec", {{"secret", nullptr}, {"ipAddress", 5}, {"adapter", "x"}}}}), "",
               errors);
  EXPECT_EQ(errors,
            (std::vector<std::string>{"/spec/secret: required", "/spec/adapter: not in the schema",
                                      "/spec/ipAddress: expected string, got number"}));
}

}  // namespace
}  // namespace hostadm::testing
