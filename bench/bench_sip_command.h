// `talky bench sip [--calls N] [--seconds S] [--transport udp|tcp]`: N concurrent SIP calls from
// our user agent (SipUserAgent, one SIP thread carrying every call's RTP) to sipp on loopback,
// which answers each and echoes its RTP back. Prints one JSON line: how fast the N calls were set
// up (calls per second from the first INVITE to the last answer, and INVITE -> 200 latency
// p50/p99), the RTP send pacing while all N are up for S seconds (how far each packet's send
// strays from 20 ms after the one before: p50, p99, max), the echo heard back (frames received
// against frames sent), and the process's CPU per call (percent of one core per call). Needs
// sipp (Debian's sip-tester). Benchmark code only.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace talky {

class BenchSipCommand {
 public:
  explicit BenchSipCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* sip_ = nullptr;
  int calls_ = 100;
  int seconds_ = 10;
  std::string transport_ = "udp";
};

}  // namespace talky
