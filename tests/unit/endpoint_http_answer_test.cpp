// Reading one HTTP/1.1 answer from an ESXi endpoint as its bytes arrive: framed by
// Content-Length, by chunks or by the close, interim answers skipped, the session cookie kept,
// and every way a hostile endpoint could make the reader read or allocate without bound refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "webhook/endpoint/http_answer.hpp"

namespace hostadm::endpoint {
namespace {

using State = AnswerReader::State;
using testing::HasSubstr;

// Feeds `bytes` in pieces of `step` bytes; the state after the last piece.
State feed_in_steps(AnswerReader& r, const std::string& bytes, size_t step) {
  State s = State::Incomplete;
  for (size_t i = 0; i < bytes.size() && s == State::Incomplete; i += step)
    s = r.feed(std::string_view(bytes).substr(i, step));
  return s;
}

TEST(HttpAnswerTest, ReadsABodyFramedByContentLengthInAnyPieces) {
  const std::string answer =
      "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 11\r\n\r\nhello world";
  for (size_t step : {1u, 3u, 7u, 1000u}) {
    AnswerReader r;
    ASSERT_EQ(feed_in_steps(r, answer, step), State::Done) << step << ": " << r.error();
    EXPECT_EQ(r.answer().status, 200);
    EXPECT_EQ(r.answer().body, "hello world");
    EXPECT_FALSE(r.answer().close);
  }
}

TEST(HttpAnswerTest, ReadsAChunkedBody) {
  AnswerReader r;
  ASSERT_EQ(feed_in_steps(r,
                          "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n",
                          4),
            State::Done)
      << r.error();
  EXPECT_EQ(r.answer().status, 500);
  EXPECT_EQ(r.answer().body, "hello world");
}

TEST(HttpAnswerTest, ReadsABodyToTheCloseWhenNothingFramesIt) {
  AnswerReader r;
  EXPECT_EQ(r.feed("HTTP/1.0 200 OK\r\n\r\npartial "), State::Incomplete);
  EXPECT_EQ(r.feed("body"), State::Incomplete);
  ASSERT_EQ(r.end_of_stream(), State::Done) << r.error();
  EXPECT_EQ(r.answer().body, "partial body");
  EXPECT_TRUE(r.answer().close);
}

TEST(HttpAnswerTest, SkipsInterimAnswers) {
  AnswerReader r;
  ASSERT_EQ(r.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
                   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            State::Done)
      << r.error();
  EXPECT_EQ(r.answer().status, 200);
  EXPECT_EQ(r.answer().body, "ok");
}

TEST(HttpAnswerTest, KeepsTheSessionCookieAndNoOther) {
  AnswerReader r;
  ASSERT_EQ(r.feed("HTTP/1.1 200 OK\r\nSet-Cookie: other=1; Path=/\r\n"
                   "set-cookie: vmware_soap_session=\"52a6c1e4-94b1\"; Path=/; HttpOnly; Secure\r\n"
                   "Content-Length: 0\r\n\r\n"),
            State::Done)
      << r.error();
  EXPECT_EQ(r.answer().session_cookie, "\"52a6c1e4-94b1\"");
}

TEST(HttpAnswerTest, ACookieThatCannotBeSentBackIsDropped) {
  AnswerReader r;
  ASSERT_EQ(r.feed("HTTP/1.1 200 OK\r\nSet-Cookie: vmware_soap_session=a b\r\n"
                   "Content-Length: 0\r\n\r\n"),
            State::Done);
  EXPECT_EQ(r.answer().session_cookie, "");
}

TEST(HttpAnswerTest, NotesThatTheServerWillClose) {
  for (const std::string head :
       {"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\n", "HTTP/1.0 200 OK\r\n"}) {
    AnswerReader r;
    ASSERT_EQ(r.feed(head + "Content-Length: 0\r\n\r\n"), State::Done) << head;
    EXPECT_TRUE(r.answer().close) << head;
  }
  AnswerReader extra;  // bytes past the answer: the connection cannot be used again
  ASSERT_EQ(extra.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy"), State::Done);
  EXPECT_TRUE(extra.answer().close);
}

TEST(HttpAnswerTest, RefusesMalformedAnswers) {
  const std::pair<std::string, const char*> cases[] = {
      {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "not HTTP/1.x"},
      {"HTTP/2 200\r\n\r\n", "not HTTP/1.x"},
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "unsupported"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
       "both Content-Length and Transfer-Encoding"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunked body"},
  };
  for (const auto& [bytes, why] : cases) {
    AnswerReader r;
    EXPECT_EQ(r.feed(bytes), State::Error) << bytes;
    EXPECT_THAT(r.error(), HasSubstr(why)) << bytes;
  }
}

TEST(HttpAnswerTest, AnAnswerCutShortIsAnError) {
  AnswerReader head_only;
  head_only.feed("HTTP/1.1 200 OK\r\nContent-Le");
  EXPECT_EQ(head_only.end_of_stream(), State::Error);
  EXPECT_THAT(head_only.error(), HasSubstr("closed the connection without an answer"));
  AnswerReader body_cut;
  body_cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(body_cut.end_of_stream(), State::Error);
  EXPECT_THAT(body_cut.error(), HasSubstr("in the middle of the answer"));
}

TEST(HttpAnswerTest, NothingGrowsPastItsLimit) {
  const AnswerLimits small{64, 100};
  AnswerReader head(small);
  EXPECT_EQ(feed_in_steps(head, "HTTP/1.1 200 OK\r\n" + std::string(200, 'x'), 10), State::Error);
  EXPECT_THAT(head.error(), HasSubstr("head is longer than 64 bytes"));

  AnswerReader declared(small);
  EXPECT_EQ(declared.feed("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n"), State::Error);
  EXPECT_THAT(declared.error(), HasSubstr("(101 bytes) is larger than 100 bytes"));

  AnswerReader chunks(small);
  EXPECT_EQ(feed_in_steps(chunks,
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                              std::string("32\r\n") + std::string(50, 'x') + "\r\n" +
                              std::string("33\r\n") + std::string(51, 'x') + "\r\n",
                          7),
            State::Error);
  EXPECT_THAT(chunks.error(), HasSubstr("larger than 100 bytes"));

  AnswerReader to_close(small);
  EXPECT_EQ(feed_in_steps(to_close, "HTTP/1.1 200 OK\r\n\r\n" + std::string(101, 'x'), 10),
            State::Error);
  EXPECT_THAT(to_close.error(), HasSubstr("larger than 100 bytes"));

  AnswerReader interim(small);  // endless 100 Continue answers are a head that never ends
  std::string many;
  for (int i = 0; i < 100; ++i) many += "HTTP/1.1 100 Continue\r\n\r\n";
  EXPECT_EQ(feed_in_steps(interim, many, 1000), State::Incomplete)
      << "each interim answer is dropped once read: memory stays bounded";
}

}  // namespace
}  // namespace hostadm::endpoint
