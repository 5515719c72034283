#include "app/stop_signals.h"

#include <ctime>

namespace talky {

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForStopSignal(const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number;
}

int WaitForStopSignal(const sigset_t& signals, std::chrono::milliseconds timeout) {
  const timespec wait{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
                      .tv_nsec = static_cast<long>((timeout.count() % 1000) * 1'000'000)};
  const int signal_number = sigtimedwait(&signals, nullptr, &wait);
  return signal_number > 0 ? signal_number : 0;
}

}  // namespace talky
