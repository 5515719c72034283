#include "telephony/vonage/vonage_media_message.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

TEST(VonageMediaMessage, ConnectedCarriesTheRateAndTheFlattenedHeaders) {
  const Expected<VonageMediaEvent> event = ParseVonageMediaEvent(
      R"({"event":"websocket:connected","content-type":"audio/l16;rate=8000",)"
      R"("call_id":"c-42","token":"abc","n":1})");
  ASSERT_TRUE(event) << event.error().Describe();
  const auto& connected = std::get<VonageMediaConnected>(*event);
  EXPECT_EQ(connected.sample_rate, 8000);
  EXPECT_EQ(connected.call_id, CallId{"c-42"});
  EXPECT_EQ(connected.headers, (std::map<std::string, std::string>{{"token", "abc"}}));
}

TEST(VonageMediaMessage, DtmfClearedAndNotify) {
  const auto dtmf =
      ParseVonageMediaEvent(R"({"event":"websocket:dtmf","digit":"#","duration":260})");
  ASSERT_TRUE(dtmf);
  EXPECT_EQ(std::get<VonageMediaDtmf>(*dtmf).digit, '#');
  EXPECT_EQ(std::get<VonageMediaDtmf>(*dtmf).duration_ms, 260);
  EXPECT_TRUE(std::holds_alternative<VonageMediaCleared>(
      *ParseVonageMediaEvent(R"({"event":"websocket:cleared"})")));
  const auto notify = ParseVonageMediaEvent(R"({"event":"websocket:notify","payload":{"turn":3}})");
  ASSERT_TRUE(notify);
  EXPECT_EQ(std::get<VonageMediaNotify>(*notify).payload["turn"], 3);
}

// A row per bad message: the field that the error names.
TEST(VonageMediaMessage, BadMessagesNameTheirField) {
  struct Case {
    std::string text;
    std::string field;
  };
  const Case cases[] = {
      {R"({"event":"websocket:connected","content-type":"audio/l16;rate=44100","call_id":"c"})",
       "content-type"},
      {R"({"event":"websocket:connected","content-type":"audio/l16;rate=16000"})", "call_id"},
      {R"({"event":"websocket:connected","content-type":"audio/l16;rate=16000","call_id":""})",
       "call_id"},
      {R"({"event":"websocket:dtmf","digit":"x"})", "digit"},
      {R"({"event":"websocket:dtmf","digit":"12"})", "digit"},
      {R"({"event":"websocket:dtmf","digit":"1","duration":-5})", "duration"},
      {R"({"event":"websocket:dance"})", "event"},
      {R"({"digit":"1"})", "event"},
  };
  for (const Case& row : cases) {
    const Expected<VonageMediaEvent> event = ParseVonageMediaEvent(row.text);
    ASSERT_FALSE(event) << row.text;
    EXPECT_EQ(event.error().code, ErrorCode::kInvalidArgument);
    ASSERT_FALSE(event.error().fields.empty()) << row.text;
    EXPECT_EQ(event.error().fields.front().field, row.field) << row.text;
  }
  EXPECT_FALSE(ParseVonageMediaEvent("not json"));
  EXPECT_FALSE(ParseVonageMediaEvent("[1,2]"));
}

TEST(VonageMediaMessage, OurActions) {
  EXPECT_EQ(VonageClearAction(), R"({"action":"clear"})");
  EXPECT_EQ(nlohmann::json::parse(VonageNotifyAction({{"turn", 2}})),
            (nlohmann::json{{"action", "notify"}, {"payload", {{"turn", 2}}}}));
}

}  // namespace
}  // namespace talky
