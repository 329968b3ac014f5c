// A fast reader for the plain subset of YAML that Kubernetes manifests use (block maps and
// lists, one-line flow collections, plain and simply quoted scalars, comments, `---`), so that
// `replay` meets its 10,000 documents/s target: yaml-cpp's scanner alone costs ~130 us per
// small Host document.
//
// It never guesses: anything outside the subset (anchors, tags, block scalars, multi-line
// scalars or flows, escapes it does not know, tabs, CR, duplicate keys, odd indentation, numbers
// it might type differently) makes it return nullopt, and the caller falls back to the full
// reader (hostadm::parse_yaml_stream), which also produces the precise error. When it does
// answer, the values equal parse_yaml_stream's (tested differentially).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/yaml.hpp"

namespace hostadm::harness {

struct FastYamlDoc {
  nlohmann::json value;
  int line = 1;  // first line of the document's content
};

// Non-empty, non-null documents of the stream, or nullopt to fall back. `limits`: the full
// reader's, whose max_bytes and max_nodes it declines past.
std::optional<std::vector<FastYamlDoc>> parse_fast_yaml(std::string_view text,
                                                        const YamlLimits& limits = {});

}  // namespace hostadm::harness
