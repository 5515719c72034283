#include "telephony/sip/rtp_media.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "telephony/sip/libre.h"  // after the standard headers: it undoes libre's macros
#include "telephony/sip/telephone_event_receiver.h"

namespace talky {
namespace {

using RtpClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kPacketTime = milliseconds(20);
constexpr std::uint32_t kSamplesPerPacket = kG711FrameSamples;  // 160 at 8 kHz
constexpr int kAnyPortMin = 16384;  // the range used when the options say "any port"
constexpr int kAnyPortMax = 32767;
// After a stall of the loop, send at most this many due packets back to back; skip the rest
// (their timestamps too, so that timestamps keep to real time).
constexpr int kMaxCatchUpPackets = 3;
// RFC 3550 A.1: a sequence number this far ahead or behind is a restart of the far side's
// stream, once the packet after it confirms it.
constexpr int kMaxDropout = 3000;
constexpr int kMaxMisorder = 100;
// Silence stands in for at most this many lost packets in a row (a second).
constexpr int kMaxConcealedPackets = 50;
constexpr std::size_t kMaxQueuedDigits = 64;
// RFC 4733 §2.5.1.4: the final packet of an event is sent three times.
constexpr int kEndPacketCopies = 3;
constexpr std::uint8_t kEventVolume = 10;  // -10 dBm0, what phones send

std::string SystemErrorText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// RTCP multiplexed onto the RTP port (RFC 5761): payload types 64..95 after the marker bit.
bool IsRtcp(const rtp_header& header) { return header.pt >= 64 && header.pt <= 95; }

std::optional<int> EventCodeOf(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit == '*') return 10;
  if (digit == '#') return 11;
  if (digit >= 'A' && digit <= 'D') return digit - 'A' + 12;
  if (digit >= 'a' && digit <= 'd') return digit - 'a' + 12;
  return std::nullopt;
}

// The even port range rtp_listen draws from. It picks min + rand() % (max - min) and clears the
// low bit, so an odd min could yield min - 1: we round min up to even. RTCP binds the port above.
struct PortRange {
  int min = 0;
  int max = 0;
};

std::optional<PortRange> PortRangeOf(const RtpMediaOptions& options) {
  if (options.min_port == 0 && options.max_port == 0) return PortRange{kAnyPortMin, kAnyPortMax};
  if (options.min_port < 1 || options.max_port > 65535) return std::nullopt;
  const int even_min = (options.min_port + 1) & ~1;
  if (even_min >= options.max_port) return std::nullopt;
  return PortRange{even_min, options.max_port};
}

int CeilMilliseconds(RtpClock::duration duration) {
  if (duration <= RtpClock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<milliseconds>(duration).count());
}

// Atomic counters: written on the libre thread, read from anywhere.
struct Counters {
  std::atomic<std::uint64_t> packets_sent{0};
  std::atomic<std::uint64_t> silence_packets_sent{0};
  std::atomic<std::uint64_t> event_packets_sent{0};
  std::atomic<std::uint64_t> send_errors{0};
  std::atomic<std::uint64_t> packets_received{0};
  std::atomic<std::uint64_t> packets_lost{0};
  std::atomic<std::uint64_t> packets_late{0};
  std::atomic<std::uint64_t> packets_duplicate{0};
  std::atomic<std::uint64_t> frames_delivered{0};
  std::atomic<std::uint64_t> frames_concealed{0};
  std::atomic<std::uint64_t> digits_sent{0};
  std::atomic<std::uint64_t> digits_received{0};
};

void Add(std::atomic<std::uint64_t>& counter, std::uint64_t amount = 1) {
  counter.fetch_add(amount, std::memory_order_relaxed);
}

}  // namespace

