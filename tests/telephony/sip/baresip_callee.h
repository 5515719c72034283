// A real SIP callee for end-to-end tests: baresip (Debian's 1.0.0) as a child process on loopback
// that answers every call at once with G.711 (PCMU, PCMA) and telephone-event, plays a WAV into
// the call, records what it hears, and sends DTMF when told. The fixture owns a temporary folder
// (baresip's config and accounts, its log, the recordings), so baresip never reads ~/.baresip, and
// uses no audio device and no network beyond 127.0.0.1. It drives baresip through its ctrl_tcp
// module (JSON in netstrings), which also reports the call events.
//
// What baresip 1.0 does, as this fixture relies on it (read in its sources, seen on loopback):
// - It hangs up (BYE, event CALL_CLOSED "end of file") as soon as its WAV source has played out,
//   so the fixture pads the source with silence (BaresipCalleeOptions::min_source_length).
// - The received recording is every decoded RTP payload, appended in arrival order: no jitter
//   buffer, no loss concealment, no time-filling, and no telephone-events. A pause in the
//   caller's RTP leaves no gap in it.
// - DTMF goes out as RFC 4733 events (payload type as the caller offered telephone-event), one
//   digit after another, each 180 ms of updates plus three end packets (about 240 ms a digit),
//   while the call's audio keeps flowing.
//
// One thread drives the object; a reader thread of its own collects baresip's events, and
// Events() and WaitForEvent() may be called from any thread. Not copyable.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "domain/error.h"
#include "harness/test_servers.h"

namespace talky::testing {

struct BaresipCalleeOptions {
  // What baresip plays into each answered call: a mono 16-bit PCM WAV of any rate (espeak-ng
  // writes 22,050 Hz); the fixture converts it to 8 kHz. Empty: silence.
  std::filesystem::path source_wav;
  // A PEM file holding a certificate and its key: baresip then also answers SIP over TLS, at
  // tls_port(). Empty: no certificate (its TLS listener then completes no handshake).
  std::filesystem::path tls_certificate;
  // The source is padded with silence to at least this length, because baresip hangs up when its
  // source ends; zero keeps it as it is (baresip then hangs up once it has played it).
  std::chrono::milliseconds min_source_length = std::chrono::minutes(2);
  // The request-URI user baresip answers to; other users get 404.
  std::string user = "callee";
  std::chrono::milliseconds start_timeout = std::chrono::seconds(5);
  // How long Stop waits after SIGTERM before SIGKILL. baresip 1.0 needs 1 to 2 s to exit.
  std::chrono::milliseconds stop_timeout = std::chrono::seconds(5);
  std::string binary = "baresip";  // a path, or a name looked up on PATH
};

// One event of baresip's ctrl_tcp: CALL_ESTABLISHED (answered), CALL_RTPESTAB (first RTP
// received), CALL_CLOSED, AUDIO_ERROR, CALL_LOCAL_SDP, CALL_REMOTE_SDP, SHUTDOWN, EXIT, ...
struct BaresipEvent {
  std::string type;
  std::string call_id;  // the SIP Call-ID; empty for application events
  // CALL_CLOSED: the reason: "Connection reset by peer" (the caller's BYE), "Connection reset by
  // user" (HangUp), "end of file" (the source played out), or the SIP status of a failure.
  std::string param;
};

// The two WAVs of one call, mono 16-bit PCM at 8 kHz, written by baresip's sndfile module.
struct BaresipRecording {
  std::filesystem::path received;  // what baresip decoded from the caller's RTP
  std::filesystem::path sent;      // what baresip encoded and sent (its source)
};

class BaresipCallee {
 public:
  // Writes the folder and starts baresip on a free port; returns once baresip is ready and its
  // control connection is up. kInvalidArgument: a source that is not a mono 16-bit PCM WAV;
  // kUnavailable: baresip did not start (the message carries its log).
  static Expected<std::unique_ptr<BaresipCallee>> Start(BaresipCalleeOptions options);
  ~BaresipCallee();  // Stop(); then the folder is removed
  BaresipCallee(const BaresipCallee&) = delete;
  BaresipCallee& operator=(const BaresipCallee&) = delete;

