// `talky bench ...`: load generators that print one JSON line of figures.
//   talky bench queue [--redis-url URL] --jobs N --workers W --tenants T
//                     [--batch B] [--producers P] [--take-batch K] [--retries R]
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>

#include "bench/queue_bench.h"

namespace talky {

class BenchCommand {
 public:
  explicit BenchCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* queue_ = nullptr;
  QueueBenchOptions options_;
  std::string redis_url_;
};

}  // namespace talky
