#include "telephony/sip/telephone_event_receiver.h"

#include <algorithm>
#include <cassert>

#include "voice/audio.h"

namespace talky {
namespace {

// RFC 4733 §3.2's event codes 0..15.
char DigitOf(int code) {
  static constexpr char kDigits[] = "0123456789*#ABCD";
  assert(code >= 0 && code < 16);
  return kDigits[code];
}

}  // namespace

TelephoneEventReceiver::Digits TelephoneEventReceiver::OnPacket(
    std::uint32_t rtp_timestamp, std::span<const std::uint8_t> payload, TimePoint now) {
  Digits digits;
  if (payload.size() < kTelephoneEventPayloadSize) return digits;
  const int code = payload[0];
  const bool end = (payload[1] & 0x80) != 0;
  const auto duration = static_cast<std::uint32_t>((payload[2] << 8) | payload[3]);
  if (code > 15) return digits;  // tones and signals other than DTMF
  if (event_ && event_->timestamp == rtp_timestamp) {
    if (event_->reported) return digits;  // the end's copies, or news after it
    event_->duration = std::max(event_->duration, duration);
    event_->last_seen = now;
    if (end) digits.Add(Report());
    return digits;
  }
  if (event_ && !event_->reported) digits.Add(Report());
  event_ = Event{rtp_timestamp, code, duration, false, now};
  if (end) digits.Add(Report());
  return digits;
}

std::optional<TelephoneEventReceiver::Digit> TelephoneEventReceiver::OnIdle(TimePoint now) {
  if (event_ && !event_->reported && now - event_->last_seen >= kIdleReport) return Report();
  return std::nullopt;
}

TelephoneEventReceiver::Digit TelephoneEventReceiver::Report() {
  event_->reported = true;
  return Digit{DigitOf(event_->code),
               std::chrono::milliseconds(event_->duration * 1000 / kNarrowbandRate),
               event_->timestamp};
}

}  // namespace talky