  int sip_port() const { return sip_port_; }
  int tls_port() const { return sip_port_ + 1; }  // SIP over TLS (with options.tls_certificate)
  std::string uri() const;  // sip:USER@127.0.0.1:PORT, UDP (baresip also listens on TCP)
  const std::filesystem::path& directory() const { return scratch_->path(); }

  // Sends `digits` (0-9, *, #, A-D) into the answered call as RFC 4733 events. Returns when
  // baresip has queued them (its reply within `bound`); they go out over the next ~240 ms each.
  // kInvalidArgument: another character; kConflict: no answered call is up (baresip itself
  // would accept digits for a call not answered yet and send nothing); kUnavailable: no reply.
  Expected<void> SendDigits(std::string_view digits,
                            std::chrono::milliseconds bound = std::chrono::seconds(2));
  // baresip hangs up the call (BYE); its CALL_CLOSED event has arrived when this returns.
  // kConflict: no answered call is up; kUnavailable: no reply within `bound`.
  Expected<void> HangUp(std::chrono::milliseconds bound = std::chrono::seconds(2));

  // The `nth` (1-based) event of `type`, waiting up to `bound` for it; nullopt if none came.
  std::optional<BaresipEvent> WaitForEvent(std::string_view type, std::chrono::milliseconds bound,
                                           int nth = 1);
  std::vector<BaresipEvent> Events() const;

  // The latest call's recordings, once they are complete: the call has closed (or baresip has
  // ended) and baresip has closed both files, so their WAV headers are final. Waits up to
  // `bound`. kNotFound: no call was recorded; kUnavailable: not complete within `bound`, or
  // incomplete for good (baresip was killed before it closed them).
  // Recordings are named by the second their call was answered: a call answered within the same
  // second as the previous one overwrites its files.
  Expected<BaresipRecording> WaitForRecording(
      std::chrono::milliseconds bound = std::chrono::seconds(5));

  // Ends baresip: SIGTERM (it hangs up calls and closes its files), SIGKILL after
  // options.stop_timeout. Idempotent. The folder, with log and recordings, stays until the object
  // is destroyed.
  void Stop();
  // True while baresip runs.
  bool Running();

  // baresip's output so far (colour codes removed), for failure messages.
  std::string Log() const;

 private:
  BaresipCallee(BaresipCalleeOptions options, std::unique_ptr<ScratchDir> scratch);
  Expected<void> Launch();
  void ReadControl();
  Expected<std::string> Command(const std::string& command, const std::string& params,
                                std::chrono::milliseconds bound);
  std::optional<std::string> OpenCallLocked() const;  // the answered call not closed yet
  bool Exited();

  const BaresipCalleeOptions options_;
  const std::unique_ptr<ScratchDir> scratch_;
  int sip_port_ = 0;
  int control_port_ = 0;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int control_fd_ = -1;
  std::thread reader_;

  mutable std::mutex mutex_;  // guards the members below
  std::condition_variable changed_;
  std::vector<BaresipEvent> events_;
  std::map<std::string, std::string> replies_;  // token -> "ok" or baresip's error text
  bool control_closed_ = false;
  int next_token_ = 0;
};

// A mono 16-bit PCM WAV: what baresip plays and records.
struct MonoWav {
  int sample_rate = 8000;
  std::vector<std::int16_t> samples;
};

// kInvalidArgument: not a RIFF/WAVE file, or not mono 16-bit PCM; kNotFound: no such file.
Expected<MonoWav> ReadMonoWav(const std::filesystem::path& path);
Expected<void> WriteMonoWav(const std::filesystem::path& path, const MonoWav& wav);

}  // namespace talky::testing
