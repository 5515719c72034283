// Tests of BaresipCallee, the baresip callee for end-to-end SIP tests, with sipp as the caller
// (scenarios uac_*.xml in scenarios/). The caller's SDP points baresip's RTP at a UDP port of the
// test (RtpSink), so the tests see what baresip sends, RFC 4733 digits included, while sipp plays
// its recorded PCMA into the call. Each call test checks that sipp's scenario ran to its end (exit
// 0: the callee answered, and hung up or took the BYE), what baresip reported, and what it
// recorded. Fails, rather than skips, when baresip or sipp is not installed.
#include "telephony/sip/baresip_callee.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "telephony/sip/sipp_callee.h"

namespace talky::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// sipp's recorded call audio: 236 PCMA packets of 30 ms.
constexpr const char* kPcap = "/usr/share/sip-tester/g711a.pcap";
constexpr double kPcapSeconds = 7.08;
constexpr int kTelephoneEvent = 101;  // the payload type the scenarios offer for it
constexpr int kPcmu = 0;
constexpr int kPcma = 8;
// RMS of a recording that holds audio: the pcap's speech measures about 1,900; digital silence 0,
// and G.711's quietest codes decode to at most 8.
constexpr double kAudibleRms = 300;

std::string ReadFile(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

double Rms(const std::vector<std::int16_t>& samples) {
  if (samples.empty()) return 0;
  double sum = 0;
  for (std::int16_t sample : samples) sum += static_cast<double>(sample) * sample;
  return std::sqrt(sum / static_cast<double>(samples.size()));
}

double Seconds(const MonoWav& wav) {
  return static_cast<double>(wav.samples.size()) / wav.sample_rate;
}

MonoWav Tone(int hz, milliseconds length, int sample_rate) {
  MonoWav wav{.sample_rate = sample_rate};
  wav.samples.resize(static_cast<std::size_t>(sample_rate * length.count() / 1000));
  for (std::size_t i = 0; i < wav.samples.size(); ++i) {
    wav.samples[i] = static_cast<std::int16_t>(
        8000 * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / sample_rate));
  }
  return wav;
}

// The RTP baresip sends to the caller's SDP address: a count of packets per payload type, and the
// RFC 4733 digits, each counted once its first end packet arrives.
class RtpSink {
 public:
  RtpSink() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
    timeval timeout{.tv_sec = 0, .tv_usec = 50'000};  // how soon the reader sees stop_
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    reader_ = std::thread([this] { Read(); });
  }

  ~RtpSink() {
    stop_ = true;
    reader_.join();
    close(fd_);
  }

  int port() const { return port_; }

  std::string digits() {
    std::lock_guard lock(mutex_);
    return digits_;
  }

  int packets(int payload_type) {
    std::lock_guard lock(mutex_);
    return packets_[payload_type];
  }

