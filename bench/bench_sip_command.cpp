#include "bench/bench_sip_command.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/cli.h"
#include "bench/cpu_time.h"
#include "bench/figures.h"
#include "telephony/sip/sip_user_agent.h"

extern char** environ;

namespace talky {
namespace {

using namespace std::chrono;
using Steady = steady_clock;

// sipp as the far side: answers every INVITE with its media port, then waits for our BYE; run
// with -rtp_echo it sends every RTP packet back where it came from.
constexpr char kScenario[] = R"(<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="talky bench sip callee">
  <recv request="INVITE" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:bench@[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=bench 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv
]]></send>
  <recv request="ACK" />
  <recv request="BYE" timeout="3600000" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
</scenario>
)";

// A loopback port free right now for UDP and TCP.
int FreePort() {
  const int udp = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(udp, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(udp, reinterpret_cast<sockaddr*>(&address), &length);
  close(udp);
  return ntohs(address.sin_port);
}

// sipp in the background for the benchmark's life.
class SippCallee {
 public:
  SippCallee(const std::filesystem::path& folder, int sip_port, int media_port, int calls,
             const std::string& transport) {
    const std::filesystem::path scenario = folder / "callee.xml";
    std::ofstream(scenario) << kScenario;
    const std::vector<std::string> arguments = {"sipp",
                                                "-sf",
                                                scenario.string(),
                                                "-i",
                                                "127.0.0.1",
                                                "-p",
                                                std::to_string(sip_port),
                                                "-mp",
                                                std::to_string(media_port),
                                                "-rtp_echo",
                                                "-t",
                                                transport == "tcp" ? "t1" : "u1",
                                                "-m",
                                                std::to_string(calls),
                                                "-nostdin",
                                                "-max_socket",
                                                std::to_string(calls * 4 + 64)};
    std::vector<char*> argv;
    for (const std::string& argument : arguments)
      argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, (folder / "sipp.log").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    if (posix_spawnp(&pid_, "sipp", &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~SippCallee() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  SippCallee(const SippCallee&) = delete;
  SippCallee& operator=(const SippCallee&) = delete;

  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

// What one call's RTP callbacks saw (written on the SIP thread; read once the call has ended).
struct CallProbe {
  Steady::time_point last_send{};
  std::vector<double> send_stray_ms;  // |interval - 20 ms| of each packet after the first
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_heard = 0;
};

// The calls' answers, from the agent's events.
class Answers {
 public:
  void OnEvent(const SipCallEvent& event) {
    std::lock_guard lock(mutex_);
    if (event.kind == SipCallEventKind::kAnswered) answered_[event.call_id.value] = Steady::now();
    if (event.kind == SipCallEventKind::kEnded) ++ended_;
    changed_.notify_all();
  }
  bool WaitForAnswers(std::size_t count, milliseconds bound) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, bound, [&] {
      return answered_.size() >= count || ended_ > 0;
    }) && answered_.size() >= count;
  }
  std::map<std::string, Steady::time_point> answered() {
    std::lock_guard lock(mutex_);
    return answered_;
  }
  int ended() {
    std::lock_guard lock(mutex_);
    return ended_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Steady::time_point> answered_;
  int ended_ = 0;
};

RtpMediaCallbacks ProbeCallbacks(CallProbe& probe, const std::atomic<bool>& measuring) {
  return RtpMediaCallbacks{
      .next_frame =
          [&probe, &measuring](std::span<std::int16_t> frame) {
            const Steady::time_point now = Steady::now();
            if (measuring && probe.last_send != Steady::time_point{}) {
              const double interval = duration<double, std::milli>(now - probe.last_send).count();
              probe.send_stray_ms.push_back(std::abs(interval - 20.0));
            }
            probe.last_send = now;
            if (measuring) ++probe.frames_sent;
            for (std::size_t i = 0; i < frame.size(); ++i) {
              frame[i] = static_cast<std::int16_t>((i % 8 < 4) ? 4000 : -4000);  // 1 kHz square
            }
            return true;
          },
      .on_frame =
          [&probe, &measuring](std::span<const std::int16_t>) {
            if (measuring) ++probe.frames_heard;
          },
      .on_dtmf = {},
      .on_timeout = {}};
}

}  // namespace

BenchSipCommand::BenchSipCommand(CLI::App& app) {
  sip_ = BenchGroup(app)->add_subcommand(
      "sip", "N concurrent SIP calls with RTP to sipp on loopback: set-up rate, pacing, CPU");
  sip_->option_defaults()->always_capture_default();
  sip_->add_option("--calls", calls_, "Concurrent calls")->check(CLI::Range(1, 5000));
  sip_->add_option("--seconds", seconds_, "How long all calls stay up, measured")
      ->check(CLI::Range(1, 3600));
  sip_->add_option("--transport", transport_, "udp or tcp")->check(CLI::IsMember({"udp", "tcp"}));
}

bool BenchSipCommand::Selected() const { return sip_->parsed(); }

int BenchSipCommand::Run(std::ostream& out, std::ostream& err) const {
  std::string folder_name = (std::filesystem::temp_directory_path() / "talky-bench-sip-XXXXXX");
  if (mkdtemp(folder_name.data()) == nullptr) {
    err << "talky bench sip: cannot create a temporary folder\n";
    return kExitFailure;
  }
  const std::filesystem::path folder(folder_name);
  const int sip_port = FreePort();
  SippCallee sipp(folder, sip_port, FreePort(), calls_, transport_);
  if (!sipp.started()) {
    err << "talky bench sip: cannot start sipp (scripts/install-deps.sh installs sip-tester)\n";
    return kExitFailure;
  }
  std::this_thread::sleep_for(500ms);  // sipp binds its port

  Answers answers;
  SipUserAgentOptions options{.trunk_uri = "sip:127.0.0.1:" + std::to_string(sip_port),
                              .transport = transport_,
                              .caller_id = "+12125550100"};
  options.media.rtp_timeout = seconds(seconds_ + 30);
  auto agent = SipUserAgent::Start(
      options, [&answers](const SipCallEvent& event) { answers.OnEvent(event); });
  if (!agent) {
    err << "talky bench sip: " << agent.error().Describe() << "\n";
    return kExitFailure;
  }
  std::vector<CallProbe> probes(static_cast<std::size_t>(calls_));
  std::vector<std::string> ids;
  std::atomic<bool> measuring{false};

  // Set-up: every call placed as fast as INVITEs get their first answer.
  const Steady::time_point first_invite = Steady::now();
  std::map<std::string, Steady::time_point> invited;
  for (int i = 0; i < calls_; ++i) {
    const CallId call_id{"bench-" + std::to_string(i)};
    invited[call_id.value] = Steady::now();
    Expected<std::string> placed =
        (*agent)->Invite(call_id, "+12125550123", "",
                         ProbeCallbacks(probes[static_cast<std::size_t>(i)], measuring));
    if (!placed) {
      err << "talky bench sip: call " << i << ": " << placed.error().Describe()
          << " (sipp log: " << (folder / "sipp.log").string() << ")\n";
      return kExitFailure;
    }
    ids.push_back(*placed);
  }
  if (!answers.WaitForAnswers(ids.size(), seconds(60))) {
    err << "talky bench sip: only " << answers.answered().size() << " of " << calls_
        << " calls were answered (sipp log: " << (folder / "sipp.log").string() << ")\n";
    return kExitFailure;
  }
  const std::map<std::string, Steady::time_point> answered = answers.answered();
  std::vector<double> setup_ms;
  Steady::time_point last_answer = first_invite;
  for (const auto& [call, at] : answered) {
    setup_ms.push_back(duration<double, std::milli>(at - invited[call]).count());
    last_answer = std::max(last_answer, at);
  }
  const double setup_seconds = duration<double>(last_answer - first_invite).count();

  // All calls up: pacing, echo and CPU over --seconds.
  std::this_thread::sleep_for(500ms);  // the echo's first packets are back
  const double cpu_before = ProcessCpuSeconds();
  const Steady::time_point measure_start = Steady::now();
  measuring = true;
  std::this_thread::sleep_for(seconds(seconds_));
  measuring = false;
  const double measured_seconds = duration<double>(Steady::now() - measure_start).count();
  const double cpu_seconds = ProcessCpuSeconds() - cpu_before;
  for (const std::string& id : ids) (void)(*agent)->Hangup(id);  // each returns once it ended
  (*agent)->Stop();

  std::vector<double> stray;
  std::uint64_t sent = 0;
  std::uint64_t heard = 0;
  for (const CallProbe& probe : probes) {
    stray.insert(stray.end(), probe.send_stray_ms.begin(), probe.send_stray_ms.end());
    sent += probe.frames_sent;
    heard += probe.frames_heard;
  }
  const nlohmann::json figures = {
      {"calls", calls_},
      {"transport", transport_},
      {"setup_calls_per_second", Round3(calls_ / std::max(setup_seconds, 1e-6))},
      {"setup_latency_p50_ms", Round3(Percentile(setup_ms, 0.5))},
      {"setup_latency_p99_ms", Round3(Percentile(setup_ms, 0.99))},
      {"measured_seconds", Round3(measured_seconds)},
      {"rtp_packets_sent_per_second", Round3(static_cast<double>(sent) / measured_seconds)},
      {"rtp_send_stray_p50_ms", Round3(Percentile(stray, 0.5))},
      {"rtp_send_stray_p99_ms", Round3(Percentile(stray, 0.99))},
      {"rtp_send_stray_max_ms", Round3(Percentile(stray, 1.0))},
      {"echo_heard_ratio",
       Round3(sent > 0 ? static_cast<double>(heard) / static_cast<double>(sent) : 0)},
      {"cpu_percent_per_call", Round3(100 * cpu_seconds / measured_seconds / calls_)},
      {"calls_ended", answers.ended()},
  };
  out << figures.dump() << std::endl;
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
  return kExitOk;
}

}  // namespace talky
