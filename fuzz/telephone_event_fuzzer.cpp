// RFC 4733 telephone-event packets as anyone who reaches our RTP port can send them, fed to
// TelephoneEventReceiver. The input is a run of packets, each a flags byte, a length byte and the
// payload. Flags bits 0-1 pick the RTP timestamp (0, 1: the last one again; 2: 160 x (1..4) later,
// the multiple from the length byte's bits 3-4; 3: 2^16 + 1 later), bits 2-4 the time since the
// last packet (around the idle time too), bits 5 and 6 an OnIdle call before and after the
// packet. The length byte's bits 0-2 give 0..7 payload bytes, to reach the short ones. Timestamps
// only move forward (from near the 32-bit wrap), as a stream's do once the jitter buffer has put
// its packets in order.
// Never a crash; every digit is 0-9, *, #, A-D with a duration of 0..8191 ms (16 bits of 8 kHz
// units) no longer than its packets said; a press is reported at most once, and every press,
// however its packets were lost, is reported once its idle time has passed.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string_view>

#include "telephony/sip/telephone_event_receiver.h"

namespace {

using std::chrono::milliseconds;
using talky::TelephoneEventReceiver;

constexpr std::array<milliseconds, 8> kTimeSteps = {
    milliseconds(0),   milliseconds(1),   milliseconds(20),  milliseconds(50),
    milliseconds(199), milliseconds(200), milliseconds(201), milliseconds(1000)};

struct Checker {
  // Each DTMF press fed (its timestamp), with the largest duration its packets carried.
  std::map<std::uint32_t, std::uint32_t> pressed;
  std::set<std::uint32_t> reported;

  void Check(const TelephoneEventReceiver::Digit& digit) {
    if (std::string_view("0123456789*#ABCD").find(digit.digit) == std::string_view::npos) {
      std::abort();
    }
    if (digit.duration < milliseconds(0) || digit.duration > milliseconds(65535 * 1000 / 8000)) {
      std::abort();
    }
    const auto press = pressed.find(digit.rtp_timestamp);
    if (press == pressed.end()) std::abort();  // never sent as DTMF
    if (digit.duration > milliseconds(press->second * 1000 / 8000)) std::abort();
    if (!reported.insert(digit.rtp_timestamp).second) std::abort();  // twice
  }

  void Idle(TelephoneEventReceiver& receiver, TelephoneEventReceiver::TimePoint now) {
    if (const std::optional<TelephoneEventReceiver::Digit> digit = receiver.OnIdle(now)) {
      Check(*digit);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  TelephoneEventReceiver receiver;
  Checker checker;
  TelephoneEventReceiver::TimePoint now{std::chrono::hours(1)};
  std::uint32_t timestamp = 0xffffff00;
  std::uint64_t advanced = 0;  // the timestamps must not come round to an old one
  std::size_t at = 0;
  while (at + 2 <= size) {
    const std::uint8_t flags = data[at];
    const std::uint8_t length_byte = data[at + 1];
    const std::size_t length = std::min<std::size_t>(length_byte & 0x07, size - at - 2);
    const std::span<const std::uint8_t> payload(data + at + 2, length);
    at += 2 + length;

    std::uint32_t step = 0;
    if ((flags & 0x03) == 2) step = 160u * (1u + ((length_byte >> 3) & 0x03));
    if ((flags & 0x03) == 3) step = 0x10001;
    advanced += step;
    if (advanced >= 0xffffffffu) break;
    timestamp += step;
    now += kTimeSteps[(flags >> 2) & 0x07];

    if (flags & 0x20) checker.Idle(receiver, now);
    if (payload.size() >= talky::kTelephoneEventPayloadSize && payload[0] <= 15) {
      const auto duration = static_cast<std::uint32_t>((payload[2] << 8) | payload[3]);
      std::uint32_t& largest = checker.pressed[timestamp];
      if (duration > largest) largest = duration;
    }
    const TelephoneEventReceiver::Digits digits = receiver.OnPacket(timestamp, payload, now);
    if (digits.size() > 2) std::abort();
    for (const TelephoneEventReceiver::Digit& digit : digits) checker.Check(digit);
    if (flags & 0x40) checker.Idle(receiver, now);
  }
  checker.Idle(receiver, now + TelephoneEventReceiver::kIdleReport);
  if (checker.reported.size() != checker.pressed.size()) std::abort();  // a press never reported
  return 0;
}
