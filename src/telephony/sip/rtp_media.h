// One SIP call's media: an RTP session (RFC 3550) carrying G.711 at 8 kHz between us and the
// trunk, built on libre's rtp_sock, jitter buffer and timers. It binds the UDP port the agent
// advertises in its SDP offer, and once the answer says where the far side listens:
//  - sends a 20 ms packet every 20 ms, paced by a libre timer against the steady clock, with
//    the audio its next_frame callback gives, or comfort silence when it has nothing (see
//    below);
//  - receives RTP through a small jitter buffer that restores the sender's order, drops
//    duplicates and late packets, and stands silence in for lost ones, and hands the decoded
//    audio to its on_frame callback in 20 ms frames (160 samples) as packets arrive;
//  - sends and receives DTMF as RFC 4733 telephone-events;
//  - reports, once, that no RTP arrived for rtp_timeout, so that the call can end.
// It stays at 8 kHz: converting to the pipeline's 16 kHz is the bridge's business (Resampler).
//
// Comfort silence. While the source has nothing to say we keep sending, every 20 ms, a packet of
// encoded digital silence (mu-law 0xFF, A-law 0xD5), not nothing (no DTX) and not RFC 3389 comfort
// noise (not negotiated): the far side's jitter buffer keeps its clock, NAT bindings and SBC
// media-timeout detectors stay fed, and our RTP timestamps keep to real time.
//
// Receiving starts at Create (early media may come before SetRemote), from any source address
// (symmetric RTP: a trunk behind NAT may not send from where its SDP says); a new SSRC, or a
// confirmed jump of the sequence numbers, restarts the receive state.
//
// Threading contract. libre is single-threaded: an RtpMedia lives on ONE thread running libre's
// loop (re_thread_init + re_main; for the SIP provider, the SipUserAgent's thread). Create it
// there, call every method but stats() and local_port() there, and destroy it there: its socket
// is registered in that thread's poll set and its timers in that thread's timer list, and libre
// would corrupt both from another thread. From elsewhere, post the work to that thread (the agent
// has a queue for this). Methods called from the wrong thread fail with kInternal and do nothing;
// the destructor aborts the process (freeing the socket off its thread would corrupt libre). All
// callbacks run on that thread, must be quick (they hold up every call on it) and must not throw
// (it is caught and logged). A callback may destroy the RtpMedia that called it: nothing of it is
// touched afterwards.
//
// libre stays out of this header; everything of libre's lives in rtp_media.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "telephony/sip/g711.h"

namespace talky {

// Where the far side wants our RTP, from the SDP of its answer.
struct SipRemoteMedia {
  std::string address;  // IP address of its c= line
  int port = 0;
  int payload_type = -1;  // the first of our codecs its answer lists: 0 (PCMU) or 8 (PCMA)
  std::string codec;      // "PCMU" or "PCMA"
  std::optional<int> telephone_event_payload_type;  // RFC 4733 DTMF, when it accepted it

