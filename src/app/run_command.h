// `talky run`: everything in one process on the embedded default (a SQLite file and the embedded
// queue), N dialer workers with the simulated provider, and the HTTP API.
//
// - With --campaign FILE.toml --leads FILE.csv: creates the file's tenants (an existing tenant id
//   is reused, its rules updated from the file) and campaigns (always new ones, fresh ids), imports
//   the leads (the CSV's `campaign` column names a campaign's key), starts them through the
//   CampaignService, shows progress, and when every campaign is completed prints the final report
//   and exits 0. Without --database-url the records go to a fresh SQLite file in a new temporary
//   folder (printed, and kept), so every run reports on itself alone.
// - Without --campaign: serves the API and runs the workers on ./talky.db (or --database-url)
//   until SIGTERM or SIGINT, printing where the API listens and the admin key (--admin-key, else
//   $TALKY_ADMIN_KEY, else a new one). With --campaign the API is served too, while the run lasts.
// - Answered calls speak (--voice on, the default): the simulated provider connects each to the
//   media WebSocket of the run's own server with a simulated callee (telephony/simulated/
//   speaking_callee.h) whose audio runs --media-speed times faster than real time; the report
//   adds the conversations (run_conversations.h). If the server cannot listen where --listen
//   says, it listens on another free port of 127.0.0.1 so the calls can still speak.
// - --provider sip: real calls through a SIP trunk (--sip-trunk ..., sip_command_line.h) instead of
//   simulated callees; their audio reaches the run's media WebSocket in real time (--speed and
//   --media-speed other than 1 are refused, exit 2).
// - --speed X: a ScaledClock X times faster than real time, so retry delays and calling windows
//   play out in seconds. Embedded queue only: refused with --redis-url (exit 2). --start-at
//   INSTANT starts that clock at another instant than now (to see a run at another hour).
//
// Run() blocks SIGINT and SIGTERM in the calling thread (every thread it starts inherits that)
// and takes them with sigtimedwait. Call from the main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <ostream>
#include <string>

#include "app/sip_command_line.h"

namespace talky {

// What `talky run` was asked, as its options were parsed.
struct RunOptions {
  std::string campaign_path;
  std::string leads_path;
  std::string database_url;
  std::string redis_url;
  std::string listen = "127.0.0.1:8080";
  std::string admin_key;
  int workers = 4;
  int max_calls = 100;
  int ring_time_ms = 3000;
  int talk_time_ms = 20000;
  double speed = 0;      // 0: not given, the real clock
  std::string start_at;  // with --speed: the simulated clock's first instant
  uint64_t seed = 1;
  std::string progress = "auto";
  std::string voice = "on";
  double media_speed = 0;     // 0: not given, 4 (1 with --provider sip)
  int max_conversations = 0;  // 0: a number per core
  std::string provider = "simulated";
  SipCommandLine sip;  // --provider sip
};

class RunCommand {
 public:
  explicit RunCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* run_ = nullptr;
  RunOptions options_;
};

}  // namespace talky
