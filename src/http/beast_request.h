// A request as Beast read it, converted to what handlers see (http_message.h): method, target,
// headers with lower-case names (a repeated header's values joined by commas, RFC 9110 5.3) and
// the body. The path and query are left for the caller to parse from the target.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/http_message.h"

namespace talky {

HttpRequest ToHttpRequest(boost::beast::http::request<boost::beast::http::string_body>&& message);

}  // namespace talky
