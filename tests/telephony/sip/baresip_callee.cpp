#include "telephony/sip/baresip_callee.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "voice/resampler.h"

extern char** environ;

namespace talky::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr int kRate = 8000;  // G.711's, and so what aufile must be given and sndfile writes
constexpr const char* kModuleDirectory = "/usr/lib/baresip/modules";  // Debian's
constexpr milliseconds kPoll = 10ms;  // for states of another process that nothing signals

// sndfile builds "<snd_path>/dump-YYYY-MM-DD-HH-MM-SS-dec.wav" in a 128-byte buffer and truncates
// silently; 34 of those bytes are its own.
constexpr std::size_t kMaxRecordingFolderLength = 128 - 34 - 1;

std::string ReadText(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// baresip colours its warnings: ESC [ ... letter.
std::string WithoutColours(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

// The text after `prefix` on the last complete line that contains it.
std::optional<std::string> LastLineValue(std::string_view log, std::string_view prefix) {
  std::optional<std::string> value;
  for (std::size_t at = log.find(prefix); at != std::string_view::npos;
       at = log.find(prefix, at + 1)) {
    const std::size_t end = log.find('\n', at);
    if (end == std::string_view::npos) break;  // still being written
    value = std::string(log.substr(at + prefix.size(), end - at - prefix.size()));
  }
  return value;
}

bool BindLoopback(int fd, int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

int BoundPort(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return ntohs(address.sin_port);
}

bool TcpPortFree(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as libre binds its listeners
  const bool free = BindLoopback(fd, port);
  close(fd);
  return free;
}

// A port P with UDP P, TCP P and TCP P+1 free on loopback now: baresip listens for SIP on UDP and
// TCP at P, and for SIP over TLS at P+1 even without a certificate.
int FreeSipPort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int port = BindLoopback(udp, 0) ? BoundPort(udp) : 0;
    const bool free = port > 0 && port < 65535 && TcpPortFree(port) && TcpPortFree(port + 1);
    close(udp);
    if (free) return port;
  }
  return 0;
}

int FreeTcpPort(int avoid) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int port = BindLoopback(fd, 0) ? BoundPort(fd) : 0;
    close(fd);
    if (port > 0 && port != avoid && port != avoid + 1) return port;
  }
  return 0;
}

std::optional<std::string> FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) == 0) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::stringstream directories(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string directory; std::getline(directories, directory, ':');) {
    const fs::path candidate = fs::path(directory) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

// Whether process `pid` holds `file` open, by its /proc/PID/fd links.
bool HoldsOpen(pid_t pid, const fs::path& file) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    std::error_code ignored;
    if (fs::read_symlink(entry.path(), ignored) == file) return true;
  }
  return false;
}

// libsndfile writes the RIFF sizes when it closes the file; until then they are stale.
bool WavHeaderFinal(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  unsigned char header[8] = {};
  if (!file.read(reinterpret_cast<char*>(header), sizeof header)) return false;
  const std::uint32_t riff_size =
      header[4] | header[5] << 8 | header[6] << 16 | static_cast<std::uint32_t>(header[7]) << 24;
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  return !error && std::memcmp(header, "RIFF", 4) == 0 && size == std::uintmax_t{riff_size} + 8;
}

bool ValidUser(std::string_view user) {
  return !user.empty() && std::ranges::all_of(user, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
           c == '+';
  });
}

bool ValidDigits(std::string_view digits) {
  return !digits.empty() && std::ranges::all_of(digits, [](char c) {
    return std::string_view("0123456789*#ABCD").find(c) != std::string_view::npos;
  });
}