  // Whether `count` packets of `payload_type` arrived within `bound`.
  bool WaitForPackets(int payload_type, int count, milliseconds bound = 5s) {
    const auto deadline = steady_clock::now() + bound;
    while (packets(payload_type) < count) {
      if (steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

 private:
  void Read() {
    unsigned char packet[2048];
    while (!stop_) {
      const ssize_t n = recv(fd_, packet, sizeof packet, 0);
      if (n < 12) continue;
      const int payload_type = packet[1] & 0x7f;
      const std::uint32_t timestamp = static_cast<std::uint32_t>(packet[4]) << 24 |
                                      packet[5] << 16 | packet[6] << 8 | packet[7];
      const std::size_t header = 12 + 4 * static_cast<std::size_t>(packet[0] & 0x0f);
      std::lock_guard lock(mutex_);
      ++packets_[payload_type];
      if (payload_type != kTelephoneEvent || static_cast<std::size_t>(n) < header + 4) continue;
      const int event = packet[header];
      const bool end = (packet[header + 1] & 0x80) != 0;
      // One event is one RTP timestamp; its end packet is sent three times.
      if (end && ended_.insert({timestamp, event}).second) {
        digits_ += event < 16 ? "0123456789*#ABCD"[event] : '?';
      }
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_ = false;
  std::thread reader_;
  std::mutex mutex_;
  std::map<int, int> packets_;
  std::map<std::uint32_t, int> ended_;
  std::string digits_;
};

// One sipp UAC placing one call with a scenario, started at construction.
class SippCaller {
 public:
  SippCaller(const std::string& scenario, const std::string& target, const std::string& service,
             const std::vector<std::string>& keys) {
    Expected<std::unique_ptr<ScratchDir>> scratch = ScratchDir::Create("sipp-uac");
    if (!scratch) return;
    scratch_ = std::move(*scratch);
    const fs::path& directory = scratch_->path();
    std::vector<std::string> arguments = {target,
                                          "-sf",
                                          (SipScenarioDirectory() / scenario).string(),
                                          "-s",
                                          service,
                                          "-i",
                                          "127.0.0.1",
                                          "-p",
                                          std::to_string(FreeSipPort()),
                                          "-mp",
                                          std::to_string(FreeSipPort())};
    arguments.insert(arguments.end(), keys.begin(), keys.end());
    pid_ = SpawnSipp(arguments, directory);
    if (pid_ > 0) scratch_->Watch(pid_);
  }

  ~SippCaller() {
    if (pid_ > 0 && !exit_code_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  SippCaller(const SippCaller&) = delete;
  SippCaller& operator=(const SippCaller&) = delete;

  // sipp's exit code once it ended within `bound`; nullopt if it did not (it is then killed).
  std::optional<int> Wait(milliseconds bound = 25s) {
    if (pid_ <= 0) return std::nullopt;
    const auto deadline = steady_clock::now() + bound;
    while (!exit_code_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        scratch_->Forget(pid_);
        break;
      }
      if (steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        exit_code_ = -1;
        scratch_->Forget(pid_);
        return std::nullopt;
      }
      std::this_thread::sleep_for(10ms);
    }
    return exit_code_;
  }

  std::string Log() const {
    if (!scratch_) return "(sipp did not start)";
    const fs::path& directory = scratch_->path();
    return "--- sipp output ---\n" + ReadFile(directory / "output.log") +
           "\n--- sipp errors ---\n" + ReadFile(directory / "errors.log") +
           "\n--- sipp messages ---\n" + ReadFile(directory / "messages.log");
  }

 private:
  std::unique_ptr<ScratchDir> scratch_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

class BaresipCalleeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ProgramInstalled("baresip"))
        << "baresip is not installed (apt-get install baresip-core)";
    ASSERT_TRUE(ProgramInstalled("sipp")) << "sipp is not installed (apt-get install sip-tester)";
    Expected<std::unique_ptr<ScratchDir>> scratch = ScratchDir::Create("baresip-test");
    ASSERT_TRUE(scratch) << scratch.error().Describe();
    scratch_ = std::move(*scratch);
  }

  // Writes `wav` as the test's source file and starts the callee with it.
  void StartCallee(const MonoWav& wav, BaresipCalleeOptions options = {}) {
    options.source_wav = scratch_->path() / "source.wav";
    ASSERT_TRUE(WriteMonoWav(options.source_wav, wav));
    const auto started = steady_clock::now();
    Expected<std::unique_ptr<BaresipCallee>> callee = BaresipCallee::Start(options);
    ASSERT_TRUE(callee) << callee.error().Describe();
    std::cout << "baresip started in " << ElapsedMs(started) << " ms\n";
    callee_ = std::move(*callee);
  }

  std::unique_ptr<SippCaller> Call(const std::string& scenario) {
    std::vector<std::string> keys = {"-key", "rtp_sink_port", std::to_string(sink_.port())};
    if (scenario == "uac_plays_pcap_to_baresip.xml")
      keys.insert(keys.end(), {"-key", "pcap_file", kPcap});
    return std::make_unique<SippCaller>(
        scenario, "127.0.0.1:" + std::to_string(callee_->sip_port()), "callee", keys);
  }

  void StopCallee() {
    const auto stopping = steady_clock::now();
    callee_->Stop();
    std::cout << "baresip stopped in " << ElapsedMs(stopping) << " ms\n";
  }

  static long ElapsedMs(steady_clock::time_point since) {
    return static_cast<long>(
        std::chrono::duration_cast<milliseconds>(steady_clock::now() - since).count());
  }

  std::unique_ptr<ScratchDir> scratch_;
  RtpSink sink_;
  std::unique_ptr<BaresipCallee> callee_;
};

TEST_F(BaresipCalleeTest, AnswersRecordsTheCallerAndSendsDigits) {
  // espeak-ng's rate, which the fixture converts to the 8 kHz baresip's aufile insists on.
  ASSERT_NO_FATAL_FAILURE(StartCallee(Tone(440, 1000ms, 22050)));
  std::unique_ptr<SippCaller> sipp = Call("uac_plays_pcap_to_baresip.xml");

  const std::optional<BaresipEvent> answered = callee_->WaitForEvent("CALL_ESTABLISHED", 10s);
  ASSERT_TRUE(answered) << callee_->Log() << sipp->Log();
  Expected<void> sent_digits = callee_->SendDigits("1#");
  ASSERT_TRUE(sent_digits) << sent_digits.error().Describe() << "\n" << callee_->Log();

  EXPECT_EQ(sipp->Wait(), 0) << sipp->Log() << callee_->Log();
  const std::optional<BaresipEvent> closed = callee_->WaitForEvent("CALL_CLOSED", 5s);
  ASSERT_TRUE(closed) << callee_->Log();
  EXPECT_EQ(closed->call_id, answered->call_id);
  EXPECT_EQ(closed->param, "Connection reset by peer");  // baresip's words for the caller's BYE

  const auto waiting = steady_clock::now();
  Expected<BaresipRecording> recording = callee_->WaitForRecording();
  ASSERT_TRUE(recording) << recording.error().Describe() << "\n" << callee_->Log();
  std::cout << "recording complete " << ElapsedMs(waiting) << " ms after the call closed\n";
  Expected<MonoWav> heard = ReadMonoWav(recording->received);
  ASSERT_TRUE(heard) << heard.error().Describe();
  EXPECT_EQ(heard->sample_rate, 8000);
  EXPECT_NEAR(Seconds(*heard), kPcapSeconds, 0.2);  // every packet of the pcap, nothing else
  EXPECT_GT(Rms(heard->samples), kAudibleRms);
  Expected<MonoWav> said = ReadMonoWav(recording->sent);
  ASSERT_TRUE(said) << said.error().Describe();
  EXPECT_GT(Rms(said->samples), kAudibleRms);  // the tone, then the padding's silence
  std::cout << "received " << Seconds(*heard) << " s, RMS " << Rms(heard->samples) << "; sent "
            << Seconds(*said) << " s, RMS " << Rms(said->samples) << "\n";

  // What went out on the wire: PCMA (the caller's first choice) and both digits as RFC 4733.
  EXPECT_EQ(sink_.digits(), "1#");
  EXPECT_GT(sink_.packets(kPcma), 300);  // 7.5 s of 20 ms packets is 375
  const std::string log = callee_->Log();
  EXPECT_NE(log.find("audio: send DTMF digit: '1'"), std::string::npos) << log;
  EXPECT_NE(log.find("audio: send DTMF digit: '#'"), std::string::npos) << log;
  EXPECT_NE(log.find("audio: send DTMF digit end: '#'"), std::string::npos) << log;
  StopCallee();
}

TEST_F(BaresipCalleeTest, HangUpEndsTheCallWithBye) {
  ASSERT_NO_FATAL_FAILURE(StartCallee(Tone(440, 1000ms, 8000)));
  std::unique_ptr<SippCaller> sipp = Call("uac_waits_for_bye.xml");
  ASSERT_TRUE(callee_->WaitForEvent("CALL_ESTABLISHED", 10s)) << callee_->Log() << sipp->Log();
  // baresip's audio starts a moment after the answer: PCMU, the caller's first choice here.
  ASSERT_TRUE(sink_.WaitForPackets(kPcmu, 1)) << callee_->Log();

  Expected<void> hung_up = callee_->HangUp();
  ASSERT_TRUE(hung_up) << hung_up.error().Describe() << "\n" << callee_->Log();
  const std::vector<BaresipEvent> events = callee_->Events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "CALL_CLOSED");  // already there when HangUp returns
  EXPECT_EQ(events.back().param, "Connection reset by user");
  EXPECT_EQ(sipp->Wait(), 0) << sipp->Log() << callee_->Log();  // the BYE came

  Expected<BaresipRecording> recording = callee_->WaitForRecording();
  ASSERT_TRUE(recording) << recording.error().Describe() << "\n" << callee_->Log();
  Expected<MonoWav> heard = ReadMonoWav(recording->received);
  ASSERT_TRUE(heard) << heard.error().Describe();
  EXPECT_TRUE(heard->samples.empty());  // sipp sent no RTP in this scenario

  const Expected<void> late_digits = callee_->SendDigits("1");
  ASSERT_FALSE(late_digits);
  EXPECT_EQ(late_digits.error().code, ErrorCode::kConflict);
  StopCallee();
}

TEST_F(BaresipCalleeTest, StopHangsUpAndCompletesTheRecording) {
  ASSERT_NO_FATAL_FAILURE(StartCallee(Tone(440, 1000ms, 8000)));
  std::unique_ptr<SippCaller> sipp = Call("uac_waits_for_bye.xml");
  ASSERT_TRUE(callee_->WaitForEvent("CALL_ESTABLISHED", 10s)) << callee_->Log() << sipp->Log();
  // Some audio out first, so that the sent recording has samples for a stale header to hide.
  ASSERT_TRUE(sink_.WaitForPackets(kPcmu, 10)) << callee_->Log();

  StopCallee();
  EXPECT_EQ(sipp->Wait(), 0) << sipp->Log() << callee_->Log();  // the BYE came
  Expected<BaresipRecording> recording = callee_->WaitForRecording(0ms);
  ASSERT_TRUE(recording) << recording.error().Describe() << "\n" << callee_->Log();
  Expected<MonoWav> said = ReadMonoWav(recording->sent);
  ASSERT_TRUE(said) << said.error().Describe();
  EXPECT_GT(Rms(said->samples), kAudibleRms);
}

TEST_F(BaresipCalleeTest, HangsUpWhenItsSourceEndsUnlessPadded) {
  // min_source_length 0: no padding, so baresip ends the call once it has played the second.
  ASSERT_NO_FATAL_FAILURE(StartCallee(Tone(440, 1000ms, 16000), {.min_source_length = 0ms}));
  std::unique_ptr<SippCaller> sipp = Call("uac_waits_for_bye.xml");
  EXPECT_EQ(sipp->Wait(), 0) << sipp->Log() << callee_->Log();
  const std::optional<BaresipEvent> closed = callee_->WaitForEvent("CALL_CLOSED", 5s);
  ASSERT_TRUE(closed) << callee_->Log();
  EXPECT_EQ(closed->param, "end of file");

  Expected<BaresipRecording> recording = callee_->WaitForRecording();
  ASSERT_TRUE(recording) << recording.error().Describe() << "\n" << callee_->Log();
  Expected<MonoWav> said = ReadMonoWav(recording->sent);
  ASSERT_TRUE(said) << said.error().Describe();
  // aufile checks for its end once a second, sending silence meanwhile.
  EXPECT_GE(Seconds(*said), 1.0);
  EXPECT_LE(Seconds(*said), 2.5);
  StopCallee();
}

TEST_F(BaresipCalleeTest, RefusesWhatItCannotDo) {
  // A stereo source is refused before baresip starts (aufile would refuse the call's audio, and
  // baresip then never answers).
  const fs::path stereo = scratch_->path() / "stereo.wav";
  {
    std::ofstream file(stereo, std::ios::binary);
    const unsigned char header[44] = {'R', 'I', 'F',  'F',  36,  0,   0,   0,    'W', 'A', 'V',
                                      'E', 'f', 'm',  't',  ' ', 16,  0,   0,    0,   1,   0,
                                      2,   0,   0x40, 0x1f, 0,   0,   0,   0x7d, 0,   0,   4,
                                      0,   16,  0,    'd',  'a', 't', 'a', 0,    0,   0,   0};
    file.write(reinterpret_cast<const char*>(header), sizeof header);
  }
  Expected<std::unique_ptr<BaresipCallee>> refused = BaresipCallee::Start({.source_wav = stereo});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().Describe().find("2 channels"), std::string::npos)
      << refused.error().Describe();

  ASSERT_NO_FATAL_FAILURE(StartCallee(Tone(440, 100ms, 8000)));
  EXPECT_EQ(callee_->SendDigits("1").error().code, ErrorCode::kConflict);  // no call
  EXPECT_EQ(callee_->SendDigits("1x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(callee_->HangUp().error().code, ErrorCode::kConflict);
  EXPECT_EQ(callee_->WaitForRecording(50ms).error().code, ErrorCode::kUnavailable);
  StopCallee();
  StopCallee();  // idempotent
  EXPECT_FALSE(callee_->Running());
  EXPECT_EQ(callee_->WaitForRecording(50ms).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(callee_->SendDigits("1").error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace talky::testing
