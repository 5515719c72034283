// Tests of the SIP provider's media: G.711 through librem, and RtpMedia with real UDP sockets on
// loopback. Two RtpMedia talk to each other on one libre thread the test runs itself (as the SIP
// agent's thread will): a 1 kHz tone crosses in PCMU and in PCMA and is checked by ear (Goertzel
// amplitude, purity, zero crossings), a relay drops, swaps and delays packets and the frames must
// still come out in order with silence for the lost ones, DTMF "1#" crosses once per digit with
// its duration, a silent source still sends 50 packets a second, a far side that never sends
// trips the RTP timeout once, and nothing (thread, socket) outlives the teardown. A raw socket
// plays a far side by hand (lost digit ends, 30 ms packets), and sipp plays RFC 2833 digits
// recorded from another stack (skipped without sipp, or without root for its raw sockets).
#include "telephony/sip/rtp_media.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "telephony/sip/libre.h"  // last: it undoes libre's macros
#include "voice/goertzel.h"

extern char** environ;

namespace talky {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::size_t kFrame = kG711FrameSamples;

// ---- a libre loop on a thread of its own, as the SIP agent runs one ----

void InitLibreOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ASSERT_EQ(libre_init(), 0); });
}

class LibreLoop {
 public:
  LibreLoop() {
    InitLibreOnce();
    std::promise<int> started;
    std::future<int> ready = started.get_future();
    thread_ = std::thread([this, promise = std::move(started)]() mutable { Run(promise); });
    start_error_ = ready.get();
  }
  ~LibreLoop() { Stop(); }
  LibreLoop(const LibreLoop&) = delete;
  LibreLoop& operator=(const LibreLoop&) = delete;

  int start_error() const { return start_error_; }

  // Runs `work` on the loop thread and returns its result (work from other threads goes through
  // a libre mqueue: the only libre object other threads may touch).
  template <typename Work>
  auto Call(Work&& work) -> decltype(work()) {
    using Result = decltype(work());
    std::packaged_task<Result()> task(std::forward<Work>(work));
    std::future<Result> result = task.get_future();
    Post([&task] { task(); });
    return result.get();
  }

  void Stop() {
    if (!thread_.joinable()) return;
    if (start_error_ == 0) Post([] { re_cancel(); });
    thread_.join();
  }

 private:
  void Run(std::promise<int>& started) {
    int err = re_thread_init();
    if (err == 0) err = mqueue_alloc(&mq_, OnWake, this);
    if (err != 0) {
      if (err != EALREADY) re_thread_close();
      started.set_value(err);
      return;
    }
    started.set_value(0);
    (void)re_main(nullptr);
    RunTasks();
    mq_ = static_cast<mqueue*>(mem_deref(mq_));
    re_thread_close();
  }

  void Post(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
    if (tasks_.size() == 1) {
      ASSERT_EQ(mqueue_push(mq_, 0, nullptr), 0);
    }
  }

  static void OnWake(int, void*, void* arg) { static_cast<LibreLoop*>(arg)->RunTasks(); }

  void RunTasks() {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(tasks_);
    }
    for (auto& task : batch) task();
  }

  std::thread thread_;
  int start_error_ = 0;
  mqueue* mq_ = nullptr;
  std::mutex mutex_;
  std::deque<std::function<void()>> tasks_;
};

// ---- what a far side hears ----

// The amplitude of the `frequency` component of `samples` at 8 kHz.
double AmplitudeAt(std::span<const std::int16_t> samples, double frequency) {
  const double power = GoertzelPower(samples, kNarrowbandRate, frequency);
  return 2.0 * std::sqrt(std::max(power, 0.0)) / static_cast<double>(samples.size());
}

double Rms(std::span<const std::int16_t> samples) {
  double sum = 0.0;
  for (std::int16_t sample : samples) sum += static_cast<double>(sample) * sample;
  return std::sqrt(sum / static_cast<double>(std::max<std::size_t>(samples.size(), 1)));
}

int ZeroCrossings(std::span<const std::int16_t> samples) {
  int crossings = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    if ((samples[i - 1] < 0) != (samples[i] < 0)) ++crossings;
  }
  return crossings;
}

// A frame that says which it is: the signs of its samples spell `index` in binary, 8 bits
// repeated, at +-8000 (loud enough that G.711 keeps every sign).
void FillIndexedFrame(std::span<std::int16_t> frame, int index) {
  for (std::size_t i = 0; i < frame.size(); ++i) {
    frame[i] = static_cast<std::int16_t>(((index >> (i % 8)) & 1) != 0 ? 8000 : -8000);
  }
}

