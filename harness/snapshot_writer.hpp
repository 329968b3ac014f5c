// How `host-harness snapshot` writes the fixture it records: a provider and a host at a time, so
// a vCenter of any size streams through with a page of hosts in memory.
#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace hostadm::harness {

class FixtureWriter {
 public:
  virtual ~FixtureWriter() = default;
  // `source`: the inventory's base URL, for a reader of the file.
  virtual void begin(const std::string& source) = 0;
  // A provider without `hosts`; `with_hosts`: a host list follows (vSphere), ended by
  // end_provider().
  virtual void provider(const nlohmann::json& p, bool with_hosts) = 0;
  // A host as compact JSON text (harness/canonical_json.hpp).
  virtual void host(const std::string& text) = 0;
  virtual void end_provider() = 0;
  virtual void end() = 0;
  size_t bytes() const { return bytes_; }

 protected:
  void put(const std::string& text);
  explicit FixtureWriter(std::ostream& out) : out_(out) {}

 private:
  std::ostream& out_;
  size_t bytes_ = 0;
};

// `format`: "json" (one host per line, keys sorted: the same inventory always gives the same
// bytes, and every fixture reader takes it at any size) or "yaml" (for reading and editing by
// hand; the fixture readers take YAML up to 16 MB).
std::unique_ptr<FixtureWriter> make_fixture_writer(const std::string& format, std::ostream& out);

}  // namespace hostadm::harness
