// `talky bench store [--database-url URL] [--leads N] [--updates N] [--connections N]`: measures
// the store on this machine and prints the figures. Bulk import of N leads (one transaction; COPY
// on PostgreSQL), campaign start (a job per lead), then job compare-and-set updates per second from
// several threads, each with its own connection. Without a URL it uses a new SQLite file in a
// temporary folder and removes it afterwards. Benchmark code only: not used by the servers.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace talky {

class BenchStoreCommand {
 public:
  // Adds `store` under the `bench` subcommand, creating `bench` if no other benchmark has yet.
  explicit BenchStoreCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* store_ = nullptr;
  std::string database_url_;
  int leads_ = 1'000'000;
  int updates_ = 200'000;
  int connections_ = 4;
};

}  // namespace talky
