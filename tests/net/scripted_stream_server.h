// A fake of a streaming cloud API: an HTTP/1.1 server on 127.0.0.1, plain or TLS (with a
// certificate the test trusts), that answers each request by a script: a status line after a
// delay, then body pieces each after its own delay, sent chunked, then the end; or the connection
// dropped mid-body, or a body that stalls. The requests are kept for the test to check.
//
// Each connection runs on a thread of its own; Stop (or the destructor) closes them all, cutting
// any delay short, and joins.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/loopback_http_server.h"
#include "net/tls_test_server.h"

namespace talky::testing {

struct StreamPiece {
  std::chrono::milliseconds delay{0};  // before it is sent
  std::string bytes;
};

struct StreamScript {
  std::chrono::milliseconds delay_before_answer{0};
  int status = 200;
  HttpHeaders headers;  // Content-Type: text/event-stream unless named
  std::vector<StreamPiece> pieces;
  enum class Ending { kComplete, kHangUp, kStall } ending = Ending::kComplete;
};

using StreamScriptHandler = std::function<StreamScript(const LoopbackRequest&)>;

class ScriptedStreamServer {
 public:
  // TLS with `certificate` when given.
  explicit ScriptedStreamServer(StreamScriptHandler handler,
                                std::optional<SelfSignedCertificate> certificate = std::nullopt);
  ~ScriptedStreamServer();
  ScriptedStreamServer(const ScriptedStreamServer&) = delete;
  ScriptedStreamServer& operator=(const ScriptedStreamServer&) = delete;

  std::string BaseUrl() const;  // http(s)://127.0.0.1:<port>
  std::vector<LoopbackRequest> requests() const;
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace talky::testing