// The index an indexed frame spells; -1 for exact zeros (what stands in for a lost packet), -3
// for decoded digital silence (comfort silence: librem decodes it to +-2 or +-8), -2 otherwise.
int IndexOf(std::span<const std::int16_t> frame) {
  if (std::all_of(frame.begin(), frame.end(), [](std::int16_t s) { return s == 0; })) return -1;
  if (std::all_of(frame.begin(), frame.end(), [](std::int16_t s) { return std::abs(s) <= 8; })) {
    return -3;
  }
  int index = 0;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    const int magnitude = std::abs(static_cast<int>(frame[i]));
    if (magnitude < 7000 || magnitude > 9000) return -2;
    if (i < 8 && frame[i] > 0) index |= 1 << i;
  }
  return index;
}

// What a media reports, gathered from the loop thread for the test thread.
struct Collector {
  std::mutex mutex;
  std::vector<Samples> frames;
  std::vector<std::pair<char, milliseconds>> digits;
  int timeouts = 0;
  steady_clock::time_point timeout_at;

  RtpMediaCallbacks Sink() {
    RtpMediaCallbacks callbacks;
    callbacks.on_frame = [this](std::span<const std::int16_t> frame) {
      std::lock_guard lock(mutex);
      frames.emplace_back(frame.begin(), frame.end());
    };
    callbacks.on_dtmf = [this](char digit, milliseconds duration) {
      std::lock_guard lock(mutex);
      digits.emplace_back(digit, duration);
    };
    callbacks.on_timeout = [this] {
      std::lock_guard lock(mutex);
      ++timeouts;
      timeout_at = steady_clock::now();
    };
    return callbacks;
  }

  std::vector<Samples> Frames() {
    std::lock_guard lock(mutex);
    return frames;
  }
};

SipRemoteMedia RemoteAt(int port, G711Law law = G711Law::kMuLaw, std::optional<int> events = 101) {
  SipRemoteMedia remote;
  remote.address = "127.0.0.1";
  remote.port = port;
  remote.payload_type = PayloadTypeOf(law);
  remote.codec = std::string(ToString(law));
  remote.telephone_event_payload_type = events;
  return remote;
}

// A plain UDP socket on loopback (the relay's, or a far side that only listens).
class UdpSocket {
 public:
  UdpSocket() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~UdpSocket() { close(fd_); }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int port() const { return port_; }

  // One datagram, or nothing after `wait`.
  std::optional<std::vector<std::uint8_t>> Receive(milliseconds wait) {
    pollfd ready{fd_, POLLIN, 0};
    if (poll(&ready, 1, static_cast<int>(wait.count())) <= 0) return std::nullopt;
    std::vector<std::uint8_t> datagram(2048);
    const ssize_t size = recv(fd_, datagram.data(), datagram.size(), 0);
    if (size < 0) return std::nullopt;
    datagram.resize(static_cast<std::size_t>(size));
    return datagram;
  }

  void SendTo(int port, std::span<const std::uint8_t> datagram) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    (void)sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&address),
                 sizeof(address));
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class RtpMediaTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(loop_.start_error(), 0); }

  std::unique_ptr<RtpMedia> Create(RtpMediaCallbacks callbacks, RtpMediaOptions options = {}) {
    Expected<std::unique_ptr<RtpMedia>> media =
        loop_.Call([&] { return RtpMedia::Create(options, std::move(callbacks)); });
    EXPECT_TRUE(media.has_value()) << (media ? "" : media.error().Describe());
    return media ? std::move(*media) : nullptr;
  }

  void Destroy(std::unique_ptr<RtpMedia>& media) {
    loop_.Call([&] { media.reset(); });
  }

  Expected<void> SetRemote(RtpMedia& media, const SipRemoteMedia& remote) {
    return loop_.Call([&] { return media.SetRemote(remote); });
  }

  LibreLoop loop_;
};

// ---- G.711 ----

TEST(G711Test, PayloadTypesAndSilence) {
  EXPECT_EQ(G711LawOfPayloadType(0), G711Law::kMuLaw);
  EXPECT_EQ(G711LawOfPayloadType(8), G711Law::kALaw);
  EXPECT_EQ(G711LawOfPayloadType(9), std::nullopt);
  EXPECT_EQ(PayloadTypeOf(G711Law::kALaw), 8);
  EXPECT_EQ(ToString(G711Law::kMuLaw), "PCMU");
  for (G711Law law : {G711Law::kMuLaw, G711Law::kALaw}) {
    const std::vector<std::uint8_t> silence = G711Encode(law, Samples{0, 1, -1});
    EXPECT_EQ(silence[0], G711SilenceByte(law)) << ToString(law);
    EXPECT_LE(std::abs(G711Decode(law, silence)[0]), 8) << ToString(law);  // +2 and +8
  }
}

TEST(G711Test, RoundTripKeepsEverySampleWithinTheQuantisationStep) {
  Samples ramp;
  for (int value = -32768; value <= 32767; value += 7) {
    ramp.push_back(static_cast<std::int16_t>(value));
  }
  for (G711Law law : {G711Law::kMuLaw, G711Law::kALaw}) {
    const Samples decoded = G711Decode(law, G711Encode(law, ramp));
    ASSERT_EQ(decoded.size(), ramp.size());
    for (std::size_t i = 0; i < ramp.size(); ++i) {
      // Logarithmic: the step grows with the level (1/32 of it, and 16 at the bottom for A-law).
      const double bound = std::max(16.0, std::abs(static_cast<double>(ramp[i])) / 16.0);
      ASSERT_LE(std::abs(decoded[i] - ramp[i]), bound) << ToString(law) << " at " << ramp[i];
    }
  }
}

