// Helpers for the multi-process tests: `talky` processes (harness/child_process.h) and the port a
// `talky serve` announces, its REST API through the real HTTP client, and SQL straight to
// PostgreSQL.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/child_process.h"
#include "harness/test_servers.h"
#include "net/http_client.h"

namespace talky::testing {

using Rows = std::vector<std::vector<std::string>>;

// A query's rows as text; NULL is "".
Rows Query(const std::string& url, const std::string& sql);
int64_t Count(const std::string& url, const std::string& sql);

// `talky <args...>` (TALKY_BINARY), watched by `scratch`'s reaper; the test fails if it cannot
// start.
std::unique_ptr<ChildProcess> StartTalky(const std::vector<std::string>& args, ScratchDir& scratch);
// The port `talky serve` announces ("listening on http://127.0.0.1:PORT"), or nullopt when it
// does not within `limit` or exits first.
std::optional<int> WaitForListeningPort(ChildProcess& server, std::chrono::milliseconds limit);

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
