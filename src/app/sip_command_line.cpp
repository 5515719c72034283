#include "app/sip_command_line.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cstdio>
#include <map>
#include <sstream>

#include "net/http_endpoint.h"

namespace talky {
namespace {

// The flag (and variable) behind each field an options check may name.
const std::map<std::string, std::string, std::less<>> kFlagOfField{
    {"trunk_uri", "--sip-trunk (or TALKY_SIP_TRUNK)"},
    {"transport", "--sip-transport (or TALKY_SIP_TRANSPORT)"},
    {"tls_ca_file", "--sip-tls-ca-file (or TALKY_SIP_TLS_CA_FILE)"},
    {"username", "--sip-username (or TALKY_SIP_USERNAME)"},
    {"password", "--sip-password (or TALKY_SIP_PASSWORD)"},
    {"caller_id", "--sip-caller-id (or TALKY_SIP_CALLER_ID)"},
    {"local_address", "--sip-local-address (or TALKY_SIP_LOCAL_ADDRESS)"},
    {"local_port", "--sip-local-port"},
    {"media_address", "--sip-media-address"},
    {"codecs", "--sip-codecs"},
    {"ring_timeout", "--sip-ring-timeout-ms"},
    {"media.min_port", "--sip-rtp-ports"},
    {"media.max_port", "--sip-rtp-ports"},
    {"media.rtp_timeout", "--sip-rtp-timeout-ms"},
    {"media.local_address", "--sip-local-address (or TALKY_SIP_LOCAL_ADDRESS)"},
    {"media", "--media-websocket-uri"},
};

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

}  // namespace

void AddSipOptions(CLI::App& command, SipCommandLine& options) {
  command.add_option("--sip-trunk", options.trunk, "SIP: the trunk, sip:HOST[:PORT]")
      ->envname("TALKY_SIP_TRUNK");
  command.add_option("--sip-transport", options.transport, "SIP: udp, tcp or tls")
      ->envname("TALKY_SIP_TRANSPORT");
  command
      .add_option(
          "--sip-tls-ca-file", options.tls_ca_file,
          "SIP over TLS: PEM file of the CAs to trust for the trunk (default: the system's)")
      ->envname("TALKY_SIP_TLS_CA_FILE");
  command
      .add_option("--sip-username", options.username, "SIP: digest user name, if the trunk asks")
      ->envname("TALKY_SIP_USERNAME");
  command
      .add_option("--sip-password", options.password,
                  "SIP: digest password (prefer TALKY_SIP_PASSWORD: flags show in ps)")
      ->envname("TALKY_SIP_PASSWORD");
  command
      .add_option("--sip-caller-id", options.caller_id,
                  "SIP: E.164 caller id for campaigns that set none")
      ->envname("TALKY_SIP_CALLER_ID");
  command
      .add_option("--sip-local-address", options.local_address,
                  "SIP: this host's IP address for SIP and RTP (what the trunk sees)")
      ->envname("TALKY_SIP_LOCAL_ADDRESS");
  command
      .add_option("--sip-local-port", options.local_port,
                  "SIP: port to bind (0: any; worker loop i takes PORT + i)")
      ->check(CLI::Range(0, 65535));
  command.add_option("--sip-media-address", options.media_address,
                     "SIP: the address our SDP gives for RTP, when not the local one (NAT)");
  command.add_option("--sip-rtp-ports", options.rtp_ports,
                     "SIP: RTP port range MIN-MAX (even ports; default any free)");
  command.add_option("--sip-codecs", options.codecs, "SIP: codecs to offer, in order: PCMU,PCMA");
  command
      .add_option("--sip-ring-timeout-ms", options.ring_timeout_ms,
                  "SIP: CANCEL after ringing this long")
      ->check(CLI::Range(1, 3'600'000));
  command
      .add_option("--sip-rtp-timeout-ms", options.rtp_timeout_ms,
                  "SIP: hang up an answered call that sends no RTP for this long")
      ->check(CLI::Range(100, 3'600'000));
}

Expected<SipTelephonyOptions> SipTelephonyOptionsOf(const SipCommandLine& options,
                                                    const std::optional<MediaSocketAddress>& media,
                                                    int index) {
  SipTelephonyOptions provider;
  SipUserAgentOptions& agent = provider.agent;
  agent.trunk_uri = options.trunk;
  agent.transport = options.transport;
  agent.tls_ca_file = options.tls_ca_file;
  agent.username = options.username;
  agent.password = options.password;
  agent.caller_id = options.caller_id;
  agent.local_address = options.local_address;
  agent.local_port = options.local_port == 0 ? 0 : options.local_port + index;
  agent.media_address = options.media_address;
  agent.codecs = SplitCommas(options.codecs);
  agent.ring_timeout = std::chrono::milliseconds(options.ring_timeout_ms);
  agent.media.local_address = options.local_address;
  agent.media.rtp_timeout = std::chrono::milliseconds(options.rtp_timeout_ms);
  std::vector<FieldError> errors;
  if (!options.rtp_ports.empty()) {
    int min_port = 0;
    int max_port = 0;
    char tail = 0;
    if (std::sscanf(options.rtp_ports.c_str(), "%d-%d%c", &min_port, &max_port, &tail) != 2) {
      errors.push_back({"media.min_port", "must be MIN-MAX, such as 16384-32767"});
    }
    agent.media.min_port = min_port;
    agent.media.max_port = max_port;
  }
  if (options.trunk.empty()) errors.push_back({"trunk_uri", "is required"});
  if (!media) {
    errors.push_back({"media", "is required: ws://ADDRESS:PORT/media of a talky serve"});
  }
  provider.media = media.value_or(MediaSocketAddress{.port = 1});
  if (Expected<void> valid = ValidateSipTelephonyOptions(provider); !valid) {
    for (const FieldError& field : valid.error().fields) {
      const bool said = std::any_of(errors.begin(), errors.end(),
                                    [&](const FieldError& e) { return e.field == field.field; });
      if (!said) errors.push_back(field);
    }
  }
  if (errors.empty()) return provider;
  return std::unexpected(Error::InvalidArgument("invalid SIP options", std::move(errors)));
}

WorkerPool::MakeProvider MakeSipProviders(const SipCommandLine& options, MediaSocketAddress media,
                                          const Clock& clock) {
  return [options, media, &clock, index = 0](
             boost::asio::io_context& events, boost::asio::io_context& media_io,
             CallEventSink& sink) mutable -> std::unique_ptr<TelephonyProvider> {
    Expected<SipTelephonyOptions> provider_options = SipTelephonyOptionsOf(options, media, index++);
    if (!provider_options) throw ProviderStartError(provider_options.error().Describe());
    Expected<std::unique_ptr<SipTelephony>> provider =
        SipTelephony::Start(std::move(*provider_options), events, media_io, clock, sink);
    if (!provider) throw ProviderStartError("the SIP provider: " + provider.error().Describe());
    return std::move(*provider);
  };
}

std::string DescribeSipOptionErrors(const Error& error) {
  std::string text;
  for (const FieldError& field : error.fields) {
    auto flag = kFlagOfField.find(field.field);
    text += "  " + (flag != kFlagOfField.end() ? flag->second : field.field) + ": " +
            field.message + "\n";
  }
  return text;
}

Expected<MediaSocketAddress> ParseMediaSocketUri(const std::string& uri) {
  Expected<HttpEndpoint> endpoint = ParseWebSocketEndpoint(uri);
  boost::system::error_code not_an_address;
  if (endpoint) boost::asio::ip::make_address(endpoint->host, not_an_address);
  if (!endpoint || endpoint->tls || endpoint->target != "/media" || not_an_address) {
    return std::unexpected(Error::InvalidArgument(
        "needs ws://ADDRESS:PORT/media (an IP address, no TLS), not '" + uri + "'",
        {{"media", "must be ws://ADDRESS:PORT/media"}}));
  }
  return MediaSocketAddress{.host = endpoint->host, .port = std::stoi(endpoint->port)};
}

}  // namespace talky