// The source as aufile needs it: 8 kHz (it refuses any rate but the codec's), and long enough.
Expected<void> WriteSource(const BaresipCalleeOptions& options, const fs::path& out) {
  MonoWav source{.sample_rate = kRate};
  if (!options.source_wav.empty()) {
    Expected<MonoWav> given = ReadMonoWav(options.source_wav);
    if (!given) {
      return std::unexpected(
          Error::InvalidArgument("unusable source WAV", {{"source_wav", given.error().message}}));
    }
    if (given->sample_rate == kRate) {
      source.samples = std::move(given->samples);
    } else {
      Resampler resampler(given->sample_rate, kRate);
      source.samples = resampler.Process(given->samples);
      const Samples tail = resampler.Flush();
      source.samples.insert(source.samples.end(), tail.begin(), tail.end());
    }
  }
  const auto min_samples =
      static_cast<std::size_t>(options.min_source_length.count() * kRate / 1000);
  if (source.samples.size() < min_samples) source.samples.resize(min_samples, 0);
  return WriteMonoWav(out, source);
}

// Everything but the ports and paths is fixed: G.711 only (the g711 module registers PCMU and
// PCMA; baresip always offers and accepts telephone-event), no audio device module, the jitter
// buffer off (0-0), menu for its commands (sndcode, hangup) without its status line.
std::string Config(const fs::path& directory, int sip_port, int control_port,
                   const fs::path& tls_certificate) {
  std::string config;
  auto line = [&](std::string_view key, const std::string& value) {
    config += std::string(key) + "\t" + value + "\n";
  };
  config +=
      "# Written by BaresipCallee (tests/telephony/sip/baresip_callee.cpp) for baresip 1.0.\n";
  line("poll_method", "epoll");
  line("sip_listen", "127.0.0.1:" + std::to_string(sip_port));
  line("net_interface", "127.0.0.1");  // by name, "lo" failed here: "could not get network address"
  line("call_local_timeout", "120");
  line("call_max_calls", "4");
  line("audio_source", "aufile," + (directory / "source.wav").string());
  line("audio_level", "no");
  line("ausrc_format", "s16");
  line("auplay_format", "s16");
  line("auenc_format", "s16");
  line("audec_format", "s16");
  line("rtcp_mux", "no");
  line("jitter_buffer_delay", "0-0");
  line("rtp_stats", "no");
  line("module_path", kModuleDirectory);
  line("module", "g711.so");
  line("module", "sndfile.so");
  line("module", "aufile.so");
  line("module_tmp", "account.so");
  line("module_app", "menu.so");
  line("module_app", "ctrl_tcp.so");
  line("ctrl_tcp_listen", "127.0.0.1:" + std::to_string(control_port));
  line("snd_path", (directory / "recordings").string());
  line("statmode_default", "off");
  if (!tls_certificate.empty()) line("sip_certificate", tls_certificate.string());
  return config;
}

Expected<void> WriteText(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return std::unexpected(Error::Internal("cannot write " + path.string()));
  return {};
}

std::uint32_t LittleEndian(std::string_view bytes, std::size_t at, int count) {
  std::uint32_t value = 0;
  for (int i = count - 1; i >= 0; --i) {
    value = value << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  }
  return value;
}

