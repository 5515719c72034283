#include "http/request_target.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace talky {
namespace {

Error BadTarget(std::string_view target, std::string why) {
  std::string shown(target.substr(0, 200));
  return Error::InvalidArgument("bad request target '" + shown + "': " + why, {{"target", why}});
}

bool ContainsEncoded(std::string_view encoded, std::string_view hex) {
  for (size_t at = encoded.find('%'); at != std::string_view::npos;
       at = encoded.find('%', at + 1)) {
    if (at + 2 >= encoded.size()) break;
    const char high = encoded[at + 1];
    const char low = static_cast<char>(encoded[at + 2] | 0x20);  // hex letters in lower case
    if (high == hex[0] && low == hex[1]) return true;
  }
  return false;
}

}  // namespace

Expected<RequestTarget> ParseRequestTarget(std::string_view target) {
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::unexpected(BadTarget(target, "not a path with an optional query"));
  const std::string_view encoded_path = parsed->encoded_path();
  if (ContainsEncoded(encoded_path, "2f")) {
    return std::unexpected(BadTarget(target, "the path holds an encoded '/' (%2F)"));
  }
  if (ContainsEncoded(encoded_path, "00")) {
    return std::unexpected(BadTarget(target, "the path holds an encoded NUL (%00)"));
  }
  RequestTarget result;
  result.path = parsed->path();
  // push_back, not = "/": g++ 12 -O2 warns falsely about memcpy overlap (GCC bug 105329).
  if (result.path.empty()) result.path.push_back('/');
  if (parsed->has_query()) {
    for (const boost::urls::param& param : parsed->params()) {
      if (param.key.empty() && !param.has_value) continue;  // "a=1&&b=2"
      result.query[param.key] = param.value;
    }
  }
  return result;
}

}  // namespace talky
