#include "net/http_endpoint.h"

#include <boost/url/parse.hpp>

namespace talky {

std::string HttpEndpoint::Origin() const {
  const char* scheme = websocket ? (tls ? "wss://" : "ws://") : (tls ? "https://" : "http://");
  return scheme + host + ":" + port;
}

std::string HttpEndpoint::HostHeader() const {
  const bool default_port = port == (tls ? "443" : "80");
  const bool ipv6 = host.find(':') != std::string::npos;
  const std::string name = ipv6 ? "[" + host + "]" : host;
  return default_port ? name : name + ":" + port;
}

namespace {

// `plain` and `secure`: the two schemes this kind of connection speaks.
Expected<HttpEndpoint> ParseEndpoint(std::string_view url, boost::urls::scheme plain,
                                     boost::urls::scheme secure) {
  auto invalid = [&](std::string why) {
    return std::unexpected(Error::InvalidArgument(
        "cannot send a request to '" + std::string(url) + "': " + why, {{"url", why}}));
  };
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_uri(url);
  if (!parsed) return invalid("not an absolute URL");
  HttpEndpoint endpoint;
  endpoint.websocket = plain == boost::urls::scheme::ws;
  if (parsed->scheme_id() == secure) {
    endpoint.tls = true;
  } else if (parsed->scheme_id() != plain) {
    return invalid(endpoint.websocket ? "the scheme must be ws or wss"
                                      : "the scheme must be http or https");
  }
  if (parsed->host_type() == boost::urls::host_type::ipv6) {
    endpoint.host = parsed->host_ipv6_address().to_string();
  } else {
    endpoint.host = parsed->host();
  }
  if (endpoint.host.empty()) return invalid("the URL names no host");
  if (parsed->has_userinfo()) return invalid("credentials in the URL are not supported");
  endpoint.port = parsed->has_port() ? std::string(parsed->port()) : endpoint.tls ? "443" : "80";
  endpoint.target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) endpoint.target += "?" + std::string(parsed->encoded_query());
  return endpoint;
}

}  // namespace

Expected<HttpEndpoint> ParseHttpEndpoint(std::string_view url) {
  return ParseEndpoint(url, boost::urls::scheme::http, boost::urls::scheme::https);
}

Expected<HttpEndpoint> ParseWebSocketEndpoint(std::string_view url) {
  return ParseEndpoint(url, boost::urls::scheme::ws, boost::urls::scheme::wss);
}

}  // namespace talky
