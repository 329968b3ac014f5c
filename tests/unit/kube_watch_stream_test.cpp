// The watch stream's framing: one JSON event per line, split anywhere by the transport.
#include "webhook/kube/watch_stream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hostadm::kube {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Collected {
  std::vector<WatchEvent> events;
  std::function<bool(WatchEvent&&)> sink() {
    return [this](WatchEvent&& e) {
      events.push_back(std::move(e));
      return true;
    };
  }
};

const std::string kAdded =
    R"({"type":"ADDED","object":{"kind":"Host","metadata":{"name":"a","resourceVersion":"7"}}})"
    "\n";
const std::string kBookmark =
    R"({"type":"BOOKMARK","object":{"kind":"Host","apiVersion":"forklift.konveyor.io/v1beta1","metadata":{"resourceVersion":"12"}}})"
    "\n";

TEST(WatchStreamTest, EventsSplitAcrossReadsAreReassembled) {
  WatchDecoder d;
  Collected c;
  std::string err;
  const std::string both = kAdded + kBookmark;
  for (size_t i = 0; i < both.size(); i += 5)
    ASSERT_TRUE(d.feed(std::string_view(both).substr(i, 5), c.sink(), err)) << err;
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].type, EventType::Added);
  EXPECT_EQ(c.events[0].resource_version(), "7");
  EXPECT_EQ(c.events[1].type, EventType::Bookmark);
  EXPECT_EQ(c.events[1].resource_version(), "12");
  EXPECT_EQ(d.pending(), 0u);
}

TEST(WatchStreamTest, EveryTypeIsRead) {
  for (const auto& [text, type] :
       std::vector<std::pair<std::string, EventType>>{{"ADDED", EventType::Added},
                                                      {"MODIFIED", EventType::Modified},
                                                      {"DELETED", EventType::Deleted},
                                                      {"BOOKMARK", EventType::Bookmark},
                                                      {"ERROR", EventType::Error}}) {
    std::string err;
    auto e = parse_watch_event(R"({"type":")" + text + R"(","object":{}})", err);
    ASSERT_TRUE(e) << err;
    EXPECT_EQ(e->type, type);
    EXPECT_STREQ(to_string(type), text.c_str());
  }
}

TEST(WatchStreamTest, BadLinesStopTheStreamWithoutShowingThem) {
  WatchDecoder d;
  Collected c;
  std::string err;
  EXPECT_FALSE(d.feed("{\"type\":\"ADDED\",\"object\":{\"data\":{\"password\":\"c2VjcmV0\"}\n",
                      c.sink(), err));
  EXPECT_THAT(err, HasSubstr("not a JSON object"));
  EXPECT_THAT(err, Not(HasSubstr("c2VjcmV0")));
  err.clear();
  EXPECT_FALSE(parse_watch_event(R"({"type":"CHANGED","object":{}})", err));
  EXPECT_THAT(err, HasSubstr("unknown type"));
  EXPECT_FALSE(parse_watch_event(R"({"type":"ADDED"})", err));
}

TEST(WatchStreamTest, AnOverlongLineIsRefused) {
  WatchDecoder d(100);
  Collected c;
  std::string err;
  EXPECT_FALSE(d.feed(std::string(101, 'x'), c.sink(), err));
  EXPECT_THAT(err, HasSubstr("longer than 100 bytes"));
}

TEST(WatchStreamTest, TheCallbackStopsTheStream) {
  WatchDecoder d;
  int seen = 0;
  std::string err;
  EXPECT_FALSE(d.feed(
      kAdded + kAdded, [&](WatchEvent&&) { return ++seen < 1; }, err));
  EXPECT_EQ(seen, 1);
  EXPECT_TRUE(err.empty());
}

TEST(WatchStreamTest, BlankLinesAreSkipped) {
  WatchDecoder d;
  Collected c;
  std::string err;
  EXPECT_TRUE(d.feed("\n\r\n" + kAdded + "\n", c.sink(), err));
  EXPECT_EQ(c.events.size(), 1u);
}

}  // namespace
}  // namespace hostadm::kube
