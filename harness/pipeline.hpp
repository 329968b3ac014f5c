// kube-apiserver's admission path for one document, without a cluster: read manifests, turn a
// Host into the AdmissionRequest the apiserver would send, then mutate -> apply the patch ->
// schema (required fields) -> validate. Shared by `replay`, `test` and `send`'s offline parts.
//
// Typical use:
//   auto docs = read_documents({"hosts/"});          // throws InputError ("FILE:LINE: ...")
//   Pipeline p(fixture, policy);                      // fixture loaded once
//   for (auto& d : docs) results.push_back(p.run(d, "default"));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/results.hpp"
#include "webhook/core/admission.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm::harness {

// One document of an input stream.
struct InputDoc {
  std::string file;  // as given ("-" for stdin)
  int index = 0;     // 0-based document index in the file
  int line = 1;      // where the document starts
  nlohmann::json value;
  std::string source() const { return file + "#" + std::to_string(index); }
};

// Every document of every PATH: a file, a directory (all *.yaml|*.yml|*.json below it, sorted)
// or "-" (stdin). Throws hostadm::InputError naming the file and line.
std::vector<InputDoc> read_documents(const std::vector<std::string>& paths);

enum class DocKind {
  Host,        // apiVersion forklift.konveyor.io/v1beta1, kind Host
  Review,      // kind AdmissionReview
  NotMapping,  // replayed as `malformed`: the apiserver could not decode it either
  Other,       // skipped
};

// `why` (may be null) receives the skip reason for Other, e.g. "kind ConfigMap".
DocKind classify(const nlohmann::json& doc, std::string* why = nullptr);

// The AdmissionRequest kube-apiserver sends for a Host: CREATE, or UPDATE when `old_host` is
// not null. Namespace: the Host's metadata.namespace, else `default_ns`, else "default"; it is
// written into the object's metadata as the apiserver does.
AdmissionRequest host_request(nlohmann::json host, const std::string& default_ns,
                              const std::string& uid, const nlohmann::json& old_host = nullptr);

// kube's message for a failed required-field check, e.g.
// `Host.forklift.konveyor.io "h1" is invalid: spec.secret: Required value`.
std::string schema_message(const std::string& name, const std::vector<std::string>& missing);

class Pipeline {
 public:
  Pipeline(std::shared_ptr<const Fixture> fixture, Policy policy);

  // The whole path for one request; never throws for bad objects (they become `malformed`).
  // Result: allowed only if every step allows; rules and warnings are the union of both
  // phases; patch is mutate's; object is the patched Host.
  DocResult run_request(const AdmissionRequest& req, const std::string& source) const;

  // One input document: a Host (CREATE), an AdmissionReview (as is), anything else skipped.
  // `seq` numbers the synthesized uid ("replay-<seq>").
  DocResult run(const InputDoc& doc, const std::string& default_ns, int seq) const;
  DocResult run(InputDoc&& doc, const std::string& default_ns, int seq) const;  // no copy

  const Policy& policy() const { return policy_; }

 private:
  DocResult run_owned(AdmissionRequest req, const std::string& source) const;

  std::shared_ptr<const Fixture> fixture_;
  Policy policy_;
};

// A denied result for a document the pipeline cannot even start on (not a mapping, bad review).
DocResult malformed_result(const std::string& source, const std::string& message);

}  // namespace hostadm::harness
