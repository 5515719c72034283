// TLS for our clients of cloud providers: certificates verified against the system's store (and a
// PEM of extra authorities: a test's CA, a private one), the server's name sent (SNI) and checked
// against its certificate. Included only by the net layer's sources (it brings in Asio's TLS).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <string>

#include "domain/error.h"

namespace talky {

// Throws std::runtime_error when the system's store cannot be loaded or extra_ca_pem is not PEM:
// a start-up mistake.
boost::asio::ssl::context MakeVerifyingTlsContext(const std::string& extra_ca_pem);

// Before the handshake: the name to send and to verify (a host name or an IP address).
Expected<void> PrepareTlsClient(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream,
                                const std::string& host);

}  // namespace talky
