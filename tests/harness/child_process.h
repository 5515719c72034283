// A child process for tests: a binary (`talky`) started with arguments, its stdout and stderr read
// together into memory by a thread of this object, signalled, and waited for with bounds. The
// destructor kills (SIGKILL) and reaps a child that still runs, so a failing test leaves no
// process behind; given a ScratchDir, its reaper also kills the child if the test binary dies.
//
// One thread drives the object; output() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
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

class ChildProcess {
 public:
  // Starts `binary` with `args` (argv[0] is the binary). kInternal if the pipe or fork fails; a
  // binary that cannot be executed exits 127.
  static Expected<std::unique_ptr<ChildProcess>> Start(const std::string& binary,
                                                       const std::vector<std::string>& args,
                                                       ScratchDir* watched_by = nullptr);
  ~ChildProcess();

  pid_t pid() const { return pid_; }

  // The first complete line of output that contains `text`, without its newline; nullopt when the
  // output ended (the child closed it) or `limit` passed before such a line.
  std::optional<std::string> WaitForLine(std::string_view text, std::chrono::milliseconds limit);
  // Sends `signal` to a child not yet reaped; false if it was reaped already.
  bool Signal(int signal);
  // The wait status once the child has ended (and its output is read to the end), waiting up to
  // `limit`; nullopt if it still runs.
  std::optional<int> WaitForExit(std::chrono::milliseconds limit);
  // Everything read so far; all of it once WaitForExit returned a status.
  std::string output() const;

 private:
  ChildProcess(pid_t pid, int output_fd, ScratchDir* watched_by);
  void Read();
  void Reaped(int status);

  const pid_t pid_;
  const int output_fd_;
  ScratchDir* const watched_by_;
  std::optional<int> status_;  // once reaped
  mutable std::mutex mutex_;   // guards output_, output_ended_
  std::condition_variable changed_;
  std::string output_;
  bool output_ended_ = false;
  std::thread reader_;
};

struct ProcessResult {
  int status = -1;  // the wait status
  std::string output;
  bool killed = false;  // still running at the limit, then killed
};

// Runs `binary` with `args` to its end, killed at `limit` (the output then says so).
ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::milliseconds limit);

}  // namespace talky::testing
