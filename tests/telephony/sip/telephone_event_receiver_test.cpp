// RFC 4733 digits as the far side sends them: one report per press, at its first end packet, with
// the longest duration its packets gave; lost end packets reported by the next press or after the
// idle time; anything not DTMF ignored.
#include "telephony/sip/telephone_event_receiver.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <vector>

namespace talky {

void PrintTo(const TelephoneEventReceiver::Digit& digit, std::ostream* out) {
  *out << "{'" << digit.digit << "', " << digit.duration.count() << " ms, ts "
       << digit.rtp_timestamp << "}";
}

namespace {

using namespace std::chrono_literals;
using ReceivedDigit = TelephoneEventReceiver::Digit;
using ReceivedDigits = std::vector<ReceivedDigit>;

const TelephoneEventReceiver::TimePoint kPressStart{std::chrono::seconds(1000)};
constexpr std::uint32_t kFirstPress = 0xfffff000;  // near the wrap, as any random start may be
constexpr std::uint32_t kSecondPress = kFirstPress + 1600;

std::array<std::uint8_t, kTelephoneEventPayloadSize> EventPayload(int code, bool end,
                                                                  std::uint16_t duration) {
  return {static_cast<std::uint8_t>(code), static_cast<std::uint8_t>((end ? 0x80 : 0x00) | 10),
          static_cast<std::uint8_t>(duration >> 8), static_cast<std::uint8_t>(duration & 0xff)};
}

// Feeds one packet; the digits it reports.
ReceivedDigits Feed(TelephoneEventReceiver& receiver, std::uint32_t timestamp, int code, bool end,
                    std::uint16_t duration, TelephoneEventReceiver::TimePoint at) {
  const TelephoneEventReceiver::Digits digits =
      receiver.OnPacket(timestamp, EventPayload(code, end, duration), at);
  return ReceivedDigits(digits.begin(), digits.end());
}

TEST(TelephoneEventReceiver, ReportsADigitOnceAtItsFirstEndPacketWithItsDuration) {
  TelephoneEventReceiver receiver;
  // Every 20 ms (160 units at 8 kHz) the duration so far; the end packet three times.
  EXPECT_EQ(Feed(receiver, kFirstPress, 5, false, 160, kPressStart), ReceivedDigits{});
  EXPECT_EQ(Feed(receiver, kFirstPress, 5, false, 320, kPressStart + 20ms), ReceivedDigits{});
  EXPECT_EQ(Feed(receiver, kFirstPress, 5, true, 800, kPressStart + 40ms),
            (ReceivedDigits{{'5', 100ms, kFirstPress}}));
  EXPECT_EQ(Feed(receiver, kFirstPress, 5, true, 800, kPressStart + 60ms), ReceivedDigits{});
  EXPECT_EQ(Feed(receiver, kFirstPress, 5, true, 800, kPressStart + 80ms), ReceivedDigits{});
  EXPECT_EQ(receiver.OnIdle(kPressStart + 10s), std::nullopt);
}

TEST(TelephoneEventReceiver, DurationIsIn8kHzUnitsRoundedDown) {
  TelephoneEventReceiver receiver;
  EXPECT_EQ(Feed(receiver, kFirstPress, 1, true, 799, kPressStart),
            (ReceivedDigits{{'1', 99ms, kFirstPress}}));
  EXPECT_EQ(Feed(receiver, kSecondPress, 2, true, 65535, kPressStart + 1s),
            (ReceivedDigits{{'2', 8191ms, kSecondPress}}));
}

TEST(TelephoneEventReceiver, LostEndPacketsAreReportedWhenTheNextPressStarts) {
  TelephoneEventReceiver receiver;
  EXPECT_EQ(Feed(receiver, kFirstPress, 3, false, 160, kPressStart), ReceivedDigits{});
  EXPECT_EQ(Feed(receiver, kFirstPress, 3, false, 480, kPressStart + 40ms), ReceivedDigits{});
  EXPECT_EQ(Feed(receiver, kSecondPress, 4, false, 160, kPressStart + 200ms),
            (ReceivedDigits{{'3', 60ms, kFirstPress}}));
  EXPECT_EQ(Feed(receiver, kSecondPress, 4, true, 640, kPressStart + 260ms),
            (ReceivedDigits{{'4', 80ms, kSecondPress}}));
}

TEST(TelephoneEventReceiver, LostEndPacketsAreReportedAfterTheIdleTimeNotBefore) {
  TelephoneEventReceiver receiver;
  EXPECT_EQ(Feed(receiver, kFirstPress, 9, false, 160, kPressStart), ReceivedDigits{});
  const auto last_packet = kPressStart + 40ms;
  EXPECT_EQ(Feed(receiver, kFirstPress, 9, false, 480, last_packet), ReceivedDigits{});
  ASSERT_EQ(TelephoneEventReceiver::kIdleReport, 200ms);
  // Idle counts from the event's last packet, not its first.
  EXPECT_EQ(receiver.OnIdle(kPressStart + TelephoneEventReceiver::kIdleReport), std::nullopt);
  EXPECT_EQ(receiver.OnIdle(last_packet + TelephoneEventReceiver::kIdleReport - 1ms), std::nullopt);
  EXPECT_EQ(receiver.OnIdle(last_packet + TelephoneEventReceiver::kIdleReport),
            (ReceivedDigit{'9', 60ms, kFirstPress}));
  // Once only: neither idling on nor its late end packets report it again.
  EXPECT_EQ(receiver.OnIdle(last_packet + 10s), std::nullopt);
  EXPECT_EQ(Feed(receiver, kFirstPress, 9, true, 800, last_packet + 10s), ReceivedDigits{});
  EXPECT_EQ(Feed(receiver, kSecondPress, 9, true, 160, last_packet + 11s),
            (ReceivedDigits{{'9', 20ms, kSecondPress}}));
}

TEST(TelephoneEventReceiver, APacketCanEndTheLastPressAndBeAWholePressItself) {
  TelephoneEventReceiver receiver;
  EXPECT_EQ(Feed(receiver, kFirstPress, 11, false, 160, kPressStart), ReceivedDigits{});
  EXPECT_EQ(Feed(receiver, kSecondPress, 10, true, 320, kPressStart + 100ms),
            (ReceivedDigits{{'#', 20ms, kFirstPress}, {'*', 40ms, kSecondPress}}));
}

TEST(TelephoneEventReceiver, TheSameDigitPressedTwiceIsTwoDigits) {
  TelephoneEventReceiver receiver;
  for (const std::uint32_t press : {kFirstPress, kSecondPress}) {
    const auto at = press == kFirstPress ? kPressStart : kPressStart + 1s;
    EXPECT_EQ(Feed(receiver, press, 7, false, 160, at), ReceivedDigits{});
    EXPECT_EQ(Feed(receiver, press, 7, true, 320, at + 20ms), (ReceivedDigits{{'7', 40ms, press}}));
    EXPECT_EQ(Feed(receiver, press, 7, true, 320, at + 40ms), ReceivedDigits{});
  }
}

struct CodeRow {
  int code;
  char digit;
};

// RFC 4733 §3.2.
constexpr CodeRow kCodeRows[] = {
    {0, '0'}, {1, '1'}, {2, '2'},  {3, '3'},  {4, '4'},  {5, '5'},  {6, '6'},  {7, '7'},
    {8, '8'}, {9, '9'}, {10, '*'}, {11, '#'}, {12, 'A'}, {13, 'B'}, {14, 'C'}, {15, 'D'},
};

TEST(TelephoneEventReceiver, EventCodesAreTheDigitsOfRfc4733) {
  for (const CodeRow& row : kCodeRows) {
    SCOPED_TRACE(row.code);
    TelephoneEventReceiver receiver;
    EXPECT_EQ(Feed(receiver, kFirstPress, row.code, true, 800, kPressStart),
              (ReceivedDigits{{row.digit, 100ms, kFirstPress}}));
  }
}

TEST(TelephoneEventReceiver, EventsOtherThanDtmfAreIgnored) {
  TelephoneEventReceiver receiver;
  EXPECT_EQ(Feed(receiver, kFirstPress, 1, false, 160, kPressStart), ReceivedDigits{});
  // A tone (16: flash, 32+: modem and fax tones) under a new timestamp neither reports nor ends
  // the digit being received.
  for (const int code : {16, 32, 255}) {
    EXPECT_EQ(Feed(receiver, kSecondPress, code, true, 800, kPressStart + 20ms), ReceivedDigits{});
  }
  EXPECT_EQ(Feed(receiver, kFirstPress, 1, true, 480, kPressStart + 40ms),
            (ReceivedDigits{{'1', 60ms, kFirstPress}}));
  EXPECT_EQ(receiver.OnIdle(kPressStart + 10s), std::nullopt);
}

TEST(TelephoneEventReceiver, PayloadsShorterThanFourBytesAreIgnored) {
  TelephoneEventReceiver receiver;
  const auto whole = EventPayload(2, true, 800);  // what the first bytes would begin
  for (std::size_t size = 0; size < kTelephoneEventPayloadSize; ++size) {
    SCOPED_TRACE(size);
    EXPECT_TRUE(
        receiver
            .OnPacket(kFirstPress, std::span<const std::uint8_t>(whole).first(size), kPressStart)
            .empty());
  }
  EXPECT_EQ(receiver.OnIdle(kPressStart + 10s), std::nullopt);
}

TEST(TelephoneEventReceiver, ADurationGoingDownDoesNotShrinkIt) {
  TelephoneEventReceiver receiver;
  EXPECT_EQ(Feed(receiver, kFirstPress, 8, false, 800, kPressStart), ReceivedDigits{});
  EXPECT_EQ(Feed(receiver, kFirstPress, 8, false, 320, kPressStart + 20ms), ReceivedDigits{});
  EXPECT_EQ(Feed(receiver, kFirstPress, 8, true, 480, kPressStart + 40ms),
            (ReceivedDigits{{'8', 100ms, kFirstPress}}));
}

}  // namespace
}  // namespace talky