Expected<void> ValidateRtpMediaOptions(const RtpMediaOptions& options) {
  std::vector<FieldError> errors;
  sa address{};
  if (sa_set_str(&address, options.local_address.c_str(), 0) != 0) {
    errors.push_back({"local_address", "must be an IP address of this host"});
  }
  if (!PortRangeOf(options)) {
    errors.push_back({"min_port",
                      "min_port and max_port must both be 0 (any) or hold an even port "
                      "and the one above it within 1..65535"});
  }
  if (options.rtp_timeout <= milliseconds(0) || options.rtp_timeout > std::chrono::hours(1)) {
    errors.push_back({"rtp_timeout", "must be positive and at most an hour"});
  }
  if (options.jitter_min_packets < 0 || options.jitter_min_packets >= options.jitter_max_packets) {
    errors.push_back({"jitter_min_packets", "must be at least 0 and below jitter_max_packets"});
  }
  if (options.jitter_max_packets > 50) {
    errors.push_back({"jitter_max_packets", "must be at most 50"});
  }
  if (options.local_telephone_event_payload_type < 96 ||
      options.local_telephone_event_payload_type > 127) {
    errors.push_back({"local_telephone_event_payload_type", "must be a dynamic type, 96..127"});
  }
  if (options.rtcp && options.rtcp_cname.empty()) {
    errors.push_back({"rtcp_cname", "is required when rtcp is on"});
  }
  if (errors.empty()) return {};
  return std::unexpected(Error::InvalidArgument("invalid RTP media options", std::move(errors)));
}

// Everything below runs on the owner thread (the libre loop's) unless it says otherwise.
struct RtpMedia::Impl {
  // A digit waiting to be sent.
  struct QueuedDigit {
    int code = 0;
    int packets = 0;        // the event's length in 20 ms packets
    int pause_packets = 0;  // audio after it, before the next digit
  };

  // The digit being sent: one packet per 20 ms slot, in place of the audio.
  struct SendingEvent {
    QueuedDigit digit;
    std::uint32_t timestamp = 0;  // of the slot it began in: every packet of it carries this
    int slots_sent = 0;
  };

  // Raised by the destructor while one of our libre handlers is on the stack: a callback may
  // destroy us, and the handler must then return without touching anything. Nests.
  class Watch {
   public:
    explicit Watch(Impl& impl) : impl_(impl), outer_(impl.destroyed_flag) {
      impl.destroyed_flag = &gone_;
    }
    ~Watch() {
      if (gone_) {
        if (outer_ != nullptr) *outer_ = true;
      } else {
        impl_.destroyed_flag = outer_;
      }
    }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    bool gone() const { return gone_; }

   private:
    Impl& impl_;
    bool* outer_;
    bool gone_ = false;
  };

  Impl(RtpMediaOptions options_in, RtpMediaCallbacks callbacks_in)
      : options(std::move(options_in)),
        callbacks(std::make_shared<const RtpMediaCallbacks>(std::move(callbacks_in))),
        owner(std::this_thread::get_id()) {
    tmr_init(&send_timer);
    tmr_init(&timeout_timer);
    tmr_init(&release_timer);
  }

