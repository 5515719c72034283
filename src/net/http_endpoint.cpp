#include "net/http_endpoint.h"

#include <boost/url/parse.hpp>

namespace talky {

std::string HttpEndpoint::Origin() const {
  return (tls ? "https://" : "http://") + host + ":" + port;
}

std::string HttpEndpoint::HostHeader() const {
  const bool default_port = port == (tls ? "443" : "80");
  const bool ipv6 = host.find(':') != std::string::npos;
  const std::string name = ipv6 ? "[" + host + "]" : host;
  return default_port ? name : name + ":" + port;
}

Expected<HttpEndpoint> ParseHttpEndpoint(std::string_view url) {
  auto invalid = [&](std::string why) {
    return std::unexpected(Error::InvalidArgument(
        "cannot send a request to '" + std::string(url) + "': " + why, {{"url", why}}));
  };
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_uri(url);
  if (!parsed) return invalid("not an absolute URL");
  HttpEndpoint endpoint;
  if (parsed->scheme_id() == boost::urls::scheme::https) {
    endpoint.tls = true;
  } else if (parsed->scheme_id() != boost::urls::scheme::http) {
    return invalid("the scheme must be http or https");
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

}  // namespace talky