void PutLittleEndian(std::string& out, std::uint32_t value, int count) {
  for (int i = 0; i < count; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

// ---- WAV ----

Expected<MonoWav> ReadMonoWav(const fs::path& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    return std::unexpected(Error::NotFound("no file " + path.string()));
  }
  const std::string bytes = ReadText(path);
  auto invalid = [&](const std::string& why) {
    return std::unexpected(Error::InvalidArgument(path.string() + ": " + why));
  };
  if (bytes.size() < 12 || bytes.compare(0, 4, "RIFF") != 0 || bytes.compare(8, 4, "WAVE") != 0) {
    return invalid("not a RIFF/WAVE file");
  }
  MonoWav wav;
  bool have_format = false;
  for (std::size_t at = 12; at + 8 <= bytes.size();) {
    const std::uint32_t size = LittleEndian(bytes, at + 4, 4);
    const std::size_t body = at + 8;
    if (bytes.compare(at, 4, "fmt ") == 0 && size >= 16 && body + 16 <= bytes.size()) {
      const std::uint32_t format = LittleEndian(bytes, body, 2);
      const std::uint32_t channels = LittleEndian(bytes, body + 2, 2);
      const std::uint32_t bits = LittleEndian(bytes, body + 14, 2);
      wav.sample_rate = static_cast<int>(LittleEndian(bytes, body + 4, 4));
      // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which tools also write for plain PCM.
      if ((format != 1 && format != 0xFFFE) || channels != 1 || bits != 16 ||
          wav.sample_rate <= 0) {
        return invalid("not mono 16-bit PCM (format " + std::to_string(format) + ", " +
                       std::to_string(channels) + " channels, " + std::to_string(bits) + " bits, " +
                       std::to_string(wav.sample_rate) + " Hz)");
      }
      have_format = true;
    } else if (bytes.compare(at, 4, "data") == 0) {
      if (!have_format) return invalid("data before the format chunk");
      // A WAV written to a pipe (espeak-ng --stdout) has a placeholder size: take what is there.
      const std::size_t length = std::min<std::size_t>(size, bytes.size() - body) / 2;
      wav.samples.resize(length);
      for (std::size_t i = 0; i < length; ++i) {
        wav.samples[i] = static_cast<std::int16_t>(LittleEndian(bytes, body + 2 * i, 2));
      }
      return wav;
    }
    at = body + size + (size % 2);  // chunks are padded to an even length
  }
  return invalid("no data chunk");
}

Expected<void> WriteMonoWav(const fs::path& path, const MonoWav& wav) {
  const auto data_bytes = static_cast<std::uint32_t>(wav.samples.size() * 2);
  const auto rate = static_cast<std::uint32_t>(wav.sample_rate);
  std::string bytes = "RIFF";
  PutLittleEndian(bytes, 36 + data_bytes, 4);
  bytes += "WAVEfmt ";
  PutLittleEndian(bytes, 16, 4);  // the format chunk's size
  PutLittleEndian(bytes, 1, 2);   // PCM
  PutLittleEndian(bytes, 1, 2);   // mono
  PutLittleEndian(bytes, rate, 4);
  PutLittleEndian(bytes, rate * 2, 4);  // bytes per second
  PutLittleEndian(bytes, 2, 2);         // block align
  PutLittleEndian(bytes, 16, 2);        // bits per sample
  bytes += "data";
  PutLittleEndian(bytes, data_bytes, 4);
  for (std::int16_t sample : wav.samples) {
    PutLittleEndian(bytes, static_cast<std::uint16_t>(sample), 2);
  }
  return WriteText(path, bytes);
}

// ---- BaresipCallee ----

BaresipCallee::BaresipCallee(BaresipCalleeOptions options, std::unique_ptr<ScratchDir> scratch)
    : options_(std::move(options)), scratch_(std::move(scratch)) {}

BaresipCallee::~BaresipCallee() { Stop(); }

Expected<std::unique_ptr<BaresipCallee>> BaresipCallee::Start(BaresipCalleeOptions options) {
  if (!ValidUser(options.user)) {
    return std::unexpected(Error::InvalidArgument(
        "invalid options", {{"user", "letters, digits and . _ - + only: " + options.user}}));
  }
  Expected<std::unique_ptr<ScratchDir>> scratch = ScratchDir::Create("baresip");
  if (!scratch) return std::unexpected(scratch.error());
  std::unique_ptr<BaresipCallee> callee(new BaresipCallee(std::move(options), std::move(*scratch)));
  const fs::path& directory = callee->directory();
  // baresip's config format splits values at blanks and aufile's at commas.
  if ((directory / "recordings").string().size() > kMaxRecordingFolderLength ||
      directory.string().find_first_of(" \t,") != std::string::npos) {
    return std::unexpected(Error::Internal(
        "temporary folder unusable for baresip (too long, or a blank or comma in it): " +
        directory.string() + "; set TMPDIR to a short plain path"));
  }
  std::error_code error;
  fs::create_directory(directory / "config", error);
  fs::create_directory(directory / "recordings", error);
  if (Expected<void> source = WriteSource(callee->options_, directory / "source.wav"); !source) {
    return std::unexpected(source.error());
  }
  // answermode=auto: 200 on INVITE; regint=0: never REGISTER.
  const std::string account =
      "<sip:" + callee->options_.user + "@127.0.0.1>;regint=0;answermode=auto\n";
  if (Expected<void> written = WriteText(directory / "config" / "accounts", account); !written) {
    return std::unexpected(written.error());
  }
  // Ports are picked free, then bound by baresip a moment later; another process may take one in
  // between, so a start that fails on a taken port is tried again with new ones.
  for (int attempt = 1;; ++attempt) {
    Expected<void> launched = callee->Launch();
    if (launched) return callee;
    const bool port_taken = callee->Log().find("Address already in use") != std::string::npos;
    callee->Stop();
    if (!port_taken || attempt == 3) return std::unexpected(launched.error());
  }
}

Expected<void> BaresipCallee::Launch() {
  const fs::path& directory = scratch_->path();
  sip_port_ = FreeSipPort();
  control_port_ = FreeTcpPort(sip_port_);
  if (sip_port_ == 0 || control_port_ == 0) {
    return std::unexpected(Error::Unavailable("no free loopback port for baresip"));
  }
  if (Expected<void> written =
          WriteText(directory / "config" / "config",
                    Config(directory, sip_port_, control_port_, options_.tls_certificate));
      !written) {
    return written;
  }
  const std::optional<std::string> binary = FindExecutable(options_.binary);
  if (!binary) {
    return std::unexpected(
        Error::Unavailable(options_.binary + " not found (Debian: apt-get install baresip-core)"));
  }

  // Built before fork: the child may only call async-signal-safe functions until exec.
  const std::vector<std::string> args = {*binary, "-f", (directory / "config").string()};
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  // HOME too points into the folder, so nothing can reach the user's ~/.baresip.
  const std::string home = "HOME=" + directory.string();
  std::vector<char*> envp;
  for (char** each = environ; *each != nullptr; ++each) {
    if (std::strncmp(*each, "HOME=", 5) != 0) envp.push_back(*each);
  }
  envp.push_back(const_cast<char*>(home.c_str()));
  envp.push_back(nullptr);
  const fs::path log = directory / "baresip.log";
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return std::unexpected(Error::Internal("cannot open " + log.string()));

  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return std::unexpected(Error::Internal("fork failed"));
  }
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);  // baresip makes its stdout unbuffered: lines arrive at once
    dup2(log_fd, STDERR_FILENO);
    setpgid(0, 0);  // a terminal's Ctrl-C goes to the test binary, which then stops us
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;
  reaped_ = false;
  scratch_->Watch(pid);  // its reaper kills baresip if the test binary dies first

  const auto deadline = steady_clock::now() + options_.start_timeout;
  auto failed = [&](const std::string& why) {
    return std::unexpected(Error::Unavailable("baresip " + why + "; its log:\n" + Log()));
  };
  while (!LastLineValue(Log(), "baresip is ready").has_value()) {
    if (Exited()) return failed("exited during start-up");
    if (steady_clock::now() >= deadline) return failed("was not ready in time");
    std::this_thread::sleep_for(kPoll);
  }

  // ctrl_tcp listens before "ready"; it serves one connection, ours, for the whole run.
  control_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(control_port_));
  if (connect(control_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return failed("took no control connection on port " + std::to_string(control_port_) + " (" +
                  std::strerror(errno) + ")");
  }
  {
    std::lock_guard lock(mutex_);
    control_closed_ = false;
  }
  reader_ = std::thread([this] { ReadControl(); });
  return {};
}

