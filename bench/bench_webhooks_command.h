// `talky bench webhooks [--database-url URL] [--redis-url URL] [--calls N] [--connections C]
// [--duration-seconds S] [--server-threads T] [--load-threads L]`: Vonage event webhooks per
// second against an in-process TalkyServer on 127.0.0.1. Seeds N calls (provider call ids
// "bench-1" .. "bench-N"), then POSTs one distinct `ringing` event per request to
// /webhooks/vonage/event with the in-repo load tool (RunHttpLoad), so every answer to a request
// n <= N is a real event written to the store. Prints one JSON line: events/s, p50/p99/max
// latency, answers by status, the events found in the store afterwards, and how many requests
// went past the seeded calls (unknown calls: answered 200 without a write). Without a database URL
// it uses a new SQLite file in a temporary folder; without a Redis URL, the embedded queue.
// Benchmark code only.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace talky {

class BenchWebhooksCommand {
 public:
  explicit BenchWebhooksCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* webhooks_ = nullptr;
  std::string database_url_;
  std::string redis_url_;
  int calls_ = 100'000;
  int connections_ = 64;
  double duration_seconds_ = 10;
  int server_threads_ = 0;  // 0: the server's default
  int load_threads_ = 1;
};

}  // namespace talky