TEST(G711Test, FullScaleNegativeIsNotSilence) {
  // librem's coders mishandle -32768 (mu-law made it silence): we clamp it to -32767.
  for (G711Law law : {G711Law::kMuLaw, G711Law::kALaw}) {
    const Samples decoded = G711Decode(law, G711Encode(law, Samples{-32768, -32767, 32767}));
    EXPECT_LT(decoded[0], -30000) << ToString(law);
    EXPECT_EQ(decoded[0], decoded[1]) << ToString(law);
    EXPECT_GT(decoded[2], 30000) << ToString(law);
  }
}

TEST(G711Test, SpanFormsConvertTheShorterLength) {
  const Samples pcm(200, 1000);
  std::vector<std::uint8_t> encoded(kFrame);
  EXPECT_EQ(G711Encode(G711Law::kALaw, pcm, std::span(encoded)), kFrame);
  Samples decoded(100);
  EXPECT_EQ(G711Decode(G711Law::kALaw, encoded, std::span(decoded)), 100u);
}

// ---- options and misuse ----

TEST(RtpMediaOptionsTest, NamesEveryBadField) {
  RtpMediaOptions options;
  options.local_address = "not-an-ip";
  options.min_port = 5001;
  options.max_port = 5002;  // no even port with room for RTCP
  options.rtp_timeout = 0ms;
  options.jitter_min_packets = 3;
  options.jitter_max_packets = 3;
  options.local_telephone_event_payload_type = 13;
  Expected<void> valid = ValidateRtpMediaOptions(options);
  ASSERT_FALSE(valid);
  std::vector<std::string> fields;
  for (const FieldError& error : valid.error().fields) fields.push_back(error.field);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"local_address", "min_port", "rtp_timeout",
                                      "jitter_min_packets", "local_telephone_event_payload_type"}));
  EXPECT_TRUE(ValidateRtpMediaOptions(RtpMediaOptions{}));
}

TEST_F(RtpMediaTest, BindsAPortOfItsRangeAndSaysSoWhenTheRangeIsTaken) {
  RtpMediaOptions options;
  options.min_port = 40000;  // even: the only RTP port of the range; RTCP on 40001
  options.max_port = 40001;
  std::unique_ptr<RtpMedia> first = Create({}, options);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->local_port(), 40000);
  Expected<std::unique_ptr<RtpMedia>> second =
      loop_.Call([&] { return RtpMedia::Create(options, {}); });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find("40000-40001"), std::string::npos)
      << second.error().message;
  Destroy(first);

  std::unique_ptr<RtpMedia> any = Create({});
  ASSERT_NE(any, nullptr);
  EXPECT_GE(any->local_port(), 16384);
  EXPECT_LE(any->local_port(), 32766);
  EXPECT_EQ(any->local_port() % 2, 0);
  Destroy(any);
}

