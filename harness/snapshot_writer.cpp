#include "harness/snapshot_writer.hpp"

#include "webhook/core/yaml.hpp"

namespace hostadm::harness {

using nlohmann::json;

void FixtureWriter::put(const std::string& text) {
  out_ << text;
  bytes_ += text.size();
}

namespace {

std::string compact(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// {"providers":[
// {...provider...,"hosts":[
// {...host...},
// {...host...}
// ]},
// {...provider without hosts...}
// ]}
class JsonWriter : public FixtureWriter {
 public:
  explicit JsonWriter(std::ostream& out) : FixtureWriter(out) {}

  void begin(const std::string&) override { put("{\"providers\":["); }

  void provider(const json& p, bool with_hosts) override {
    std::string text = (providers_++ ? ",\n" : "\n") + compact(p);
    if (with_hosts) {
      text.pop_back();  // the closing brace: the host list goes in first
      text += p.empty() ? "\"hosts\":[" : ",\"hosts\":[";
    }
    hosts_ = 0;
    put(text);
  }

  void host(const std::string& text) override { put((hosts_++ ? ",\n" : "\n") + text); }

  void end_provider() override { put(hosts_ ? "\n]}" : "]}"); }

  void end() override { put(providers_ ? "\n]}\n" : "]}\n"); }

 private:
  size_t providers_ = 0, hosts_ = 0;
};

std::string indent(const std::string& text, size_t n) {
  std::string out, pad(n, ' ');
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += pad + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

class YamlWriter : public FixtureWriter {
 public:
  explicit YamlWriter(std::ostream& out) : FixtureWriter(out) {}

  void begin(const std::string& source) override {
    put("# Recorded by host-harness snapshot from " + source + "\nproviders:");
  }

  void provider(const json& p, bool with_hosts) override {
    put(providers_++ ? "" : "\n");
    put(to_yaml(json::array({p})));
    hosts_ = 0;
    if (with_hosts) put("  hosts:");
  }

  void host(const std::string& text) override {
    put(hosts_++ ? "" : "\n");
    put(indent(to_yaml(json::array({json::parse(text)})), 2));
  }

  void end_provider() override { put(hosts_ ? "" : " []\n"); }

  void end() override { put(providers_ ? "" : " []\n"); }

 private:
  size_t providers_ = 0, hosts_ = 0;
};

}  // namespace

std::unique_ptr<FixtureWriter> make_fixture_writer(const std::string& format, std::ostream& out) {
  if (format == "yaml") return std::make_unique<YamlWriter>(out);
  return std::make_unique<JsonWriter>(out);
}

}  // namespace hostadm::harness
