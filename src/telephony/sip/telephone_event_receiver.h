// The receiving side of RFC 4733 DTMF: turns the telephone-event payloads of one RTP stream into
// digits, each reported once with its duration. Packets with the same RTP timestamp are one event,
// updated until its end bit (§2.5.2); the end packet comes three times, so the digit is reported at
// the first and the copies are ignored. When all end packets were lost, the digit is reported when
// the next event starts (a new timestamp) or, failing that, after kIdleReport without a packet of
// it: the owner calls OnIdle regularly for that. Packets are expected in sequence order (RtpMedia's
// jitter buffer restores it): timestamps are only compared for equality, so a packet of an earlier
// event arriving after a later one has started would count as a new press.
//
// The payloads come from the network as anyone sends them: any bytes are safe. A payload shorter
// than 4 bytes and events other than DTMF (codes above 15) are ignored. Fuzzed by
// fuzz/telephone_event_fuzzer.cpp. It was split out of RtpMedia (rtp_media.cpp) to be tested and
// fuzzed without libre and sockets.
//
// Pure: no I/O, no clock of its own (the caller says what time it is), no threads. One per received
// stream, called by one thread at a time (RtpMedia: its libre thread).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace talky {

// An RFC 4733 §2.3 payload: event code, E bit / reserved / volume, 16-bit duration.
inline constexpr std::size_t kTelephoneEventPayloadSize = 4;

class TelephoneEventReceiver {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // A digit whose end packets were all lost is reported after this long without a packet of it.
  static constexpr std::chrono::milliseconds kIdleReport{200};

  struct Digit {
    char digit = '0';  // '0'-'9', '*', '#', 'A'-'D'
    // The largest duration its packets gave, in RTP timestamp units at 8000 Hz, as milliseconds
    // (rounded down): at most 8191 ms (65535 units).
    std::chrono::milliseconds duration{0};
    std::uint32_t rtp_timestamp = 0;  // the event's: which press it was

    bool operator==(const Digit&) const = default;
  };

  // What one packet reports, in order: nothing, one digit, or two (the last event, left
  // unreported and ended by this packet's new timestamp, then this one when the packet is
  // already its end).
  class Digits {
   public:
    const Digit* begin() const { return digits_.data(); }
    const Digit* end() const { return digits_.data() + size_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const Digit& operator[](std::size_t index) const { return digits_[index]; }

   private:
    friend class TelephoneEventReceiver;
    void Add(const Digit& digit) { digits_[size_++] = digit; }

    std::array<Digit, 2> digits_{};
    std::size_t size_ = 0;
  };

  // One telephone-event packet's RTP timestamp and payload (padding removed), received at `now`:
  // the digits it completes. Never fails; what is not DTMF is ignored.
  Digits OnPacket(std::uint32_t rtp_timestamp, std::span<const std::uint8_t> payload,
                  TimePoint now);

  // The digit whose last packet came kIdleReport or more before `now` without its end, once;
  // nullopt otherwise.
  std::optional<Digit> OnIdle(TimePoint now);

 private:
  // The event being received, keyed by its RTP timestamp (RFC 4733 §2.5.2.2).
  struct Event {
    std::uint32_t timestamp = 0;
    int code = 0;                // 0..15
    std::uint32_t duration = 0;  // in timestamp units, the largest seen
    bool reported = false;
    TimePoint last_seen;
  };

  Digit Report();  // marks the event reported

  std::optional<Event> event_;
};

}  // namespace talky
