// `talky bench http`: drives an HTTP server (normally `talky serve`) with keep-alive connections
// and prints requests per second, answers by status and latency percentiles as text.
//   talky bench http --url http://127.0.0.1:8080/health [--method POST] [--body TEMPLATE]
//                    [--header 'Name: value']... [--connections 64] [--duration-seconds 10]
//                    [--threads 1]
// "{n}" in the body becomes a per-request number, so every request is distinct.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "bench/http_load.h"

namespace talky {

class BenchHttpCommand {
 public:
  explicit BenchHttpCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* http_ = nullptr;
  HttpLoadOptions options_;
  std::vector<std::string> headers_;
  double duration_seconds_ = 10;
};

}  // namespace talky
