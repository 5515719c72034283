#include "harness/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace talky::testing {

using namespace std::chrono_literals;

Expected<std::unique_ptr<ChildProcess>> ChildProcess::Start(const std::string& binary,
                                                            const std::vector<std::string>& args,
                                                            ScratchDir* watched_by) {
  // Built before fork: the child may only call async-signal-safe functions until exec.
  std::vector<char*> argv{const_cast<char*>(binary.c_str())};
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return std::unexpected(Error::Internal(std::string("pipe: ") + std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return std::unexpected(Error::Internal(std::string("fork: ") + std::strerror(errno)));
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);  // dup2 clears close-on-exec on the copies
    dup2(fds[1], STDERR_FILENO);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  if (watched_by != nullptr) watched_by->Watch(pid);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, fds[0], watched_by));
}

ChildProcess::ChildProcess(pid_t pid, int output_fd, ScratchDir* watched_by)
    : pid_(pid), output_fd_(output_fd), watched_by_(watched_by), reader_([this] { Read(); }) {}

ChildProcess::~ChildProcess() {
  if (!status_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    Reaped(status);
  }
  if (reader_.joinable()) reader_.join();
  close(output_fd_);
}

void ChildProcess::Read() {
  char buffer[4096];
  while (true) {
    const ssize_t n = read(output_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mutex_);
    if (n <= 0) {
      output_ended_ = true;
      changed_.notify_all();
      return;
    }
    output_.append(buffer, static_cast<std::size_t>(n));
    changed_.notify_all();
  }
}

void ChildProcess::Reaped(int status) {
  status_ = status;
  if (watched_by_ != nullptr) watched_by_->Forget(pid_);
}

std::optional<std::string> ChildProcess::WaitForLine(std::string_view text,
                                                     std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  std::optional<std::string> line;
  auto found = [&] {
    for (std::size_t at = output_.find(text); at != std::string::npos;
         at = output_.find(text, at + 1)) {
      const std::size_t begin = output_.rfind('\n', at);
      const std::size_t end = output_.find('\n', at);
      if (end == std::string::npos && !output_ended_) return false;  // not complete yet
      const std::size_t from = begin == std::string::npos ? 0 : begin + 1;
      line = output_.substr(from, (end == std::string::npos ? output_.size() : end) - from);
      return true;
    }
    return output_ended_;
  };
  changed_.wait_for(lock, limit, found);
  return line;
}

bool ChildProcess::Signal(int signal) { return !status_ && kill(pid_, signal) == 0; }

std::optional<int> ChildProcess::WaitForExit(std::chrono::milliseconds limit) {
  if (status_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    int status = 0;
    const pid_t waited = waitpid(pid_, &status, WNOHANG);
    if (waited == pid_) {
      Reaped(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);  // no portable wait with a timeout on a child
  }
  reader_.join();  // the output ends with the child
  return status_;
}

std::string ChildProcess::output() const {
  std::lock_guard lock(mutex_);
  return output_;
}

ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::milliseconds limit) {
  Expected<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(binary, args);
  if (!child) return {.output = child.error().Describe()};
  ProcessResult result;
  std::optional<int> status = (*child)->WaitForExit(limit);
  if (!status) {
    (*child)->Signal(SIGKILL);
    status = (*child)->WaitForExit(std::chrono::minutes(1));
    result.killed = true;
  }
  result.status = status.value_or(-1);
  result.output = (*child)->output();
  if (result.killed) result.output += "\n(killed: still running after the time limit)";
  return result;
}

}  // namespace talky::testing
