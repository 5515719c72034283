// The dashboard's session cookie as the API reads it (http/api/api_auth.h, PresentedKey): any
// Cookie header. The first input byte picks the method and whether the dashboard's header is
// there; the rest is the header's value. Checks: a key read from the cookie writes back as the
// very cookie value it came from (SessionCookie), and a change without the header is refused.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/api/api_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  talky::HttpRequest request;
  request.method = (data[0] & 1) ? "POST" : "GET";
  if (data[0] & 2) request.headers["x-talky-dashboard"] = "1";
  const std::string cookie(reinterpret_cast<const char*>(data + 1), size - 1);
  request.headers["cookie"] = cookie;
  talky::Expected<std::string> key = talky::PresentedKey(request, "API key");
  if (!key) return 0;
  if (request.method == "POST" && !(data[0] & 2)) std::abort();  // the CSRF guard let it through
  const std::string written = talky::SessionCookie(*key, false);
  const std::string value = written.substr(0, written.find(';'));  // talky_session=<hex>
  if (key->empty() || cookie.find(value) == std::string::npos) std::abort();
  return 0;
}
