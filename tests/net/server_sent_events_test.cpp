// The event-stream reader on the format's own examples and on OpenAI-style streams, whole and cut
// at every byte: the same events come out however the body arrives.
#include "net/server_sent_events.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

std::vector<ServerSentEvent> ReadAll(std::string_view body, std::vector<std::size_t> cuts) {
  ServerSentEventReader reader;
  std::vector<ServerSentEvent> events;
  std::size_t from = 0;
  cuts.push_back(body.size());
  for (std::size_t cut : cuts) {
    Expected<std::vector<ServerSentEvent>> read = reader.Feed(body.substr(from, cut - from));
    EXPECT_TRUE(read) << read.error().message;
    if (read) events.insert(events.end(), read->begin(), read->end());
    from = cut;
  }
  return events;
}

// Whole, cut once at every position, and a byte at a time: always `expected`.
void ExpectEverySplitReads(std::string_view body, const std::vector<ServerSentEvent>& expected) {
  EXPECT_EQ(ReadAll(body, {}), expected) << "whole";
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    EXPECT_EQ(ReadAll(body, {cut}), expected) << "cut at " << cut;
  }
  std::vector<std::size_t> every;
  for (std::size_t cut = 1; cut < body.size(); ++cut) every.push_back(cut);
  EXPECT_EQ(ReadAll(body, every), expected) << "a byte at a time";
}

TEST(ServerSentEvents, DataLinesJoinAndABlankLineDispatches) {
  ExpectEverySplitReads("data: YHOO\ndata: +2\ndata: 10\n\n",
                        {{.event = "message", .data = "YHOO\n+2\n10"}});
}

TEST(ServerSentEvents, CommentsFieldsWithoutColonsAndEventNames) {
  ExpectEverySplitReads(
      ": keep-alive\n\nevent: add\ndata: 73857293\n\ndata\n\ndata\ndata\n\ndata:\n\nid: 7\n"
      "data:no space\n\n",
      {{.event = "add", .data = "73857293"},
       {.data = ""},
       {.data = "\n"},
       {.data = ""},
       {.data = "no space", .id = "7"}});
}

TEST(ServerSentEvents, EveryLineEndAndAByteOrderMark) {
  ExpectEverySplitReads(
      "\xEF\xBB\xBF"
      "data: a\r\n\r\ndata: b\r\rdata: c\n\n",
      {{.data = "a"}, {.data = "b"}, {.data = "c"}});
}

TEST(ServerSentEvents, AnEventWithoutDataOrUnfinishedIsNotDispatched) {
  EXPECT_TRUE(ReadAll("event: ping\n\nretry: 10\n\n", {}).empty());
  EXPECT_TRUE(ReadAll("data: half", {}).empty());
}

TEST(ServerSentEvents, AnOpenAiStreamEndsWithDone) {
  const std::string body =
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n"
      "data: [DONE]\n\n";
  ExpectEverySplitReads(body, {{.data = R"({"choices":[{"delta":{"content":"Hel"}}]})"},
                               {.data = R"({"choices":[{"delta":{"content":"lo"}}]})"},
                               {.data = "[DONE]"}});
}

TEST(ServerSentEvents, ALineLongerThanTheBoundIsAnErrorAndTheReaderStops) {
  ServerSentEventReader reader(16);
  EXPECT_TRUE(reader.Feed("data: 0123456789"));  // 16 bytes: at the bound
  Expected<std::vector<ServerSentEvent>> over = reader.Feed("x");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(over.error().message.find("longer than 16 bytes"), std::string::npos);
  EXPECT_FALSE(reader.Feed("\n\n"));
}

}  // namespace
}  // namespace talky
