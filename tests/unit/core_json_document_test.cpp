// JsonDocument's parsers: a thread keeps the one it used last, the threads past those share a
// pool, and however many threads parse, at most 16 parsers rest between documents.
#include "webhook/core/json_document.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hostadm {
namespace {

const std::string kReview = R"({"kind":"AdmissionReview","request":{"uid":"u","name":"a\"b"}})";

// Holds threads at a line until all of them reached it.
class Line {
 public:
  explicit Line(size_t n) : left_(n) {}
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lk(mu_);
    if (--left_ == 0) cv_.notify_all();
    cv_.wait(lk, [&] { return left_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t left_;
};

TEST(JsonDocumentTest, ParsesTheTextAndTheBlankedCopyAlike) {
  const JsonDocument kept(kReview);
  const JsonDocument blanked(kReview, JsonDocument::Escapes::Blank);
  EXPECT_FALSE(kept.blanked());
  EXPECT_TRUE(blanked.blanked());
  EXPECT_EQ(std::string_view(kept.root()["request"]["uid"]), "u");
  EXPECT_EQ(std::string_view(blanked.root()["request"]["uid"]), "u");
}

// A parser resting in a thread that ends is freed and no longer counted: otherwise the count
// would climb to the bound and nothing would rest any more. (Before the test below, which
// leaves the count at the bound.)
TEST(JsonDocumentTest, AThreadThatEndsGivesUpTheParserItKept) {
  const size_t before = resting_parsers();
  for (int i = 0; i < 40; ++i)
    std::thread([] { const JsonDocument doc(kReview, JsonDocument::Escapes::Blank); }).join();
  EXPECT_LE(resting_parsers(), before);
}

// 40 documents open at once need 40 parsers; once they are closed, 16 at most stay, while the
// threads that parsed them are still there and after they ended.
TEST(JsonDocumentTest, AtMostSixteenParsersRestHoweverManyThreadsParsed) {
  constexpr size_t kThreads = 40;
  Line all_open(kThreads), all_closed(kThreads + 1), checked(kThreads + 1);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      {
        const JsonDocument doc(kReview, JsonDocument::Escapes::Blank);
        all_open.arrive_and_wait();
      }
      all_closed.arrive_and_wait();
      checked.arrive_and_wait();
    });
  all_closed.arrive_and_wait();
  EXPECT_LE(resting_parsers(), 16u);
  EXPECT_GT(resting_parsers(), 0u);
  checked.arrive_and_wait();
  for (auto& t : threads) t.join();
  EXPECT_LE(resting_parsers(), 16u);
}

// 24 threads, more than keep a parser of their own, each parsing in turn and staying alive: on
// the second round none allocates a parser. The threads past the slots share the pool's instead
// of allocating one per document and freeing it after.
TEST(JsonDocumentTest, ThreadsPastTheSlotsShareThePoolsParsers) {
  constexpr int kThreads = 24;
  std::mutex mu;
  std::condition_variable cv;
  int turn = 0;
  size_t made_before_second_round = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      for (int round = 0; round < 2; ++round) {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return turn == round * kThreads + i; });
        if (turn == kThreads) made_before_second_round = parsers_made();
        { const JsonDocument doc(kReview, JsonDocument::Escapes::Blank); }
        ++turn;
        cv.notify_all();
      }
      // Alive until all are done: a thread that ends frees the parser it kept.
      std::unique_lock<std::mutex> lk(mu);
      cv.wait(lk, [&] { return turn == 2 * kThreads; });
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(parsers_made(), made_before_second_round);
  EXPECT_LE(resting_parsers(), 16u);
}

}  // namespace
}  // namespace hostadm
