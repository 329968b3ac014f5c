#include "webhook/core/json_document.hpp"

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/core/json_escapes.hpp"
#include "webhook/core/simdjson_convert.hpp"

namespace hostadm {
namespace {

namespace dom = simdjson::dom;

// Parsers keep their buffers between documents, which is the point. A parser rests in the slot
// of the thread that used it last, so the next document that thread parses writes into buffers
// already in its core's cache; at most kSlots threads keep one that way, and the others share a
// pool of up to kPooled. So at most 16 rest in all, their number following the documents parsed
// at once rather than the workers, and threads past the slots (the reserve woken for a slow
// inventory, say) still find a pooled parser instead of allocating one each time. A parser's
// memory grows with the largest text it has seen, so only parsers sized for ordinary reviews are
// kept: a larger body gets a parser of its own, freed with the document.
constexpr size_t kPooledCapacity = 64 * 1024;

class ParserPool {
 public:
  std::unique_ptr<dom::parser> take() {
    if (Slot& slot = this_thread(); slot.parser) {
      in_slots_.fetch_sub(1, std::memory_order_relaxed);
      return std::move(slot.parser);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        auto p = std::move(free_.back());
        free_.pop_back();
        return p;
      }
    }
    made_.fetch_add(1, std::memory_order_relaxed);
    return sized(kPooledCapacity);
  }
  void give(std::unique_ptr<dom::parser> p) {
    if (Slot& slot = this_thread(); !slot.parser) {
      if (in_slots_.fetch_add(1, std::memory_order_relaxed) < kSlots) {
        slot.parser = std::move(p);
        return;
      }
      in_slots_.fetch_sub(1, std::memory_order_relaxed);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < kPooled) free_.push_back(std::move(p));
  }
  static std::unique_ptr<dom::parser> sized(size_t capacity) {
    auto p = std::make_unique<dom::parser>(capacity);
    if (p->allocate(capacity, kMaxJsonDepth) != simdjson::SUCCESS) throw std::bad_alloc();
    return p;
  }
  size_t resting() {
    std::lock_guard<std::mutex> lock(mu_);
    return in_slots_.load(std::memory_order_relaxed) + free_.size();
  }
  size_t made() const { return made_.load(std::memory_order_relaxed); }

 private:
  struct Slot {
    std::unique_ptr<dom::parser> parser;
    ~Slot();
  };
  static Slot& this_thread() {
    thread_local Slot slot;
    return slot;
  }

  static constexpr size_t kSlots = 8, kPooled = 8;
  std::atomic<size_t> in_slots_{0};
  std::atomic<size_t> made_{0};
  std::mutex mu_;
  std::vector<std::unique_ptr<dom::parser>> free_;
};

ParserPool& pool() {
  static ParserPool* p = new ParserPool;  // never destroyed: workers may outlive static teardown
  return *p;
}

ParserPool::Slot::~Slot() {
  if (parser) pool().in_slots_.fetch_sub(1, std::memory_order_relaxed);
}

// simdjson said no; nlohmann's parser says why, in the words users of this project have always
// read. The depth check comes first, as it did for every network body.
[[noreturn]] void refuse(std::string_view text, simdjson::error_code error) {
  check_json_depth(text);  // throws JsonTooDeep
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text);
    (void)parsed;
  } catch (const nlohmann::json::parse_error& e) {
    throw InvalidJson(e.what(), e.byte);
  } catch (const nlohmann::json::exception& e) {  // a number out of double range
    throw InvalidJson(e.what(), 0);
  }
  // Valid JSON that simdjson cannot hold: an integer beyond 64 bits. No Kubernetes object has one.
  throw InvalidJson(std::string("JSON simdjson cannot read: ") + simdjson::error_message(error) +
                        " (an integer beyond 64 bits?)",
                    0);
}

}  // namespace

JsonDocument::JsonDocument(std::string_view text, Escapes escapes) {
  pooled_ = text.size() <= kPooledCapacity;
  parser_ = pooled_ ? pool().take() : ParserPool::sized(text.size());
  // Only pooled-size texts are blanked: the copy lives in a buffer each thread keeps.
  if (escapes == Escapes::Blank && pooled_ && parse_blanked(text)) return;
  const simdjson::error_code error = parser_->parse(text.data(), text.size()).get(root_);
  if (error != simdjson::SUCCESS) {
    if (pooled_) pool().give(std::move(parser_));
    refuse(text, error);
  }
}

// True: parsed from the blanked copy. False: the copy did not parse (a blanked text parses
// exactly when the text does, but an error is the text's to tell), so the caller parses the text
// itself.
bool JsonDocument::parse_blanked(std::string_view text) {
  // The parser reads up to SIMDJSON_PADDING bytes past the end; a document's tree does not point
  // into its text, so the buffer is free again once parse() returned.
  thread_local std::string copy;
  if (copy.size() < text.size() + simdjson::SIMDJSON_PADDING)
    copy.resize(text.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(copy.data(), text.data(), text.size());
  const bool blanked = blank_escapes(copy.data(), text.size()) != 0;
  if (parser_->parse(copy.data(), text.size(), /*realloc_if_needed=*/false).get(root_) !=
      simdjson::SUCCESS)
    return false;
  blanked_ = blanked;
  return true;
}

JsonDocument::~JsonDocument() {
  if (pooled_ && parser_) pool().give(std::move(parser_));
}

size_t resting_parsers() {
  return pool().resting();
}

size_t parsers_made() {
  return pool().made();
}

const char* json_type_name(dom::element value) {
  switch (value.type()) {
    case dom::element_type::OBJECT:
      return "object";
    case dom::element_type::ARRAY:
      return "array";
    case dom::element_type::STRING:
      return "string";
    case dom::element_type::BOOL:
      return "boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
    default:
      return "number";
  }
}

// Only messages about a wrong type call this, so the value goes through nlohmann for the exact
// text; simdjson and nlohmann read every number both accept to the same value.
std::string describe_json(dom::element value) {
  if (value.type() == dom::element_type::NULL_VALUE) return "null";
  std::string text = to_nlohmann(value, /*numbers=*/true)
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return std::string(json_type_name(value)) + " " + text;
}

}  // namespace hostadm
