// One HTTP(S) request whose response body is handed over as it arrives (a language model's
// streamed reply), asynchronously on an io_context that many such requests share: no thread per
// request. Each phase has its own bound: connecting (name, TCP, TLS), the first byte of the answer
// after the request went out, and the silence between two pieces of the body (a stream that
// stalls mid-reply). TLS is verified (tls_client.h).
//
// Threads: the handler is called on the io_context's threads, one call at a time, never after
// Cancel returned (Cancel waits for a call in progress; it may be called from inside one).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include "domain/error.h"
#include "net/http_client.h"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}  // namespace ssl
}  // namespace boost::asio

namespace talky {

struct HttpStreamOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds first_byte_timeout{10'000};
  std::chrono::milliseconds stall_timeout{10'000};
  std::size_t max_error_body_bytes = 64 * 1024;  // kept of a failed answer, for its message
};

class HttpStreamHandler {
 public:
  virtual ~HttpStreamHandler() = default;
  // The next piece of a 2xx answer's body.
  virtual void OnBody(std::string_view piece) = 0;
  // Once, last: success when the body ended. Otherwise Unavailable (unreachable, a timeout, a
  // broken answer, 429, 5xx), Unauthenticated (401), PermissionDenied (403) or InvalidArgument
  // (another 4xx); the message names the origin and, for an HTTP error, its status and body.
  virtual void OnEnd(Expected<void> result) = 0;
};

class HttpStream {
 public:
  virtual ~HttpStream() = default;

  // Sends `request` (its URL absolute). `tls` must outlive the stream; the handler must outlive
  // it or its Cancel.
  static std::shared_ptr<HttpStream> Start(boost::asio::io_context& io,
                                           boost::asio::ssl::context& tls,
                                           HttpClientRequest request, HttpStreamOptions options,
                                           HttpStreamHandler& handler);

  // The connection is closed; the handler hears nothing more once this returns. Idempotent.
  virtual void Cancel() = 0;
};

}  // namespace talky
