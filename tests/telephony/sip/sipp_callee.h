// sipp (Debian's sip-tester) as the far side of our SIP tests: one UAS process per call running
// one of the scenarios in scenarios/ on a loopback port, its output and message trace kept in a
// folder of its own for failure messages, killed if it outlives the test.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace talky::testing {

// tests/telephony/sip/scenarios (or $TALKY_SIP_SCENARIOS).
std::filesystem::path SipScenarioDirectory();
// Whether `program` is an executable on $PATH.
bool ProgramInstalled(const std::string& program);
// A loopback port free for both UDP and TCP right now (sipp takes it a moment later).
int FreeSipPort();

// Starts `sipp ARGUMENTS...` for one call (-m 1, no stdin, a 20 s timeout that fails the
// scenario), its output, errors and message trace in `directory` (output.log, errors.log,
// messages.log). -1 when it cannot be started.
pid_t SpawnSipp(const std::vector<std::string>& arguments, const std::filesystem::path& directory);

class SippCallee {
 public:
  // Starts `sipp -sf SCENARIO -p PORT -m 1 ...` (plus `extra_arguments`) and waits until it
  // listens; ready() says whether it does.
  SippCallee(const std::string& scenario, const std::string& transport, int port,
             const std::vector<std::string>& extra_arguments = {});
  ~SippCallee();
  SippCallee(const SippCallee&) = delete;
  SippCallee& operator=(const SippCallee&) = delete;

  bool ready() const { return ready_; }

  // sipp's exit code once it ended within `bound`; nullopt if it did not (it is then killed).
  std::optional<int> Wait(std::chrono::milliseconds bound = std::chrono::seconds(10));

  // What sipp said and traced, for failure messages.
  std::string Log() const;
  // The SIP messages it sent and received.
  std::string Messages() const;

 private:
  bool Exited();

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  bool ready_ = false;
  std::filesystem::path directory_;
};

}  // namespace talky::testing