  ~Impl() {
    if (!OnOwnerThread()) {
      // Freeing the socket here would corrupt the owner's poll set; keeping it would leave
      // libre calling into freed memory. Either way the process is broken: fail loudly.
      spdlog::critical("RTP: media on port {} destroyed off its libre thread", port);
      std::abort();
    }
    if (destroyed_flag != nullptr) *destroyed_flag = true;
    tmr_cancel(&send_timer);
    tmr_cancel(&timeout_timer);
    tmr_cancel(&release_timer);
    mem_deref(rtp);  // sends the RTCP BYE, closes both sockets: no handler of ours runs again
    mem_deref(jitter);
    mem_deref(tx_buffer);
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  bool OnOwnerThread() const { return std::this_thread::get_id() == owner; }

  Expected<void> RequireOwnerThread(std::string_view what) const {
    if (OnOwnerThread()) return {};
    return std::unexpected(
        Error::Internal(std::string("RtpMedia::") + std::string(what) +
                        " called off its libre thread (see rtp_media.h's threading contract)"));
  }

  int Open() {
    const PortRange range = *PortRangeOf(options);
    sa local{};
    int err = sa_set_str(&local, options.local_address.c_str(), 0);
    if (err == 0) {
      // jbuf's own minimum stays 0: it would hold the last packet of a burst until the next one
      // arrives, however late. We keep the minimum ourselves (Drain) and release on a timer.
      err = jbuf_alloc(&jitter, 0, static_cast<std::uint32_t>(options.jitter_max_packets));
    }
    if (err == 0) {
      tx_buffer = mbuf_alloc(RTP_HEADER_SIZE + kSamplesPerPacket);
      if (tx_buffer == nullptr) err = ENOMEM;
    }
    if (err == 0) {
      err = rtp_listen(&rtp, IPPROTO_UDP, &local, static_cast<std::uint16_t>(range.min),
                       static_cast<std::uint16_t>(range.max), options.rtcp, OnRtp, nullptr, this);
    }
    if (err != 0) return err;
    port = sa_port(rtp_local(rtp));
    if (options.rtcp) rtcp_set_srate(rtp, kNarrowbandRate, kNarrowbandRate);
    return 0;
  }

  // ---- the far side ----

  Expected<void> SetRemote(const SipRemoteMedia& remote) {
    if (auto on_thread = RequireOwnerThread("SetRemote"); !on_thread) return on_thread;
    std::vector<FieldError> errors;
    const std::optional<G711Law> law = G711LawOfPayloadType(remote.payload_type);
    if (!law) errors.push_back({"payload_type", "must be 0 (PCMU) or 8 (PCMA)"});
    if (remote.port < 1 || remote.port > 65535) {
      errors.push_back({"port", "must be a port in 1..65535"});
    }
    sa address{};
    if (sa_set_str(&address, remote.address.c_str(), static_cast<std::uint16_t>(remote.port)) !=
        0) {
      errors.push_back({"address", "must be an IP address"});
    } else if (sa_af(&address) != sa_af(rtp_local(rtp))) {
      errors.push_back({"address", "is not of the IP version of our RTP socket"});
    }
    if (remote.telephone_event_payload_type &&
        (*remote.telephone_event_payload_type < 0 || *remote.telephone_event_payload_type > 127)) {
      errors.push_back({"telephone_event_payload_type", "must be 0..127"});
    }
    if (!errors.empty()) {
      return std::unexpected(Error::InvalidArgument("invalid remote RTP media", std::move(errors)));
    }
    destination = address;
    tx_law = *law;
    tx_payload_type = static_cast<std::uint8_t>(remote.payload_type);
    remote_event_payload_type = remote.telephone_event_payload_type;
    if (options.rtcp) {
      sa rtcp_peer = address;
      sa_set_port(&rtcp_peer, static_cast<std::uint16_t>(remote.port + 1));
      rtcp_start(rtp, options.rtcp_cname.c_str(), &rtcp_peer);
    }
    const RtpClock::time_point now = RtpClock::now();
    last_received = now;  // the new far side gets a whole timeout to start sending
    if (!sending) {
      sending = true;
      tx_timestamp = rand_u32();  // RFC 3550: a random start
      next_slot = now;
      tmr_start(&send_timer, 0, OnSendTimer, this);
      tmr_start(&timeout_timer, static_cast<std::uint64_t>(options.rtp_timeout.count()),
                OnTimeoutTimer, this);
    }
    return {};
  }

  // ---- sending ----

  Expected<void> SendDtmf(std::string_view digits, milliseconds duration, milliseconds pause) {
    if (auto on_thread = RequireOwnerThread("SendDtmf"); !on_thread) return on_thread;
    std::vector<FieldError> errors;
    std::vector<int> codes;
    for (char digit : digits) {
      if (const std::optional<int> code = EventCodeOf(digit)) {
        codes.push_back(*code);
      } else {
        errors.push_back({"digits", "must be 0-9, *, #, A-D, not '" + std::string(1, digit) + "'"});
        break;
      }
    }
    if (digits.empty()) errors.push_back({"digits", "must name at least one digit"});
    if (duration < milliseconds(40) || duration > milliseconds(5000)) {
      errors.push_back({"duration", "must be 40 ms to 5 s"});
    }
    if (pause < milliseconds(0) || pause > milliseconds(5000)) {
      errors.push_back({"pause", "must be 0 to 5 s"});
    }
    if (!errors.empty()) {
      return std::unexpected(Error::InvalidArgument("invalid DTMF request", std::move(errors)));
    }
    if (!sending) {
      return std::unexpected(Error::Unavailable("no far side to send DTMF to yet (SetRemote)"));
    }
    if (!remote_event_payload_type) {
      return std::unexpected(
          Error::Unavailable("the far side did not accept telephone-event (RFC 4733)"));
    }
    if (queued_digits.size() + codes.size() > kMaxQueuedDigits) {
      return std::unexpected(Error::Conflict("too many DTMF digits waiting to be sent"));
    }
    const auto packets = [](milliseconds time) {
      return static_cast<int>((time + kPacketTime - milliseconds(1)) / kPacketTime);
    };
    for (int code : codes) queued_digits.push_back({code, packets(duration), packets(pause)});
    return {};
  }

  static void OnSendTimer(void* arg) noexcept { static_cast<Impl*>(arg)->SendDuePackets(); }

  // One packet per 20 ms slot that has come, measured on the steady clock: libre's timers count
  // wall-clock milliseconds and fire late by the loop's work, so re-arming "20 ms from now" would
  // drift below 50 packets a second.
  void SendDuePackets() {
    Watch watch(*this);
    RtpClock::time_point now = RtpClock::now();
    for (int sent = 0; next_slot <= now && sent < kMaxCatchUpPackets; ++sent) {
      SendSlot(watch);
      if (watch.gone()) return;
      next_slot += kPacketTime;
    }
    if (next_slot <= now) {  // a long stall: skip what is still due
      const auto missed = (now - next_slot) / kPacketTime + 1;
      tx_timestamp += static_cast<std::uint32_t>(missed) * kSamplesPerPacket;
      next_slot += missed * kPacketTime;
    }
    ReportIdleDigit(now);
    if (watch.gone()) return;
    now = RtpClock::now();
    tmr_start(&send_timer, static_cast<std::uint64_t>(CeilMilliseconds(next_slot - now)),
              OnSendTimer, this);
  }

  // The packet of one slot: the digit being sent, else the source's audio, else silence.
  void SendSlot(const Watch& watch) {
    bool has_audio = false;
    if (callbacks->next_frame) {
      const auto hold = callbacks;
      try {
        has_audio = hold->next_frame(std::span<std::int16_t>(tx_pcm));
      } catch (...) {
        LogCallbackError("next_frame");
      }
      if (watch.gone()) return;
    }
    if (!sending_event && !queued_digits.empty() && pause_slots_left == 0) {
      sending_event = SendingEvent{queued_digits.front(), tx_timestamp, 0};
      queued_digits.pop_front();
    }
    if (sending_event) {
      SendEventPacket();
    } else {
      if (pause_slots_left > 0) --pause_slots_left;
      if (has_audio) {
        G711Encode(tx_law, std::span<const std::int16_t>(tx_pcm), std::span(tx_payload));
      } else {
        std::fill(tx_payload.begin(), tx_payload.end(), G711SilenceByte(tx_law));
      }
      if (Send(tx_payload_type, first_packet, tx_timestamp, tx_payload)) {
        if (!has_audio) Add(counters.silence_packets_sent);
      }
      first_packet = false;
    }
    tx_timestamp += kSamplesPerPacket;
  }

  // RFC 4733 §2.5.1: every packet of an event carries the timestamp of its start and the duration
  // so far; the first has the marker bit; the last (E bit, the whole duration) goes three times.
  void SendEventPacket() {
    SendingEvent& event = *sending_event;
    const int slot = ++event.slots_sent;  // 1-based
    const bool end = slot >= event.digit.packets;
    const int packets = std::min(slot, event.digit.packets);
    const auto duration = static_cast<std::uint32_t>(packets) * kSamplesPerPacket;
    const std::array<std::uint8_t, kTelephoneEventPayloadSize> payload = {
        static_cast<std::uint8_t>(event.digit.code),
        static_cast<std::uint8_t>((end ? 0x80 : 0x00) | kEventVolume),
        static_cast<std::uint8_t>(duration >> 8), static_cast<std::uint8_t>(duration & 0xff)};
    if (Send(static_cast<std::uint8_t>(*remote_event_payload_type), slot == 1, event.timestamp,
             payload)) {
      Add(counters.event_packets_sent);
    }
    if (slot >= event.digit.packets + kEndPacketCopies - 1) {
      Add(counters.digits_sent);
      pause_slots_left = event.digit.pause_packets;
      sending_event.reset();
    }
  }

  bool Send(std::uint8_t payload_type, bool marker, std::uint32_t timestamp,
            std::span<const std::uint8_t> payload) {
    // rtp_send writes the header into the RTP_HEADER_SIZE bytes before pos.
    tx_buffer->pos = RTP_HEADER_SIZE;
    tx_buffer->end = RTP_HEADER_SIZE;
    int err = mbuf_write_mem(tx_buffer, payload.data(), payload.size());
    tx_buffer->pos = RTP_HEADER_SIZE;
    if (err == 0) {
      err = rtp_send(rtp, &destination, false, marker, payload_type, timestamp, tx_buffer);
    }
    if (err != 0) {
      if (counters.send_errors.fetch_add(1, std::memory_order_relaxed) == 0) {
        spdlog::warn("RTP: cannot send from port {}: {} (further errors only counted)", port,
                     SystemErrorText(err));
      }
      return false;
    }
    Add(counters.packets_sent);
    return true;
  }

  // ---- receiving ----

  static void OnRtp(const sa* source, const rtp_header* header, mbuf* packet, void* arg) noexcept {
    (void)source;  // we take RTP from wherever it comes (symmetric RTP behind NATs)
    static_cast<Impl*>(arg)->Receive(*header, packet);
  }

  void Receive(const rtp_header& header, mbuf* packet) {
    if (IsRtcp(header)) return;
    Watch watch(*this);
    const RtpClock::time_point now = RtpClock::now();
    last_received = now;
    Add(counters.packets_received);
    // libre leaves padding (RFC 3550 §5.1) in the payload: its last byte counts it.
    if (header.pad) {
      const std::size_t left = mbuf_get_left(packet);
      const std::size_t padding = left > 0 ? packet->buf[packet->end - 1] : 0;
      if (padding == 0 || padding > left) return;
      packet->end -= padding;
    }
    if (!Admit(header)) return;
    const int err = jbuf_put(jitter, &header, packet);
    if (err == 0) {
      ++buffered;
    } else if (err == ETIMEDOUT) {  // jbuf: too far behind the newest packet put
      Add(counters.packets_late);
    } else if (err == EALREADY) {
      Add(counters.packets_duplicate);
    }
    // Keep the `jitter_min_packets` newest, to put a late one among them right; play the rest.
    Drain(static_cast<std::size_t>(options.jitter_min_packets), watch);
    if (watch.gone()) return;
    // What is kept waits for newer packets, but not for ever: a burst's last packet (a digit's end,
    // the last words before the far side stops sending) goes out when no packet follows in time.
    if (buffered > 0) {
      tmr_start(&release_timer, static_cast<std::uint64_t>(ReleaseDelay().count()), OnReleaseTimer,
                this);
    } else {
      tmr_cancel(&release_timer);
    }
    ReportIdleDigit(now);
  }

  milliseconds ReleaseDelay() const { return kPacketTime * (options.jitter_min_packets + 1); }

  // Plays the buffer's oldest packets until `keep` remain.
  void Drain(std::size_t keep, const Watch& watch) {
    while (buffered > keep) {
      rtp_header header{};
      void* frame = nullptr;
      if (jbuf_get(jitter, &header, &frame) != 0) {  // cannot be, unless our count is off
        buffered = 0;
        return;
      }
      --buffered;
      Play(header, static_cast<mbuf*>(frame), watch);
      mem_deref(frame);
      if (watch.gone()) return;
    }
  }

  static void OnReleaseTimer(void* arg) noexcept {
    Impl& impl = *static_cast<Impl*>(arg);
    Watch watch(impl);
    impl.Drain(0, watch);
  }

  // Starts the receive state on the first packet, a new SSRC or a confirmed jump of the sequence
  // (RFC 3550 A.1: the far side restarted its stream); false for a packet to drop.
  bool Admit(const rtp_header& header) {
    if (receiving && header.ssrc == rx_ssrc) {
      const auto jump = static_cast<std::int16_t>(header.seq - last_put_seq);
      const int distance = jump;
      if (distance <= kMaxDropout && distance >= -kMaxMisorder) {
        if (distance > 0) last_put_seq = header.seq;
        probation_seq.reset();
        return true;
      }
      if (!(probation_seq && *probation_seq == header.seq)) {
        probation_seq = static_cast<std::uint16_t>(header.seq + 1);
        Add(counters.packets_late);
        return false;
      }
    }
    // A fresh stream: what the buffer holds of the old one is dropped.
    jbuf_flush(jitter);
    buffered = 0;
    tmr_cancel(&release_timer);
    receiving = true;
    rx_ssrc = header.ssrc;
    last_put_seq = header.seq;
    probation_seq.reset();
    played_any = false;
    last_played_audio = false;
    return true;
  }

  void Play(const rtp_header& header, mbuf* frame, const Watch& watch) {
    const bool is_event = IsEventPayloadType(header.pt);
    const std::optional<G711Law> law = G711LawOfPayloadType(header.pt);
    if (played_any) {
      const int step = static_cast<std::int16_t>(header.seq - last_played_seq);
      if (step <= 0) {  // its turn is past (the buffer let a late one in)
        Add(counters.packets_late);
        return;
      }
      if (step > 1) {
        Add(counters.packets_lost, static_cast<std::uint64_t>(step - 1));
        if (last_played_audio && law) {
          Conceal(std::min(step - 1, kMaxConcealedPackets), watch);
          if (watch.gone()) return;
        }
      }
    }
    played_any = true;
    last_played_seq = header.seq;
    last_played_audio = law.has_value();
    if (is_event) {
      ReceiveEvent(header, frame, watch);
      return;
    }
    if (!law) return;  // comfort noise or anything else we did not offer
    const std::size_t size = mbuf_get_left(frame);
    if (size == 0) return;
    last_audio_samples = std::min<std::size_t>(size, 3 * kSamplesPerPacket);  // sizes concealment
    const std::size_t start = rx_pcm.size();
    rx_pcm.resize(start + size);
    G711Decode(*law, std::span<const std::uint8_t>(mbuf_buf(frame), size),
               std::span<std::int16_t>(rx_pcm).subspan(start));
    DeliverFrames(watch);
  }

  bool IsEventPayloadType(int payload_type) const {
    return payload_type == options.local_telephone_event_payload_type ||
           (remote_event_payload_type && payload_type == *remote_event_payload_type);
  }

  // Silence for `packets` lost packets, each as long as the last audio packet.
  void Conceal(int packets, const Watch& watch) {
    const std::size_t samples = static_cast<std::size_t>(packets) * last_audio_samples;
    rx_pcm.resize(rx_pcm.size() + samples, 0);
    Add(counters.frames_concealed, samples / kSamplesPerPacket);
    DeliverFrames(watch);
  }

  void DeliverFrames(const Watch& watch) {
    std::size_t offset = 0;
    while (rx_pcm.size() - offset >= kSamplesPerPacket) {
      Add(counters.frames_delivered);
      if (callbacks->on_frame) {
        const auto hold = callbacks;
        try {
          hold->on_frame(std::span<const std::int16_t>(rx_pcm.data() + offset, kSamplesPerPacket));
        } catch (...) {
          LogCallbackError("on_frame");
        }
        if (watch.gone()) return;
      }
      offset += kSamplesPerPacket;
    }
    rx_pcm.erase(rx_pcm.begin(), rx_pcm.begin() + static_cast<std::ptrdiff_t>(offset));
  }

  // RFC 4733 telephone-events: the receiver groups them by timestamp and says which packet
  // completes a digit; one may complete two (the last event, its end packets lost, and itself).
  void ReceiveEvent(const rtp_header& header, mbuf* frame, const Watch& watch) {
    const TelephoneEventReceiver::Digits digits = event_receiver.OnPacket(
        header.ts, std::span<const std::uint8_t>(mbuf_buf(frame), mbuf_get_left(frame)),
        RtpClock::now());
    for (const TelephoneEventReceiver::Digit& digit : digits) {
      ReportDigit(digit);
      if (watch.gone()) return;
    }
  }

  // A digit whose end packets were all lost, once it has been quiet long enough. The caller
  // checks its Watch afterwards: on_dtmf may have destroyed us.
  void ReportIdleDigit(RtpClock::time_point now) {
    if (const std::optional<TelephoneEventReceiver::Digit> digit = event_receiver.OnIdle(now)) {
      ReportDigit(*digit);
    }
  }

  // Nothing here touches us after the callback: the caller checks its Watch.
  void ReportDigit(const TelephoneEventReceiver::Digit& digit) {
    Add(counters.digits_received);
    if (!callbacks->on_dtmf) return;
    const auto hold = callbacks;
    try {
      hold->on_dtmf(digit.digit, digit.duration);
    } catch (...) {
      LogCallbackError("on_dtmf");
    }
  }

  // ---- the RTP timeout ----

  static void OnTimeoutTimer(void* arg) noexcept { static_cast<Impl*>(arg)->CheckTimeout(); }

  void CheckTimeout() {
    const RtpClock::duration quiet = RtpClock::now() - last_received;
    if (quiet < options.rtp_timeout) {
      tmr_start(&timeout_timer,
                static_cast<std::uint64_t>(CeilMilliseconds(options.rtp_timeout - quiet)),
                OnTimeoutTimer, this);
      return;
    }
    spdlog::info("RTP: no packet on port {} for {} ms", port,
                 std::chrono::duration_cast<milliseconds>(quiet).count());
    if (!callbacks->on_timeout) return;
    const auto hold = callbacks;
    try {
      hold->on_timeout();  // may destroy us: nothing after it
    } catch (...) {
      LogCallbackError("on_timeout");
    }
  }

  void LogCallbackError(const char* which) {
    if (callback_error_logged) return;
    callback_error_logged = true;
    spdlog::error("RTP: the {} callback of the media on port {} threw (logged once)", which, port);
  }

  RtpMediaStats Stats() const {
    const auto get = [](const std::atomic<std::uint64_t>& counter) {
      return counter.load(std::memory_order_relaxed);
    };
    RtpMediaStats stats;
    stats.packets_sent = get(counters.packets_sent);
    stats.silence_packets_sent = get(counters.silence_packets_sent);
    stats.event_packets_sent = get(counters.event_packets_sent);
    stats.send_errors = get(counters.send_errors);
    stats.packets_received = get(counters.packets_received);
    stats.packets_lost = get(counters.packets_lost);
    stats.packets_late = get(counters.packets_late);
    stats.packets_duplicate = get(counters.packets_duplicate);
    stats.frames_delivered = get(counters.frames_delivered);
    stats.frames_concealed = get(counters.frames_concealed);
    stats.digits_sent = get(counters.digits_sent);
    stats.digits_received = get(counters.digits_received);
    return stats;
  }

  const RtpMediaOptions options;
  // Shared so that each call holds the callbacks alive: a callback may destroy us mid-call.
  const std::shared_ptr<const RtpMediaCallbacks> callbacks;
  const std::thread::id owner;
  std::atomic<int> port = 0;
  Counters counters;

  // The owner thread's alone.
  struct rtp_sock* rtp = nullptr;  // "struct": libre has a function rtp_sock() too
  jbuf* jitter = nullptr;
  mbuf* tx_buffer = nullptr;
  tmr send_timer{};
  tmr timeout_timer{};
  tmr release_timer{};  // plays what the jitter buffer holds when no newer packet comes
  bool* destroyed_flag = nullptr;
  bool callback_error_logged = false;

  // sending
  bool sending = false;  // SetRemote has been called
  sa destination{};
  G711Law tx_law = G711Law::kMuLaw;
  std::uint8_t tx_payload_type = kPcmuPayloadType;
  std::optional<int> remote_event_payload_type;
  std::uint32_t tx_timestamp = 0;
  bool first_packet = true;
  RtpClock::time_point next_slot;
  std::array<std::int16_t, kSamplesPerPacket> tx_pcm{};
  std::array<std::uint8_t, kSamplesPerPacket> tx_payload{};
  std::deque<QueuedDigit> queued_digits;
  std::optional<SendingEvent> sending_event;
  int pause_slots_left = 0;

  // receiving
  RtpClock::time_point last_received = RtpClock::now();
  bool receiving = false;
  std::size_t buffered = 0;  // packets in the jitter buffer (jbuf does not say)
  std::uint32_t rx_ssrc = 0;
  std::uint16_t last_put_seq = 0;
  std::optional<std::uint16_t> probation_seq;
  bool played_any = false;
  std::uint16_t last_played_seq = 0;
  bool last_played_audio = false;
  std::size_t last_audio_samples = kSamplesPerPacket;
  Samples rx_pcm;  // decoded, not yet a whole frame
  TelephoneEventReceiver event_receiver;
};

Expected<std::unique_ptr<RtpMedia>> RtpMedia::Create(RtpMediaOptions options,
                                                     RtpMediaCallbacks callbacks) {
  if (Expected<void> valid = ValidateRtpMediaOptions(options); !valid) {
    return std::unexpected(valid.error());
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(callbacks));
  if (int err = impl->Open(); err != 0) {
    const PortRange range = *PortRangeOf(impl->options);
    return std::unexpected(Error::Unavailable(fmt::format("cannot bind RTP on {} ports {}-{}: {}",
                                                          impl->options.local_address, range.min,
                                                          range.max, SystemErrorText(err))));
  }
  return std::unique_ptr<RtpMedia>(new RtpMedia(std::move(impl)));
}

RtpMedia::RtpMedia(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RtpMedia::~RtpMedia() = default;

int RtpMedia::local_port() const { return impl_->port; }

Expected<void> RtpMedia::SetRemote(const SipRemoteMedia& remote) {
  return impl_->SetRemote(remote);
}

Expected<void> RtpMedia::SendDtmf(std::string_view digits, std::chrono::milliseconds duration,
                                  std::chrono::milliseconds pause) {
  return impl_->SendDtmf(digits, duration, pause);
}

RtpMediaStats RtpMedia::stats() const { return impl_->Stats(); }

}  // namespace talky
