// Documents/s of the YAML readers `host-harness replay` could use, on the same files in the
// same run, each also with per-file parallel parsing:
//   fast      the harness's fast subset reader, falling back to the full reader for a file it
//             declines (what replay does today)
//   yaml-cpp  the full reader, hostadm::parse_yaml_stream
//   libyaml   a reader on libyaml's event parser, scalars typed by core/yaml_scalar.hpp
// Every reader's documents are compared with yaml-cpp's: a reader that is fast but reads
// differently does not count.
//
// Usage: bench-yaml-readers [--runs N] [--threads N] FILE...
//        bench-yaml-readers --fixture READER FILE
// The second form reads one real-size fixture (a `snapshot`, tens of MB) into a Fixture with one
// reader (fast, yaml-cpp, libyaml, or json: the JSON fixture reader, a host at a time) without the
// YAML size limits, and prints {"reader", "seconds", "hosts"}: run it once per reader to see each
// one's peak memory (bench/snapshot-scale.sh does).
#include <yaml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/fast_yaml.hpp"
#include "webhook/core/fixture.hpp"
#include "webhook/core/yaml.hpp"
#include "webhook/core/yaml_scalar.hpp"
#include "webhook/io/input_files.hpp"

using nlohmann::json;

namespace {

using Docs = std::vector<json>;
using Reader = std::function<Docs(const std::string&)>;

// Limits that let a real-size fixture through: the readers are measured, not guarded.
const hostadm::YamlLimits kUnlimited{size_t{1} << 40, size_t{1} << 40, 128};

Docs read_fast(const std::string& text) {
  Docs out;
  if (auto docs = hostadm::harness::parse_fast_yaml(text)) {
    for (auto& d : *docs) out.push_back(std::move(d.value));
    return out;
  }
  for (auto& d : hostadm::parse_yaml_stream(text))
    if (!d.value.is_null()) out.push_back(std::move(d.value));
  return out;
}

Docs read_yaml_cpp(const std::string& text) {
  Docs out;
  for (auto& d : hostadm::parse_yaml_stream(text))
    if (!d.value.is_null()) out.push_back(std::move(d.value));
  return out;
}

// Plain scalars typed like the full reader; quoted ones and "!" stay strings. Enough for
// manifests (no anchors or tags in the benchmark's input; either is an error here).
Docs read_libyaml(const std::string& text) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) throw std::runtime_error("libyaml: out of memory");
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  Docs out;
  std::vector<json> stack;  // open collections
  std::vector<std::string> keys;
  std::vector<bool> want_key;  // per open mapping: is the next scalar a key?
  json root;
  auto add = [&](json value) {
    if (stack.empty()) {
      root = std::move(value);
      return;
    }
    json& top = stack.back();
    if (top.is_array()) {
      top.push_back(std::move(value));
    } else {
      top[keys.back()] = std::move(value);
      want_key.back() = true;
    }
  };
  bool done = false;
  while (!done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      std::string msg = parser.problem ? parser.problem : "parse error";
      yaml_parser_delete(&parser);
      throw std::runtime_error("libyaml: " + msg);
    }
    switch (ev.type) {
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      case YAML_DOCUMENT_START_EVENT:
        root = nullptr;
        break;
      case YAML_DOCUMENT_END_EVENT:
        if (!root.is_null()) out.push_back(std::move(root));
        break;
      case YAML_MAPPING_START_EVENT:
        stack.push_back(json::object());
        keys.emplace_back();
        want_key.push_back(true);
        break;
      case YAML_SEQUENCE_START_EVENT:
        stack.push_back(json::array());
        keys.emplace_back();
        want_key.push_back(false);
        break;
      case YAML_MAPPING_END_EVENT:
      case YAML_SEQUENCE_END_EVENT: {
        json value = std::move(stack.back());
        stack.pop_back();
        keys.pop_back();
        want_key.pop_back();
        add(std::move(value));
        break;
      }
      case YAML_SCALAR_EVENT: {
        std::string_view s(reinterpret_cast<const char*>(ev.data.scalar.value),
                           ev.data.scalar.length);
        if (!stack.empty() && stack.back().is_object() && want_key.back()) {
          keys.back() = std::string(s);
          want_key.back() = false;
          break;
        }
        const bool plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev.data.scalar.tag;
        add(plain ? hostadm::yaml_scalar::resolve_plain(s) : json(std::string(s)));
        break;
      }
      case YAML_ALIAS_EVENT:
        yaml_event_delete(&ev);
        yaml_parser_delete(&parser);
        throw std::runtime_error("libyaml reader: aliases are not in the benchmark's input");
      default:
        break;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  return out;
}

