// `talky serve`: the REST API, the telephony webhooks, /health and /metrics over HTTP, until
// SIGTERM or SIGINT; then it stops accepting, lets requests in progress finish and exits 0.
//   talky serve [--listen HOST:PORT] [--database-url URL] [--redis-url URL] [--threads N]
//               [--body-limit BYTES] [--admin-key KEY] [--secrets-file FILE]
// PORT 0 picks a free port; the line "talky serve: listening on http://HOST:PORT" names it.
// The admin key comes from --admin-key or TALKY_ADMIN_KEY; without either, one is generated and
// printed once.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <ostream>
#include <string>

#include "domain/error.h"

namespace talky {

struct ListenAddress {
  std::string host;
  int port = 0;
};

// "127.0.0.1:8080", "[::1]:0". kInvalidArgument naming "listen" otherwise.
Expected<ListenAddress> ParseListenAddress(const std::string& text);

// The media WebSocket on the server listening at `listen`: ws://HOST:PORT/media, with a wildcard
// host (0.0.0.0, ::) replaced by loopback, which is where a server on all interfaces is surely
// reachable. The default of --media-websocket-uri; a public deployment sets its own.
std::string DefaultMediaWebSocketUri(const ListenAddress& listen);

class ServeCommand {
 public:
  explicit ServeCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* serve_ = nullptr;
  std::string listen_ = "127.0.0.1:8080";
  std::string database_url_;
  std::string redis_url_;
  int threads_ = 0;
  std::size_t body_limit_ = 1024 * 1024;
  std::string admin_key_;
  std::string vonage_signature_secret_;
  std::string media_websocket_uri_;  // empty: DefaultMediaWebSocketUri(--listen)
  std::string secrets_file_;         // empty: the environment alone
};

}  // namespace talky
