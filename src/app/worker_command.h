// `talky worker`: runs dialer workers against the store and the queue until SIGTERM or SIGINT,
// then drains (lets calls end, up to --drain-timeout-ms, hangs up the rest) and exits 0.
// Embedded (no --redis-url): the queue is rebuilt from the store's open jobs. Calls go to the
// simulated provider (--provider simulated, the default), or to Vonage (--provider vonage): its
// event webhooks then reach `talky serve` (POST /webhooks/vonage/event), which completes each
// attempt with the lease the call record carries; the worker frees the call's slot at its next
// lease extension. Or through a SIP trunk (--provider sip, --sip-trunk ...): the worker places
// the calls itself and carries each answered call's audio to --media-websocket-uri, the /media
// of a `talky serve`, where the voice pipeline talks. Secrets may come from the environment
// (TALKY_VONAGE_PRIVATE_KEY_FILE, TALKY_SIP_PASSWORD, ...).
// --start-at INSTANT runs the worker's clock from that instant at real speed (embedded queue only,
// refused with --redis-url, exit 2): calling windows and due times as at another hour, for tests
// and for trying a campaign's rules.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

#include "app/sip_command_line.h"

namespace talky {

class WorkerCommand {
 public:
  explicit WorkerCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* worker_ = nullptr;
  std::string database_url_;
  std::string redis_url_;
  int workers_ = 1;
  int max_calls_ = 100;
  int ring_time_ms_ = 3000;
  int talk_time_ms_ = 20000;
  double speed_ = 1.0;
  std::string start_at_;  // the clock's first instant; empty: the system clock
  uint64_t seed_ = 1;
  int drain_timeout_ms_ = 30000;
  int retry_unavailable_ms_ = 60000;

  std::string provider_ = "simulated";
  std::string vonage_api_url_ = "https://api.nexmo.com";
  std::string vonage_application_id_;
  std::string vonage_private_key_file_;
  std::string vonage_event_url_;
  std::string vonage_answer_url_;
  std::string media_websocket_uri_;
  std::string vonage_signature_secret_;
  SipCommandLine sip_;
};

}  // namespace talky