TEST_F(RtpMediaTest, RefusesBadRemotesBadDigitsAndCallsOffItsThread) {
  std::unique_ptr<RtpMedia> media = Create({});
  ASSERT_NE(media, nullptr);
  SipRemoteMedia remote = RemoteAt(40002);
  EXPECT_EQ(media->SetRemote(remote).error().code, ErrorCode::kInternal);  // the test's thread

  EXPECT_EQ(loop_.Call([&] { return media->SendDtmf("1"); }).error().code,
            ErrorCode::kUnavailable);  // no far side yet
  SipRemoteMedia bad = remote;
  bad.payload_type = 18;
  EXPECT_EQ(SetRemote(*media, bad).error().code, ErrorCode::kInvalidArgument);
  bad = remote;
  bad.address = "::1";
  EXPECT_EQ(SetRemote(*media, bad).error().code, ErrorCode::kInvalidArgument);
  bad = remote;
  bad.port = 0;
  EXPECT_EQ(SetRemote(*media, bad).error().code, ErrorCode::kInvalidArgument);

  remote.telephone_event_payload_type.reset();
  ASSERT_TRUE(SetRemote(*media, remote));
  EXPECT_EQ(loop_.Call([&] { return media->SendDtmf("1"); }).error().code,
            ErrorCode::kUnavailable);  // the far side took no telephone-event
  remote.telephone_event_payload_type = 101;
  ASSERT_TRUE(SetRemote(*media, remote));
  EXPECT_EQ(loop_.Call([&] { return media->SendDtmf("1x"); }).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(loop_.Call([&] { return media->SendDtmf("1", 10ms); }).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(loop_.Call([&] { return media->SendDtmf("1*#ABCDabcd"); }));
  Destroy(media);
}

// ---- audio across ----

class RtpMediaToneTest : public RtpMediaTest, public ::testing::WithParamInterface<G711Law> {};

TEST_P(RtpMediaToneTest, AToneSentByAIsHeardByB) {
  const G711Law law = GetParam();
  constexpr int kToneFrames = 25;  // half a second
  constexpr double kAmplitude = 8000.0;
  std::atomic<int> frames_given = 0;
  long sample_index = 0;  // the source's phase: on the loop thread only
  RtpMediaCallbacks sender;
  sender.next_frame = [&](std::span<std::int16_t> frame) {
    if (frames_given >= kToneFrames) return false;
    for (std::int16_t& sample : frame) {
      sample = static_cast<std::int16_t>(std::lround(
          kAmplitude * std::sin(2.0 * std::numbers::pi * 1000.0 *
                                static_cast<double>(sample_index++) / kNarrowbandRate)));
    }
    ++frames_given;
    return true;
  };
  Collector heard;
  std::unique_ptr<RtpMedia> a = Create(std::move(sender));
  std::unique_ptr<RtpMedia> b = Create(heard.Sink());
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(SetRemote(*b, RemoteAt(a->local_port(), law)));
  ASSERT_TRUE(SetRemote(*a, RemoteAt(b->local_port(), law)));
  std::this_thread::sleep_for(800ms);
  const RtpMediaStats sent = a->stats();
  const RtpMediaStats received = b->stats();
  Destroy(a);
  Destroy(b);

  std::vector<Samples> frames = heard.Frames();
  Samples tone;
  int loud_frames = 0;
  for (const Samples& frame : frames) {
    ASSERT_EQ(frame.size(), kFrame);
    if (Rms(frame) > 1000.0) {
      ++loud_frames;
      tone.insert(tone.end(), frame.begin(), frame.end());
    }
  }
  EXPECT_EQ(loud_frames, kToneFrames);
  ASSERT_EQ(tone.size(), kToneFrames * kFrame);
  // 1 kHz at the level sent, and nothing else: the amplitude at 1 kHz carries all the energy.
  const double amplitude = AmplitudeAt(tone, 1000.0);
  EXPECT_NEAR(amplitude, kAmplitude, kAmplitude * 0.03) << ToString(law);
  EXPECT_LT(AmplitudeAt(tone, 1200.0), kAmplitude * 0.02) << ToString(law);
  const double purity = (amplitude * amplitude / 2.0) / (Rms(tone) * Rms(tone));
  EXPECT_GT(purity, 0.97) << ToString(law);
  EXPECT_NEAR(ZeroCrossings(tone), 2 * 1000 * kToneFrames / 50, 3) << ToString(law);
  // After the tone, comfort silence.
  EXPECT_GT(sent.silence_packets_sent, 5u);
  EXPECT_EQ(sent.packets_sent, sent.silence_packets_sent + kToneFrames);
  EXPECT_EQ(received.packets_lost, 0u);
  EXPECT_EQ(received.frames_concealed, 0u);
  EXPECT_GE(received.frames_delivered, static_cast<std::uint64_t>(kToneFrames));
}

INSTANTIATE_TEST_SUITE_P(BothLaws, RtpMediaToneTest,
                         ::testing::Values(G711Law::kMuLaw, G711Law::kALaw),
                         [](const ::testing::TestParamInfo<G711Law>& param_info) {
                           return std::string(ToString(param_info.param));
                         });

// A relay between A and B that loses packet 10, swaps 20 and 21, and holds 30 back until 33 has
// gone (too late by then). It counts RTP packets from 0.
class Relay {
 public:
  explicit Relay(int to_port) : to_port_(to_port) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Relay() {
    stop_ = true;
    thread_.join();
  }
  int port() const { return socket_.port(); }

 private:
  void Run() {
    std::optional<std::vector<std::uint8_t>> held20;
    std::optional<std::vector<std::uint8_t>> held30;
    int index = 0;
    while (!stop_) {
      std::optional<std::vector<std::uint8_t>> packet = socket_.Receive(20ms);
      if (!packet) continue;
      const int i = index++;
      if (i == 10) continue;
      if (i == 20) {
        held20 = std::move(packet);
        continue;
      }
      if (i == 30) {
        held30 = std::move(packet);
        continue;
      }
      socket_.SendTo(to_port_, *packet);
      if (i == 21) socket_.SendTo(to_port_, *held20);
      if (i == 33) socket_.SendTo(to_port_, *held30);
    }
  }

  UdpSocket socket_;
  const int to_port_;
  std::atomic<bool> stop_ = false;
  std::thread thread_;
};

TEST_F(RtpMediaTest, LostSwappedAndLatePacketsStillGiveFramesInOrder) {
  constexpr int kFrames = 40;
  int next_index = 0;  // on the loop thread only
  RtpMediaCallbacks sender;
  sender.next_frame = [&](std::span<std::int16_t> frame) {
    if (next_index >= kFrames) return false;
    FillIndexedFrame(frame, next_index++);
    return true;
  };
  Collector heard;
  std::unique_ptr<RtpMedia> a = Create(std::move(sender));
  std::unique_ptr<RtpMedia> b = Create(heard.Sink());
  ASSERT_TRUE(a && b);
  {
    Relay relay(b->local_port());
    ASSERT_TRUE(SetRemote(*b, RemoteAt(a->local_port())));
    ASSERT_TRUE(SetRemote(*a, RemoteAt(relay.port())));
    std::this_thread::sleep_for(1100ms);
  }
  const RtpMediaStats received = b->stats();
  Destroy(a);
  Destroy(b);

  std::vector<int> indexes;
  for (const Samples& frame : heard.Frames()) indexes.push_back(IndexOf(frame));
  std::vector<int> expected;
  for (int i = 0; i < kFrames; ++i) expected.push_back(i == 10 || i == 30 ? -1 : i);
  ASSERT_GE(indexes.size(), expected.size() + 5);
  EXPECT_EQ(std::vector<int>(indexes.begin(), indexes.begin() + kFrames), expected);
  // Then comfort silence.
  EXPECT_TRUE(std::all_of(indexes.begin() + kFrames, indexes.end(), [](int i) { return i == -3; }));
  EXPECT_EQ(received.packets_lost, 2u);
  EXPECT_EQ(received.frames_concealed, 2u);
  EXPECT_EQ(received.packets_late, 1u);
  EXPECT_EQ(received.packets_duplicate, 0u);
}

TEST_F(RtpMediaTest, DtmfSentByAIsReportedByBOncePerDigit) {
  Collector heard;
  std::unique_ptr<RtpMedia> a = Create({});
  std::unique_ptr<RtpMedia> b = Create(heard.Sink());
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(SetRemote(*b, RemoteAt(a->local_port())));
  ASSERT_TRUE(SetRemote(*a, RemoteAt(b->local_port())));
  ASSERT_TRUE(loop_.Call([&] { return a->SendDtmf("1#", 100ms, 60ms); }));
  // Each digit: 5 packets, the end twice more, then 60 ms of audio: about 360 ms for both.
  std::this_thread::sleep_for(700ms);
  const RtpMediaStats sent = a->stats();
  const RtpMediaStats received = b->stats();
  Destroy(a);
  Destroy(b);
  std::lock_guard lock(heard.mutex);
  ASSERT_EQ(heard.digits.size(), 2u);
  EXPECT_EQ(heard.digits[0], std::make_pair('1', milliseconds(100)));
  EXPECT_EQ(heard.digits[1], std::make_pair('#', milliseconds(100)));
  EXPECT_EQ(sent.digits_sent, 2u);
  EXPECT_EQ(sent.event_packets_sent, 2u * (5 + 2));
  EXPECT_EQ(received.digits_received, 2u);
  EXPECT_EQ(received.packets_lost, 0u);
}

TEST_F(RtpMediaTest, DigitsWhoseEndPacketsAreLostAreStillReportedOnce) {
  // The far side is a raw socket sending RFC 4733 by hand: '5' without its end packets, then '7'
  // ended, then audio.
  Collector heard;
  std::unique_ptr<RtpMedia> b = Create(heard.Sink());
  ASSERT_TRUE(b);
  UdpSocket far;
  ASSERT_TRUE(SetRemote(*b, RemoteAt(far.port())));
  std::uint16_t seq = 1000;
  auto send = [&](int pt, bool marker, std::uint32_t ts, std::vector<std::uint8_t> payload) {
    // Version 2, marker and payload type, sequence number, timestamp, SSRC 0x01020304.
    std::vector<std::uint8_t> packet(12);
    packet[0] = 0x80;
    packet[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | pt);
    packet[2] = static_cast<std::uint8_t>(seq >> 8);
    packet[3] = static_cast<std::uint8_t>(seq & 0xff);
    for (int i = 0; i < 4; ++i) {
      packet[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
      packet[8 + i] = static_cast<std::uint8_t>(i + 1);
    }
    packet.insert(packet.end(), payload.begin(), payload.end());
    far.SendTo(b->local_port(), packet);
    ++seq;
    std::this_thread::sleep_for(5ms);
  };
  auto event = [](int code, bool end, int duration) {
    return std::vector<std::uint8_t>{
        static_cast<std::uint8_t>(code), static_cast<std::uint8_t>((end ? 0x80 : 0) | 10),
        static_cast<std::uint8_t>(duration >> 8), static_cast<std::uint8_t>(duration & 0xff)};
  };
  send(101, true, 8000, event(5, false, 160));
  send(101, false, 8000, event(5, false, 320));
  send(101, false, 8000, event(5, false, 480));  // its end packets never come
  send(101, true, 9000, event(7, false, 160));
  send(101, false, 9000, event(7, true, 640));
  send(101, false, 9000, event(7, true, 640));
  send(101, false, 9000, event(7, true, 640));
  for (int i = 0; i < 3; ++i) send(0, false, 10000 + 160 * i, std::vector<std::uint8_t>(160, 0xFF));
  std::this_thread::sleep_for(300ms);
  Destroy(b);
  std::lock_guard lock(heard.mutex);
  ASSERT_EQ(heard.digits.size(), 2u);
  EXPECT_EQ(heard.digits[0], std::make_pair('5', milliseconds(60)));
  EXPECT_EQ(heard.digits[1], std::make_pair('7', milliseconds(80)));
  // The last audio packet too, though no packet followed it: the buffer lets it go in time.
  EXPECT_EQ(heard.frames.size(), 3u);
}

TEST_F(RtpMediaTest, ThirtyMillisecondPacketsComeOutAsTwentyMillisecondFrames) {
  Collector heard;
  std::unique_ptr<RtpMedia> b = Create(heard.Sink());
  ASSERT_TRUE(b);
  UdpSocket far;
  constexpr int kPackets = 10;
  constexpr std::size_t kPacketSamples = 240;  // ptime 30
  Samples tone(kPackets * kPacketSamples);
  for (std::size_t i = 0; i < tone.size(); ++i) {
    tone[i] = static_cast<std::int16_t>(
        std::lround(6000.0 * std::sin(2.0 * std::numbers::pi * 1000.0 * static_cast<double>(i) /
                                      kNarrowbandRate)));
  }
  const std::vector<std::uint8_t> encoded = G711Encode(G711Law::kMuLaw, tone);
  for (int p = 0; p < kPackets; ++p) {
    std::vector<std::uint8_t> packet = {
        0x80, 0x00, 0x00, static_cast<std::uint8_t>(p), 0, 0, 0, 0, 9, 9, 9, 9};
    const std::uint32_t ts = static_cast<std::uint32_t>(p) * kPacketSamples;
    packet[6] = static_cast<std::uint8_t>(ts >> 8);
    packet[7] = static_cast<std::uint8_t>(ts & 0xff);
    packet.insert(packet.end(), encoded.begin() + p * kPacketSamples,
                  encoded.begin() + (p + 1) * kPacketSamples);
    far.SendTo(b->local_port(), packet);
    std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(200ms);
  Destroy(b);
  const std::vector<Samples> frames = heard.Frames();
  ASSERT_EQ(frames.size(), kPackets * kPacketSamples / kFrame);  // 15
  Samples heard_tone;
  for (const Samples& frame : frames)
    heard_tone.insert(heard_tone.end(), frame.begin(), frame.end());
  EXPECT_NEAR(AmplitudeAt(heard_tone, 1000.0), 6000.0, 6000.0 * 0.03);
  EXPECT_NEAR(ZeroCrossings(heard_tone), 2 * 1000 * 300 / 1000, 3);
}

TEST_F(RtpMediaTest, ASilentSourceStillSendsFiftyComfortPacketsASecond) {
  std::unique_ptr<RtpMedia> a = Create({});  // no source at all
  ASSERT_TRUE(a);
  UdpSocket far;
  ASSERT_TRUE(SetRemote(*a, RemoteAt(far.port(), G711Law::kALaw)));
  std::vector<std::vector<std::uint8_t>> packets;
  std::vector<steady_clock::time_point> arrivals;
  const auto end = steady_clock::now() + 1200ms;
  while (steady_clock::now() < end) {
    if (auto packet = far.Receive(50ms)) {
      packets.push_back(std::move(*packet));
      arrivals.push_back(steady_clock::now());
    }
  }
  Destroy(a);
  ASSERT_GT(packets.size(), 10u);
  // Packets within one second from the first.
  const auto in_a_second = std::count_if(arrivals.begin(), arrivals.end(),
                                         [&](auto t) { return t - arrivals.front() < 1s; });
  EXPECT_GE(in_a_second, 45);
  EXPECT_LE(in_a_second, 55);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const std::vector<std::uint8_t>& packet = packets[i];
    ASSERT_EQ(packet.size(), 12 + kFrame);
    EXPECT_EQ(packet[0], 0x80);
    EXPECT_EQ(packet[1] & 0x7f, 8);              // PCMA
    EXPECT_EQ((packet[1] & 0x80) != 0, i == 0);  // marker on the first only
    EXPECT_TRUE(std::all_of(packet.begin() + 12, packet.end(), [](std::uint8_t b) {
      return b == 0xD5;  // A-law silence
    }));
    if (i == 0) continue;
    const auto seq = [](const std::vector<std::uint8_t>& p) { return (p[2] << 8) | p[3]; };
    const auto ts = [](const std::vector<std::uint8_t>& p) {
      return (std::uint32_t{p[4]} << 24) | (std::uint32_t{p[5]} << 16) |
             (std::uint32_t{p[6]} << 8) | p[7];
    };
    EXPECT_EQ((seq(packets[i - 1]) + 1) & 0xffff, seq(packet));
    EXPECT_EQ(ts(packets[i - 1]) + 160, ts(packet));
  }
}

TEST_F(RtpMediaTest, NoPacketsTripTheTimeoutOnce) {
  Collector heard;
  RtpMediaOptions options;
  options.rtp_timeout = 300ms;
  std::unique_ptr<RtpMedia> a = Create(heard.Sink(), options);
  ASSERT_TRUE(a);
  UdpSocket far;  // listens, never sends
  const auto started = steady_clock::now();
  ASSERT_TRUE(SetRemote(*a, RemoteAt(far.port())));
  std::this_thread::sleep_for(1000ms);
  Destroy(a);
  std::lock_guard lock(heard.mutex);
  EXPECT_EQ(heard.timeouts, 1);
  const auto after = std::chrono::duration_cast<milliseconds>(heard.timeout_at - started);
  EXPECT_GE(after, 300ms);
  EXPECT_LE(after, 450ms);
}

TEST_F(RtpMediaTest, TheTimeoutCallbackMayDestroyTheMedia) {
  RtpMediaOptions options;
  options.rtp_timeout = 100ms;
  std::unique_ptr<RtpMedia> media;
  std::atomic<bool> destroyed = false;
  RtpMediaCallbacks callbacks;
  callbacks.on_timeout = [&] {
    media.reset();  // on the loop thread, from inside the media's own timer
    destroyed = true;
  };
  media = Create(std::move(callbacks), options);
  ASSERT_TRUE(media);
  UdpSocket far;
  ASSERT_TRUE(SetRemote(*media, RemoteAt(far.port())));
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(destroyed);
  EXPECT_TRUE(loop_.Call([&] { return media == nullptr; }));
}

TEST_F(RtpMediaTest, TheFrameCallbackMayDestroyTheMedia) {
  std::unique_ptr<RtpMedia> a = Create({});
  std::unique_ptr<RtpMedia> b;
  std::atomic<int> frames = 0;
  RtpMediaCallbacks callbacks;
  callbacks.on_frame = [&](std::span<const std::int16_t>) {
    ++frames;
    b.reset();  // from inside the media's own receive handler
  };
  b = Create(std::move(callbacks));
  ASSERT_TRUE(a && b);
  const int b_port = b->local_port();
  ASSERT_TRUE(SetRemote(*a, RemoteAt(b_port)));
  ASSERT_TRUE(SetRemote(*b, RemoteAt(a->local_port())));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(frames, 1);
  EXPECT_TRUE(loop_.Call([&] { return b == nullptr; }));
  Destroy(a);
}

// ---- against sipp ----

bool SippAndItsPcapsInstalled() {
  const char* path = std::getenv("PATH");
  std::stringstream directories(path != nullptr ? path : "/usr/bin:/bin");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    if (access((std::filesystem::path(directory) / "sipp").c_str(), X_OK) == 0) return true;
  }
  return false;
}

// sipp answers a call and plays two digits recorded by someone else's RFC 2833 stack (the pcaps
// that ship with sipp: first packet of duration 0, end packet three times with ONE sequence
// number). The INVITE is ours, by hand, naming B's RTP port in its SDP.
constexpr char kPlayDigitsScenario[] = R"(<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer and play RFC 2833 digits">
  <recv request="INVITE"/>
  <send><![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:101 telephone-event/8000

    ]]>
  </send>
  <nop><action><exec play_pcap_audio="PCAPS/dtmf_2833_1.pcap"/></action></nop>
  <pause milliseconds="400"/>
  <nop><action><exec play_pcap_audio="PCAPS/dtmf_2833_pound.pcap"/></action></nop>
  <pause milliseconds="400"/>
</scenario>
)";

