#include "app/serve_command.h"

#include <signal.h>

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <cstdlib>

#include "app/admin_key.h"
#include "app/cli.h"
#include "app/open_records.h"
#include "app/stop_signals.h"
#include "app/talky_server.h"

namespace talky {
namespace {}  // namespace

Expected<ListenAddress> ParseListenAddress(const std::string& text) {
  auto invalid = [&](const std::string& why) {
    return std::unexpected(
        Error::InvalidArgument("--listen '" + text + "': " + why, {{"listen", why}}));
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return invalid("expected HOST:PORT, e.g. 127.0.0.1:8080");
  ListenAddress address{.host = text.substr(0, colon)};
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  if (address.host.empty()) return invalid("the host is missing");
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(address.host, not_ip);
  if (not_ip) return invalid("the host must be an IP address, e.g. 127.0.0.1 or 0.0.0.0");
  const std::string port = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || address.port < 0 ||
      address.port > 65535) {
    return invalid("the port must be a number from 0 to 65535");
  }
  return address;
}

std::string DefaultMediaWebSocketUri(const ListenAddress& listen) {
  std::string host = listen.host;
  boost::system::error_code not_ip;
  const boost::asio::ip::address address = boost::asio::ip::make_address(host, not_ip);
  if (!not_ip && address.is_unspecified()) host = address.is_v6() ? "::1" : "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "ws://" + host + ":" + std::to_string(listen.port) + "/media";
}

ServeCommand::ServeCommand(CLI::App& app) {
  serve_ = app.add_subcommand("serve", "Serve the REST API, webhooks, /health and /metrics");
  serve_->add_option("--listen", listen_, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve_->add_option("--database-url", database_url_,
                     "sqlite:PATH or postgresql://... (default: SQLite file ./talky.db)");
  serve_->add_option("--redis-url", redis_url_,
                     "Redis shared with the workers and other servers: the job queue and live call "
                     "sessions (default: the embedded queue, sessions in memory)");
  serve_->add_option("--threads", threads_, "Server threads (default: max(16, 4 x cores))")
      ->check(CLI::Range(0, 1024));
  serve_->add_option("--body-limit", body_limit_, "Largest request body in bytes")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
      ->capture_default_str();
  serve_->add_option("--admin-key", admin_key_,
                     "Key that creates tenants (default: TALKY_ADMIN_KEY, else a generated one)");
  serve_
      ->add_option("--vonage-signature-secret", vonage_signature_secret_,
                   "Vonage: signature secret; when set, unsigned event webhooks get 401")
      ->envname("TALKY_VONAGE_SIGNATURE_SECRET");
  serve_
      ->add_option("--media-websocket-uri", media_websocket_uri_,
                   "Vonage: where answered calls' audio goes (the NCCO of "
                   "/webhooks/vonage/answer; default: ws://<--listen>/media, a wildcard host as "
                   "loopback)")
      ->envname("TALKY_MEDIA_WEBSOCKET_URI");
  serve_
      ->add_option("--secrets-file", secrets_file_,
                   "NAME=VALUE lines: the keys that campaigns name for their cloud providers "
                   "(language_model.api_key_name); the environment is searched too")
      ->envname("TALKY_SECRETS_FILE");
}

bool ServeCommand::Selected() const { return serve_->parsed(); }

int ServeCommand::Run(std::ostream& out, std::ostream& err) const {
  Expected<ListenAddress> listen = ParseListenAddress(listen_);
  if (!listen) {
    err << "talky serve: " << listen.error().Describe() << "\n";
    return kExitUsage;
  }
  Expected<AdminKey> resolved_key = ResolveAdminKey(admin_key_);
  if (!resolved_key) {
    err << "talky serve: " << resolved_key.error().Describe() << "\n";
    return kExitFailure;
  }
  const std::string admin_key = resolved_key->key;
  const bool generated_key = resolved_key->generated;

  Expected<Secrets> secrets = secrets_file_.empty() ? Secrets() : Secrets::FromFile(secrets_file_);
  if (!secrets) {
    err << "talky serve: --secrets-file: " << secrets.error().message << "\n";
    return kExitUsage;
  }

  const sigset_t stop_signals = BlockStopSignals();  // before any thread starts

  SystemClock clock;
  TimeOrderedIdGenerator ids;
  HttpServerOptions http{.address = listen->host,
                         .port = listen->port,
                         .threads = threads_,
                         .body_limit = body_limit_};
  const int threads = http.threads > 0 ? http.threads : DefaultServerThreads();
  Expected<Records> records = OpenRecords(database_url_, redis_url_, clock, ids, threads + 2);
  if (!records) {
    err << "talky serve: " << records.error().Describe() << "\n";
    return records.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::string media_websocket_uri = media_websocket_uri_;
  if (media_websocket_uri.empty()) {
    media_websocket_uri = DefaultMediaWebSocketUri(*listen);
    if (listen->port == 0) {
      err << "talky serve: warning: --listen with port 0: the default media WebSocket URI ("
          << media_websocket_uri
          << ") cannot name the port chosen at start; pass --media-websocket-uri\n";
    }
  }
  std::unique_ptr<TalkyServer> server;
  try {
    server = std::make_unique<TalkyServer>(
        *records->store, *records->queue, clock, ids,
        TalkyServerOptions{.http = http,
                           .admin_key = admin_key,
                           .vonage = {.signature_secret = vonage_signature_secret_,
                                      .media_websocket_uri = media_websocket_uri},
                           .sessions_redis_url = redis_url_,
                           .secrets = std::move(*secrets)});
  } catch (const std::invalid_argument& error) {
    err << "talky serve: " << error.what() << "\n";
    return kExitUsage;
  }
  Expected<int> port = server->Start();
  if (!port) {
    err << "talky serve: " << port.error().Describe() << "\n";
    return port.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (generated_key) {
    out << "talky serve: admin key (generated; pass --admin-key or TALKY_ADMIN_KEY to keep one): "
        << admin_key << "\n";
  }
  const bool ipv6 = listen->host.find(':') != std::string::npos;
  out << "talky serve: listening on http://" << (ipv6 ? "[" + listen->host + "]" : listen->host)
      << ":" << *port << std::endl;

  const int signal_number = WaitForStopSignal(stop_signals);
  out << "talky serve: " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
      << ": finishing requests in progress" << std::endl;
  server->Stop();
  out << "talky serve: stopped" << std::endl;
  return kExitOk;
}

}  // namespace talky
