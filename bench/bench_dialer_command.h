// `talky bench dialer [--database-url URL] [--redis-url URL] [--leads N] [--tenants T]
// [--workers W] [--max-calls M]`: a campaign of N leads spread over T tenants, from start to the
// end of every first attempt, dialed by W worker loops through the simulated provider with zero
// ring and talk time. Prints one JSON line: calls started per second, CPU microseconds per call,
// the most calls seen in flight at once. Without a database URL it uses a new SQLite file in a
// temporary folder; without a Redis URL, the embedded queue. Benchmark code only.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace talky {

class BenchDialerCommand {
 public:
  explicit BenchDialerCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* dialer_ = nullptr;
  std::string database_url_;
  std::string redis_url_;
  int leads_ = 100'000;
  int tenants_ = 10;
  int workers_ = 4;
  int max_calls_ = 5'000;
};

}  // namespace talky
