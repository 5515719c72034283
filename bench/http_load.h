// `talky bench http`'s load generator: keep-alive connections on Asio that each send one request,
// wait for its answer, and send the next, for a fixed time. "{n}" in the body is replaced by a
// counter shared by every connection, so each request is distinct (e.g. one webhook event each).
// Measures requests per second, answers by status, and latency percentiles.
//
// A benchmark tool, apart from the server's code: it shares nothing with src/http/. RunHttpLoad
// blocks its caller for the duration and uses its own threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "domain/error.h"

namespace talky {

struct HttpLoadOptions {
  std::string url;  // http://host:port/path?query
  std::string method = "GET";
  std::string body_template;  // "{n}" becomes the request's number (1, 2, ...)
  std::vector<std::pair<std::string, std::string>> headers;
  // When set: each request's Authorization header, made from its body (a signature).
  std::function<std::string(std::string_view body)> sign;
  int connections = 64;
  std::chrono::milliseconds duration{10'000};
  int threads = 1;
  std::chrono::milliseconds request_timeout{10'000};
};

struct HttpLoadResult {
  std::int64_t requests = 0;  // answered
  std::int64_t errors = 0;    // connect, write or read failures (the connection is reopened)
  std::map<int, std::int64_t> statuses;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;

  double RequestsPerSecond() const {
    return seconds > 0 ? static_cast<double>(requests) / seconds : 0;
  }
  std::string ToText(const HttpLoadOptions& options) const;
};

// kInvalidArgument naming the option for a bad URL or method; kUnavailable when the host cannot be
// resolved or no connection could be opened at all.
Expected<HttpLoadResult> RunHttpLoad(const HttpLoadOptions& options);

// "Name: value" -> {"Name", "value"}; kInvalidArgument naming "header" otherwise.
Expected<std::pair<std::string, std::string>> ParseHeaderLine(const std::string& line);

}  // namespace talky