TEST_F(RtpMediaTest, HearsDigitsSippPlaysFromARecording) {
  const std::filesystem::path pcaps = "/usr/share/sip-tester";
  if (!SippAndItsPcapsInstalled() || !std::filesystem::exists(pcaps / "dtmf_2833_1.pcap")) {
    GTEST_SKIP() << "sipp or its pcaps (/usr/share/sip-tester) are not installed";
  }
  if (geteuid() != 0) GTEST_SKIP() << "sipp's play_pcap_audio needs raw sockets (root)";
  Collector heard;
  std::unique_ptr<RtpMedia> b = Create(heard.Sink());
  ASSERT_TRUE(b);

  char directory[] = "/tmp/talky-rtp-sipp-XXXXXX";
  ASSERT_NE(mkdtemp(directory), nullptr);
  const std::filesystem::path scenario = std::filesystem::path(directory) / "play_digits.xml";
  {
    std::string text = kPlayDigitsScenario;
    for (std::size_t at; (at = text.find("PCAPS")) != std::string::npos;) {
      text.replace(at, 5, pcaps.string());
    }
    std::ofstream(scenario) << text;
  }
  int sip_port = 0;
  int media_port = 0;
  {
    UdpSocket probe_sip;  // free ports for sipp, released just before it takes them
    UdpSocket probe_media;
    sip_port = probe_sip.port();
    media_port = probe_media.port();
  }
  const std::vector<std::string> arguments = {"sipp",
                                              "-sf",
                                              scenario.string(),
                                              "-i",
                                              "127.0.0.1",
                                              "-mi",
                                              "127.0.0.1",
                                              "-mp",
                                              std::to_string(media_port),
                                              "-p",
                                              std::to_string(sip_port),
                                              "-m",
                                              "1",
                                              "-nostdin",
                                              "-timeout",
                                              "10s",
                                              "-timeout_error"};
  std::vector<char*> argv;
  for (const std::string& argument : arguments) {
    argv.push_back(const_cast<char*>(argument.c_str()));
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const std::string log = (std::filesystem::path(directory) / "sipp.log").string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawnp(&pid, "sipp", &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  // The INVITE, resent until sipp (still starting) has taken it: sipp then answers 200.
  UdpSocket caller;
  const std::string sdp =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio " +
      std::to_string(b->local_port()) + " RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
  const std::string via = "127.0.0.1:" + std::to_string(caller.port());
  const std::string invite =
      "INVITE sip:rtp@127.0.0.1:" + std::to_string(sip_port) + " SIP/2.0\r\n" +
      "Via: SIP/2.0/UDP " + via + ";branch=z9hG4bK-rtp-media-test\r\n" +
      "From: <sip:talky@127.0.0.1>;tag=rtp\r\nTo: <sip:rtp@127.0.0.1>\r\n" +
      "Call-ID: rtp-media-test@127.0.0.1\r\nCSeq: 1 INVITE\r\n" + "Contact: <sip:talky@" + via +
      ">\r\nMax-Forwards: 70\r\n" +
      "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) +
      "\r\n\r\n" + sdp;
  const std::vector<std::uint8_t> datagram(invite.begin(), invite.end());
  bool answered = false;
  for (int attempt = 0; attempt < 50 && !answered; ++attempt) {
    caller.SendTo(sip_port, datagram);
    answered = caller.Receive(100ms).has_value();
  }
  int status = -1;
  const auto deadline = steady_clock::now() + 5s;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(100ms);
  const RtpMediaStats received = b->stats();
  Destroy(b);
  std::stringstream sipp_log;
  sipp_log << std::ifstream(log).rdbuf();
  std::error_code ignored;
  std::filesystem::remove_all(directory, ignored);

  ASSERT_TRUE(answered) << sipp_log.str();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << sipp_log.str();
  std::lock_guard lock(heard.mutex);
  ASSERT_EQ(heard.digits.size(), 2u) << sipp_log.str();
  EXPECT_EQ(heard.digits[0], std::make_pair('1', milliseconds(280)));  // 2240 samples
  EXPECT_EQ(heard.digits[1], std::make_pair('#', milliseconds(280)));
  EXPECT_EQ(received.packets_received, 20u);
  EXPECT_EQ(received.packets_duplicate, 4u);  // the end packets' copies, one sequence number
}

// ---- teardown ----

std::size_t CountEntries(const char* directory) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    (void)entry;
    ++count;
  }
  return count;
}

