#include "bench/bench_http_command.h"

#include "app/cli.h"

namespace talky {

BenchHttpCommand::BenchHttpCommand(CLI::App& app) {
  http_ = BenchGroup(app)->add_subcommand(
      "http", "Load an HTTP server with keep-alive connections; print requests/s and latency");
  http_->add_option("--url", options_.url, "http://HOST:PORT/path to send every request to")
      ->required();
  http_->add_option("--method", options_.method, "HTTP method")->capture_default_str();
  http_->add_option("--body", options_.body_template,
                    "Request body; \"{n}\" becomes a per-request number");
  http_->add_option("--header", headers_, "'Name: value', repeatable");
  http_->add_option("--connections", options_.connections, "Keep-alive connections")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  http_->add_option("--duration-seconds", duration_seconds_, "How long to send requests")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  http_->add_option("--threads", options_.threads, "Threads driving the connections")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

bool BenchHttpCommand::Selected() const { return http_->parsed(); }

int BenchHttpCommand::Run(std::ostream& out, std::ostream& err) const {
  HttpLoadOptions options = options_;
  options.duration = std::chrono::milliseconds(static_cast<long>(duration_seconds_ * 1000));
  for (const std::string& line : headers_) {
    Expected<std::pair<std::string, std::string>> header = ParseHeaderLine(line);
    if (!header) {
      err << "talky bench http: " << header.error().Describe() << "\n";
      return kExitUsage;
    }
    options.headers.push_back(*header);
  }
  Expected<HttpLoadResult> result = RunHttpLoad(options);
  if (!result) {
    err << "talky bench http: " << result.error().Describe() << "\n";
    return result.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  out << result->ToText(options);
  return kExitOk;
}

}  // namespace talky
