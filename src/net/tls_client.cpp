#include "net/tls_client.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <stdexcept>

namespace talky {

boost::asio::ssl::context MakeVerifyingTlsContext(const std::string& extra_ca_pem) {
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
  boost::system::error_code ec;
  context.set_default_verify_paths(ec);
  if (ec) throw std::runtime_error("cannot load the system's CA certificates: " + ec.message());
  if (!extra_ca_pem.empty()) {
    context.add_certificate_authority(boost::asio::buffer(extra_ca_pem), ec);
    if (ec) throw std::runtime_error("extra_ca_pem is not a PEM certificate: " + ec.message());
  }
  context.set_verify_mode(boost::asio::ssl::verify_peer);
  return context;
}

Expected<void> PrepareTlsClient(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream,
                                const std::string& host) {
  boost::system::error_code not_an_address;
  boost::asio::ip::make_address(host, not_an_address);
  // SNI carries names only; certificate checking covers names and IP addresses alike.
  if (not_an_address && !SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
    return std::unexpected(Error::Internal("OpenSSL refused the server name " + host));
  }
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return {};
}

}  // namespace talky
