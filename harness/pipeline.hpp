// kube-apiserver's admission path for one document, without a cluster: read manifests, turn a
// Host into the AdmissionReview the apiserver would send, then mutate -> apply the patch ->
// schema (required fields) -> validate. Each webhook call is the core's admit() on the review's
// bytes, the function host-webhook answers with, so an answer here is byte for byte the
// webhook's. Shared by `replay`, `test`, `rules` and `send`'s offline parts.
//
// Typical use:
//   auto docs = read_documents({"hosts/"});          // throws InputError ("FILE:LINE: ...")
//   Pipeline p(fixture, policy);                      // fixture loaded once
//   for (auto& d : docs) results.push_back(p.run(d, "default"));
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/results.hpp"
#include "webhook/core/cluster_view.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/inventory.hpp"
#include "webhook/core/policy.hpp"

namespace hostadm::harness {

// One document of an input stream, or one item of a List document.
struct InputDoc {
  std::string file;  // as given ("-" for stdin)
  int index = 0;     // 0-based document index in the file
  int line = 1;      // where the document starts
  nlohmann::json value;
  int item = -1;  // 0-based index in the List document's items; -1: a document of its own
  std::string source() const {
    return file + "#" + std::to_string(index) + (item < 0 ? "" : "." + std::to_string(item));
  }
};

// Every document of every PATH: a file, a directory (all *.yaml|*.yml|*.json below it, sorted)
// or "-" (stdin). A `List` or `HostList` (what `kubectl get hosts -o yaml` prints) becomes its
// items, source FILE#INDEX.ITEM. Throws hostadm::InputError naming the file and line.
std::vector<InputDoc> read_documents(const std::vector<std::string>& paths);

enum class DocKind {
  Host,        // apiVersion forklift.konveyor.io/v1beta1, kind Host
  Review,      // kind AdmissionReview
  NotMapping,  // replayed as `malformed`: the apiserver could not decode it either
  Other,       // skipped
};

// `why` (may be null) receives the skip reason for Other, e.g. "kind ConfigMap".
DocKind classify(const nlohmann::json& doc, std::string* why = nullptr);

// The AdmissionReview kube-apiserver sends for a Host: CREATE, or UPDATE when `old_host` is
// not null. Namespace: the Host's metadata.namespace, else `default_ns`, else "default"; it is
// written into the object's metadata as the apiserver does. The user is "host-harness".
nlohmann::json host_review(nlohmann::json host, const std::string& default_ns,
                           const std::string& uid, const nlohmann::json& old_host = nullptr);

// The bytes a webhook receives for `review`, as the pipeline hands them to admit(). Invalid UTF-8
// (a YAML file may hold it) is replaced, as an apiserver never sends it.
std::string review_text(const nlohmann::json& review);

// kube's message for a failed required-field check, e.g.
// `Host.forklift.konveyor.io "h1" is invalid: spec.secret: Required value`.
std::string schema_message(const std::string& name, const std::vector<std::string>& missing);

// One InventoryView per request: the fixture in-process, or the live inventory
// (live_inventory.hpp).
using ViewSource = std::function<std::unique_ptr<InventoryView>()>;

class Pipeline {
 public:
  Pipeline(std::shared_ptr<const Fixture> fixture, Policy policy);
  Pipeline(ViewSource views, Policy policy);

  // The whole path for one AdmissionReview; never throws for bad objects (they become
  // `malformed`). Result: allowed only if every step allows; rules and warnings are the union of
  // both phases; patch is mutate's; object is the patched Host; answer is /mutate's body.
  // `cluster`: what the Kubernetes API would say (offline_cluster.hpp); nullptr: no API client.
  DocResult run_review(nlohmann::json review, const std::string& source,
                       ClusterView* cluster = nullptr) const;

  // One input document: a Host (CREATE), an AdmissionReview (as is), anything else skipped.
  // `seq` numbers the synthesized uid ("replay-<seq>").
  DocResult run(const InputDoc& doc, const std::string& default_ns, int seq,
                ClusterView* cluster = nullptr) const;
  DocResult run(InputDoc&& doc, const std::string& default_ns, int seq,
                ClusterView* cluster = nullptr) const;  // no copy

  const Policy& policy() const { return policy_; }

 private:
  ViewSource views_;
  Policy policy_;
};

// A denied result for a document the pipeline cannot even start on (not a mapping, bad review).
DocResult malformed_result(const std::string& source, const std::string& message);

}  // namespace hostadm::harness