TEST(RtpMediaTeardownTest, LeavesNoThreadOrSocketBehind) {
  InitLibreOnce();
  const std::size_t fds_before = CountEntries("/proc/self/fd");
  const std::size_t threads_before = CountEntries("/proc/self/task");
  int port = 0;
  {
    LibreLoop loop;
    ASSERT_EQ(loop.start_error(), 0);
    Collector heard;
    auto a = loop.Call([&] { return RtpMedia::Create({}, {}); });
    auto b = loop.Call([&] { return RtpMedia::Create({}, heard.Sink()); });
    ASSERT_TRUE(a && b);
    port = (*a)->local_port();
    ASSERT_TRUE(loop.Call([&] { return (*a)->SetRemote(RemoteAt((*b)->local_port())); }));
    ASSERT_TRUE(loop.Call([&] { return (*b)->SetRemote(RemoteAt((*a)->local_port())); }));
    ASSERT_TRUE(loop.Call([&] { return (*a)->SendDtmf("9"); }));
    std::this_thread::sleep_for(200ms);
    EXPECT_GT(CountEntries("/proc/self/fd"), fds_before + 3);  // 2 + 2 sockets, epoll, pipe
    EXPECT_GT((*b)->stats().frames_delivered, 0u);
    loop.Call([&] {
      a->reset();
      b->reset();
    });
  }
  EXPECT_EQ(CountEntries("/proc/self/fd"), fds_before);
  EXPECT_EQ(CountEntries("/proc/self/task"), threads_before);
  // The ports are free again.
  for (int p : {port, port + 1}) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(p));
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0) << p;
    close(fd);
  }
}

}  // namespace
}  // namespace talky