  bool operator==(const SipRemoteMedia&) const = default;
};

struct RtpMediaOptions {
  // The local IP address to bind RTP to ("0.0.0.0" or "::" for all of a family).
  std::string local_address = "127.0.0.1";
  // The RTP port: an even port in [min_port, max_port] (RTCP takes the odd one above it, which
  // must be in the range too); both 0: any free even port in 16384..32767.
  int min_port = 0;
  int max_port = 0;
  // No RTP at all for this long (counted from SetRemote) ends the media: on_timeout, once.
  std::chrono::milliseconds rtp_timeout{30'000};
  // The jitter buffer, in 20 ms packets. It is drained as packets arrive (the pipeline listens,
  // it does not play out against a clock): a packet is handed on once `jitter_min_packets` newer
  // ones have arrived, or when none has for (jitter_min_packets + 1) x 20 ms. So min 1 puts two
  // swapped packets right at the cost of 20 ms; later ones count as late. jitter_max_packets
  // only sizes libre's pool. 0 <= min < max <= 50.
  int jitter_min_packets = 1;
  int jitter_max_packets = 10;
  // The payload type WE offered for telephone-event: the far side sends with it (RFC 3264), and we
  // accept it as well as the one of its answer.
  int local_telephone_event_payload_type = 101;
  // Send RTCP sender/receiver reports to the far side's port + 1 (every 5 s; BYE at the end).
  bool rtcp = true;
  std::string rtcp_cname = "talky";
};

// Every problem with the options, each naming its field.
Expected<void> ValidateRtpMediaOptions(const RtpMediaOptions& options);

// Counters since Create. Packets are RTP packets; frames are 20 ms of audio (160 samples).
struct RtpMediaStats {
  std::uint64_t packets_sent = 0;          // all: audio, comfort silence and telephone-events
  std::uint64_t silence_packets_sent = 0;  // of which comfort silence (the source had nothing)
  std::uint64_t event_packets_sent = 0;    // of which telephone-events
  std::uint64_t send_errors = 0;           // sends the socket refused (not counted as sent)
  std::uint64_t packets_received = 0;      // RTP packets that reached the socket
  std::uint64_t packets_lost = 0;          // sequence numbers missing when their turn came
  std::uint64_t packets_late = 0;          // arrived after their turn was past: dropped
  std::uint64_t packets_duplicate = 0;     // dropped
  std::uint64_t frames_delivered = 0;      // handed to on_frame, concealment included
  std::uint64_t frames_concealed = 0;      // of which silence standing in for lost packets
  std::uint64_t digits_sent = 0;
  std::uint64_t digits_received = 0;
};

struct RtpMediaCallbacks {
  // Fills `frame` (kG711FrameSamples samples at 8 kHz) with the next 20 ms to send and returns
  // true, or returns false when there is nothing to send (comfort silence goes out). Called every
  // 20 ms once SetRemote has been called, also while a DTMF digit is being sent (the digit then
  // replaces that audio, as on a phone). Empty: always silence.
  std::function<bool(std::span<std::int16_t> frame)> next_frame;
  // 20 ms of the far side's audio, decoded, in order; silence stands in for lost packets.
  std::function<void(std::span<const std::int16_t> frame)> on_frame;
  // An RFC 4733 digit ('0'-'9', '*', '#', 'A'-'D'), once, when it ends, with its duration.
  std::function<void(char digit, std::chrono::milliseconds duration)> on_dtmf;
  // No RTP for rtp_timeout: reported once; the media keeps running until destroyed.
  std::function<void()> on_timeout;
};

class RtpMedia {
 public:
  // Binds the RTP (and RTCP) socket. On the libre thread. kInvalidArgument for bad options,
  // kUnavailable when no port of the range can be bound.
  static Expected<std::unique_ptr<RtpMedia>> Create(RtpMediaOptions options,
                                                    RtpMediaCallbacks callbacks);

  ~RtpMedia();  // on the libre thread: closes the socket, stops the timers; no callback after
  RtpMedia(const RtpMedia&) = delete;
  RtpMedia& operator=(const RtpMedia&) = delete;

  // Any thread. The bound RTP port, for the SDP offer.
  int local_port() const;

  // Where the far side wants our RTP and in which codec (the answer, a re-INVITE's new media, or
  // early media): the first call starts sending and the RTP timeout's clock; later ones move the
  // destination and may switch between PCMU and PCMA (sequence numbers and timestamps carry on).
  // kInvalidArgument for an address that is not an IP address of our socket's family, a bad port,
  // or a payload type other than 0 and 8.
  Expected<void> SetRemote(const SipRemoteMedia& remote);

  // Queues DTMF digits ('0'-'9', '*', '#', 'A'-'D', lower case too) to send as RFC 4733 events:
  // each lasts `duration` (rounded up to 20 ms, 40 ms to 5 s), then `pause` of audio (rounded up
  // to 20 ms, at most 5 s) before the next. kInvalidArgument for bad digits or times, kUnavailable
  // before SetRemote or when the far side did not accept telephone-event, kConflict when more than
  // 64 digits would be waiting.
  Expected<void> SendDtmf(std::string_view digits,
                          std::chrono::milliseconds duration = std::chrono::milliseconds(100),
                          std::chrono::milliseconds pause = std::chrono::milliseconds(60));

  // Any thread: a snapshot of the counters.
  RtpMediaStats stats() const;

 private:
  struct Impl;
  explicit RtpMedia(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace talky
