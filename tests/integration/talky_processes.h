// Helpers for the multi-process tests: `talky` processes started with fork/exec and their logs,
// the REST API of a `talky serve` through the real HTTP client, and SQL straight to PostgreSQL.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/http_client.h"

namespace talky::testing {

using Rows = std::vector<std::vector<std::string>>;

// A query's rows as text; NULL is "".
Rows Query(const std::string& url, const std::string& sql);
int64_t Count(const std::string& url, const std::string& sql);

// Forks and runs `talky <args...>` (TALKY_BINARY) with its output in `log`.
pid_t StartTalky(const std::vector<std::string>& args, const std::filesystem::path& log);
std::string ReadFile(const std::filesystem::path& path);
// Waits for `pid` up to `limit`; its wait status, or nullopt when it did not end.
std::optional<int> WaitFor(pid_t pid, std::chrono::milliseconds limit);
// The port `talky serve` announces in its log ("listening on http://127.0.0.1:PORT"), or nullopt
// when it does not within `limit` or exits first.
std::optional<int> WaitForListeningPort(pid_t server, const std::filesystem::path& log,
                                        std::chrono::milliseconds limit);

// The REST API of one `talky serve`, through the real HTTP client.
class Api {
 public:
  explicit Api(int port) : base_("http://127.0.0.1:" + std::to_string(port)) {}

  // Sends the request; the answer's status and its body parsed as JSON (null when empty).
  std::pair<int, nlohmann::json> Send(const std::string& method, const std::string& path,
                                      const std::string& key, const std::string& body = "",
                                      const std::string& content_type = "application/json");

  // GET `path` without credentials (/metrics, /health); the body as text, "" on failure.
  std::string Text(const std::string& path);

 private:
  std::string base_;
  HttpClient client_;
};

}  // namespace talky::testing
