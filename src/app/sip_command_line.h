// The `sip` provider's flags, shared by `talky worker` and `talky run`: the trunk, transport,
// credentials, caller id, addresses, RTP ports and timeouts, each also from the environment
// (TALKY_SIP_TRUNK, TALKY_SIP_PASSWORD, ...) so that secrets stay out of the process list. What
// is missing or wrong is reported naming each flag, for exit code 2.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "app/worker_pool.h"
#include "domain/error.h"
#include "telephony/media_socket_client.h"
#include "telephony/sip/sip_telephony.h"
#include "telephony/telephony_provider.h"

namespace talky {

struct SipCommandLine {
  std::string trunk;
  std::string transport = "udp";
  std::string tls_ca_file;
  std::string username;
  std::string password;
  std::string caller_id;
  std::string local_address = "127.0.0.1";
  int local_port = 0;
  std::string media_address;
  std::string rtp_ports;  // "MIN-MAX"; empty: any
  std::string codecs = "PCMU,PCMA";
  int ring_timeout_ms = 30'000;
  int rtp_timeout_ms = 30'000;
};

// Adds the --sip-* flags to `command`, filling `options`.
void AddSipOptions(CLI::App& command, SipCommandLine& options);

// The provider's options for worker loop `index` (with --sip-local-port P, loop i binds P + i),
// its media socket at `media` (required). kInvalidArgument listing every problem by flag.
Expected<SipTelephonyOptions> SipTelephonyOptionsOf(const SipCommandLine& options,
                                                    const std::optional<MediaSocketAddress>& media,
                                                    int index = 0);

// A SipTelephony per worker loop, from options SipTelephonyOptionsOf accepted; a provider that
// cannot start (its port is taken) throws ProviderStartError out of the pool's constructor.
WorkerPool::MakeProvider MakeSipProviders(const SipCommandLine& options, MediaSocketAddress media,
                                          const Clock& clock);

// "  --sip-trunk (or TALKY_SIP_TRUNK): is required\n" for each field of `error`.
std::string DescribeSipOptionErrors(const Error& error);

// The media socket of a talky serve, from --media-websocket-uri: ws://ADDRESS:PORT/media (an IP
// address, no TLS: the calls' audio goes there from this process).
Expected<MediaSocketAddress> ParseMediaSocketUri(const std::string& uri);

}  // namespace talky