// Netstrings ("LENGTH:PAYLOAD,") of JSON: events, and replies carrying our token.
void BaresipCallee::ReadControl() {
  std::string buffer;
  char chunk[4096];
  while (true) {
    const ssize_t n = recv(control_fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    while (true) {
      const std::size_t colon = buffer.find(':');
      if (colon == std::string::npos || colon == 0 || colon > 9 ||
          !std::ranges::all_of(buffer.substr(0, colon),
                               [](char c) { return c >= '0' && c <= '9'; })) {
        break;  // no complete length yet (or garbage: then nothing more is understood)
      }
      const std::size_t length = std::stoul(buffer.substr(0, colon));
      if (buffer.size() < colon + 1 + length + 1) break;
      const nlohmann::json message =
          nlohmann::json::parse(buffer.substr(colon + 1, length), nullptr, false);
      buffer.erase(0, colon + 1 + length + 1);
      if (!message.is_object()) continue;
      std::lock_guard lock(mutex_);
      if (message.value("response", false)) {
        replies_[message.value("token", "")] =
            message.value("ok", false) ? "ok" : "refused: " + message.value("data", "");
      } else if (message.value("event", false)) {
        events_.push_back(
            {message.value("type", ""), message.value("id", ""), message.value("param", "")});
      }
      changed_.notify_all();
    }
  }
  std::lock_guard lock(mutex_);
  control_closed_ = true;
  changed_.notify_all();
}

Expected<std::string> BaresipCallee::Command(const std::string& command, const std::string& params,
                                             milliseconds bound) {
  std::string token;
  {
    std::lock_guard lock(mutex_);
    if (control_fd_ < 0 || control_closed_) {
      return std::unexpected(Error::Unavailable("baresip is not running"));
    }
    token = std::to_string(++next_token_);
  }
  nlohmann::json message = {{"command", command}, {"token", token}};
  // ctrl_tcp joins command and params with a blank; without params there must be none.
  if (!params.empty()) message["params"] = params;
  const std::string body = message.dump();
  const std::string frame = std::to_string(body.size()) + ":" + body + ",";
  for (std::size_t sent = 0; sent < frame.size();) {
    const ssize_t n = send(control_fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::unexpected(Error::Unavailable("baresip's control connection broke"));
    sent += static_cast<std::size_t>(n);
  }
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, bound, [&] { return replies_.contains(token) || control_closed_; });
  const auto reply = replies_.find(token);
  if (reply == replies_.end()) {
    return std::unexpected(Error::Unavailable("baresip did not reply to " + command + " within " +
                                              std::to_string(bound.count()) + " ms"));
  }
  return reply->second;
}

std::optional<std::string> BaresipCallee::OpenCallLocked() const {
  std::vector<std::string> open;
  for (const BaresipEvent& event : events_) {
    if (event.type == "CALL_ESTABLISHED") open.push_back(event.call_id);
    if (event.type == "CALL_CLOSED") std::erase(open, event.call_id);
  }
  if (open.empty()) return std::nullopt;
  return open.back();
}

Expected<void> BaresipCallee::SendDigits(std::string_view digits, milliseconds bound) {
  if (!ValidDigits(digits)) {
    return std::unexpected(Error::InvalidArgument(
        "invalid digits", {{"digits", "0-9, *, #, A-D only: " + std::string(digits)}}));
  }
  {
    std::lock_guard lock(mutex_);
    if (!OpenCallLocked()) return std::unexpected(Error::Conflict("no answered call is up"));
  }
  // menu's "sndcode": each digit, then a key release; baresip's "send DTMF digit" log lines.
  Expected<std::string> reply = Command("sndcode", std::string(digits), bound);
  if (!reply) return std::unexpected(reply.error());
  // "command not found (sndcode)": the call ended in between (menu registers it during calls).
  if (*reply != "ok") return std::unexpected(Error::Conflict("baresip " + *reply));
  return {};
}

Expected<void> BaresipCallee::HangUp(milliseconds bound) {
  {
    std::lock_guard lock(mutex_);
    if (!OpenCallLocked()) return std::unexpected(Error::Conflict("no answered call is up"));
  }
  // menu's "hangup": BYE, then CALL_CLOSED, which ctrl_tcp sends before its reply.
  Expected<std::string> reply = Command("hangup", "", bound);
  if (!reply) return std::unexpected(reply.error());
  if (*reply != "ok") return std::unexpected(Error::Conflict("baresip " + *reply));
  return {};
}

std::optional<BaresipEvent> BaresipCallee::WaitForEvent(std::string_view type, milliseconds bound,
                                                        int nth) {
  std::unique_lock lock(mutex_);
  std::optional<BaresipEvent> found;
  changed_.wait_for(lock, bound, [&] {
    int seen = 0;
    for (const BaresipEvent& event : events_) {
      if (event.type == type && ++seen == nth) {
        found = event;
        return true;
      }
    }
    return control_closed_;
  });
  return found;
}

std::vector<BaresipEvent> BaresipCallee::Events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

Expected<BaresipRecording> BaresipCallee::WaitForRecording(milliseconds bound) {
  const auto deadline = steady_clock::now() + bound;
  std::string waiting_for;
  while (true) {
    const bool running = Running();
    const std::string log = Log();
    // sndfile names the files it opens when the call's audio starts, one line each.
    const std::optional<std::string> received = LastLineValue(log, "dumping decode audio to ");
    const std::optional<std::string> sent = LastLineValue(log, "dumping encode audio to ");
    bool call_open = false;
    {
      std::lock_guard lock(mutex_);
      call_open = OpenCallLocked().has_value();
    }
    if (!received || !sent) {
      if (!running) return std::unexpected(Error::NotFound("baresip recorded no call"));
      waiting_for = "a call to record";
    } else if (running && call_open) {
      waiting_for = "the call to end";
    } else if (running && (HoldsOpen(pid_, *received) || HoldsOpen(pid_, *sent))) {
      waiting_for = "baresip to close the recordings";
    } else if (WavHeaderFinal(*received) && WavHeaderFinal(*sent)) {
      return BaresipRecording{.received = *received, .sent = *sent};
    } else if (!running) {
      return std::unexpected(Error::Unavailable(
          "recording incomplete: baresip ended without closing it (killed?): " + *received));
    } else {
      waiting_for = "final WAV headers";
    }
    if (steady_clock::now() >= deadline) {
      return std::unexpected(Error::Unavailable("no complete recording within " +
                                                std::to_string(bound.count()) +
                                                " ms: waiting for " + waiting_for));
    }
    std::this_thread::sleep_for(kPoll);
  }
}

bool BaresipCallee::Exited() {
  if (pid_ <= 0 || reaped_) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  reaped_ = true;
  scratch_->Forget(pid_);
  return true;
}

bool BaresipCallee::Running() { return !Exited(); }

void BaresipCallee::Stop() {
  if (!Exited()) {
    kill(pid_, SIGTERM);  // baresip hangs up its calls, closes its files, and exits
    const auto deadline = steady_clock::now() + options_.stop_timeout;
    while (!Exited() && steady_clock::now() < deadline) std::this_thread::sleep_for(kPoll);
    if (!Exited()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);  // SIGKILL cannot be ignored: this returns at once
      reaped_ = true;
      scratch_->Forget(pid_);
    }
  }
  // baresip's end closed the connection, which ends the reader; shutdown covers a start that
  // failed half-way.
  if (control_fd_ >= 0) shutdown(control_fd_, SHUT_RDWR);
  if (reader_.joinable()) reader_.join();
  if (control_fd_ >= 0) {
    close(control_fd_);
    std::lock_guard lock(mutex_);
    control_fd_ = -1;
    control_closed_ = true;
  }
}

std::string BaresipCallee::uri() const {
  return "sip:" + options_.user + "@127.0.0.1:" + std::to_string(sip_port_);
}

std::string BaresipCallee::Log() const {
  return WithoutColours(ReadText(scratch_->path() / "baresip.log"));
}

}  // namespace talky::testing
