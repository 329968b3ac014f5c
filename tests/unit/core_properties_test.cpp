// Properties every decision must have, checked over every row of the
// decision table: the patch applies, /mutate is idempotent, /validate admits what /mutate
// admitted, admitted Hosts satisfy the Host CRD, /validate never patches, dry-run answers alike.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <optional>
#include <random>

#include "unit/testlib/fake_inventory.hpp"
#include "unit/testlib/host_cases.hpp"
#include "webhook/core/decision.hpp"
#include "webhook/core/rules.hpp"

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

// `rule` set to `action` at the top level and, when `in_entries`, in every `namespaces` entry
// too (so in the one that applies); an entry's own setting of it is dropped, since it would win.
json with_override(json doc, const std::string& rule, const std::string& action, bool in_entries) {
  if (doc.is_null()) doc = json::object();
  if (doc.contains("namespaces")) {
    for (auto& entry : doc["namespaces"]) {
      if (entry.contains("rules")) entry["rules"].erase(rule);
      if (in_entries) entry["rules"][rule] = action;
    }
  }
  doc["rules"][rule] = action;
  return doc;
}

bool reports(const Verdict& v, const std::string& rule) {
  for (const auto& f : v.findings)
    if (f.rule == rule) return true;
  return false;
}

// What `rules:` promises: a rule turned off is never reported (so never denies), and a rule
// turned to deny that fires refuses the Host in an enforcing namespace. Over every row, with
// each rule the row reports and two drawn at random (which may not fire at all), the override
// put at the top level or in the entries at random.
TEST(OverrideProperty, OffNeverReportsTheRuleAndDenyNeverAdmitsIt) {
  std::mt19937 random(20261207);
  const auto& rules = all_rules();
  int offs = 0, denials = 0;
  for (const auto& base : host_cases()) {
    std::vector<std::string> chosen = base.decide_with(base.request(), Phase::Mutate).rules();
    for (int k = 0; k < 2; ++k) chosen.emplace_back(rules[random() % rules.size()].id);
    for (const auto& rule : chosen) {
      if (rule == rule::kMalformed) continue;  // refused by the parser: it always denies
      for (const std::string action : {"off", "deny"}) {
        HostCase c = base;
        c.policy_doc = with_override(base.policy_doc, rule, action, random() % 2 == 0);
        for (Phase phase : {Phase::Mutate, Phase::Validate}) {
          SCOPED_TRACE(c.name + ": " + rule + " " + action);
          const Verdict v = c.decide_with(c.request(), phase);
          if (action == "off") {
            EXPECT_FALSE(reports(v, rule)) << v.message;
            EXPECT_EQ(v.message.find(rule + ":"), std::string::npos) << v.message;
            ++offs;
            continue;
          }
          // A warn namespace and a stored Host kept as it is demote every denial on purpose.
          const bool fresh =
              c.old_object.is_null() && (c.operation.empty() || c.operation == "CREATE");
          if (!reports(v, rule) || v.mode != Mode::Enforce || !fresh) continue;
          EXPECT_FALSE(v.allowed) << "admitted with " << rule << " set to deny";
          for (const auto& f : v.findings) EXPECT_TRUE(f.rule != rule || f.deny) << f.message;
          ++denials;
        }
      }
    }
  }
  // The property says something only if many overrides reach a finding.
  EXPECT_GE(offs, 200);
  EXPECT_GE(denials, 100);
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
