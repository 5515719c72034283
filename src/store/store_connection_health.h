// Process-wide counts of the store's connection trouble (a database restarted, a network cut), for
// /metrics and for tests. The connections count; anyone may read. Thread-safe (atomics).
#pragma once

#include <atomic>
#include <cstdint>

namespace talky {

struct StoreConnectionHealth {
  std::atomic<int64_t> connections_lost{0};    // a working connection found broken
  std::atomic<int64_t> reconnect_failures{0};  // attempts to reconnect that failed
  std::atomic<int64_t> reconnects{0};          // connections working again after a loss
};

StoreConnectionHealth& StoreConnectionHealthCounters();

}  // namespace talky
