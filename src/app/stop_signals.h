// SIGTERM and SIGINT for the long-running commands (serve, worker, run): blocked in the calling
// thread, and so in every thread it starts afterwards, then taken by one thread that waits for
// them. Call BlockStopSignals first thing, before any thread is started.
#pragma once

#include <signal.h>

#include <chrono>

namespace talky {

// Blocks SIGTERM and SIGINT in this thread; returns the set to wait on.
sigset_t BlockStopSignals();

// Waits for SIGTERM or SIGINT and returns it.
int WaitForStopSignal(const sigset_t& signals);

// Waits up to `timeout`; returns the signal, or 0 when none came.
int WaitForStopSignal(const sigset_t& signals, std::chrono::milliseconds timeout);

}  // namespace talky