// Parses every file with `threads` threads taking files in turn; returns the documents per file.
std::vector<Docs> parse_all(const Reader& read, const std::vector<std::string>& texts,
                            unsigned threads) {
  std::vector<Docs> out(texts.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < texts.size();) out[i] = read(texts[i]);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One fixture file into a Fixture with one reader: the time and the hosts it holds.
int read_fixture(const std::string& reader, const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  hostadm::Fixture fixture;
  if (reader == "json") {
    fixture = hostadm::load_fixture_file(path);
  } else {
    const std::string text = read_file(path);
    json doc;
    if (reader == "fast") {
      auto docs = hostadm::harness::parse_fast_yaml(text, kUnlimited);
      if (!docs || docs->size() != 1) throw std::runtime_error("the fast reader declined");
      doc = std::move(docs->front().value);
    } else if (reader == "yaml-cpp") {
      doc = hostadm::parse_yaml_one(text, kUnlimited).value;
    } else if (reader == "libyaml") {
      doc = read_libyaml(text).at(0);
    } else {
      throw std::runtime_error("unknown reader " + reader + "; use fast, yaml-cpp, libyaml, json");
    }
    fixture = hostadm::parse_fixture(doc);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t hosts = 0;
  for (const auto& p : fixture.providers) hosts += p.hosts.size();
  std::cout << json{{"reader", reader}, {"seconds", s}, {"hosts", hosts}}.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--fixture") {
    try {
      return read_fixture(argv[2], argv[3]);
    } catch (const std::exception& e) {
      std::cerr << "bench-yaml-readers: " << e.what() << "\n";
      return 1;
    }
  }
  int runs = 3;
  unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::atoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc)
      threads = static_cast<unsigned>(std::atoi(argv[++i]));
    else
      paths.push_back(a);
  }
  if (paths.empty() || runs < 1 || threads < 1) {
    std::cerr << "usage: bench-yaml-readers [--runs N] [--threads N] FILE...\n";
    return 2;
  }
  std::vector<std::string> texts;
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << p << "\n";
      return 2;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    texts.push_back(ss.str());
  }
  const auto reference = parse_all(read_yaml_cpp, texts, 1);
  size_t total = 0;
  for (const auto& d : reference) total += d.size();

  const std::pair<const char*, Reader> readers[] = {
      {"fast", read_fast}, {"yaml-cpp", read_yaml_cpp}, {"libyaml", read_libyaml}};
  json results = json::array();
  std::printf("%-9s %7s %9s %12s %8s\n", "reader", "threads", "documents", "documents/s", "differ");
  for (const auto& [name, read] : readers) {
    for (unsigned t : {1u, threads}) {
      if (t == threads && threads == 1) continue;
      double best = 1e100;
      size_t differ = 0;
      for (int r = 0; r < runs; ++r) {
        const auto start = std::chrono::steady_clock::now();
        const auto got = parse_all(read, texts, t);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best = std::min(best, s);
        if (r == 0) {
          for (size_t f = 0; f < got.size(); ++f) {
            const auto& want = reference[f];
            if (got[f].size() != want.size()) {
              differ += std::max(got[f].size(), want.size());
              continue;
            }
            for (size_t d = 0; d < want.size(); ++d) differ += got[f][d] != want[d];
          }
        }
      }
      const double rate = total / best;
      std::printf("%-9s %7u %9zu %12.0f %8zu\n", name, t, total, rate, differ);
      results.push_back({{"reader", name},
                         {"threads", t},
                         {"documents", total},
                         {"best_seconds", best},
                         {"docs_per_s", static_cast<long>(rate)},
                         {"documents_differing", differ}});
    }
  }
  std::cerr << results.dump() << "\n";
  return 0;
}
