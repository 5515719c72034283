// Base64 (RFC 4648) as our peers use it: the standard alphabet with padding (Cartesia's audio
// chunks, stored recordings) and the URL alphabet without (JWTs). OpenSSL does the work.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace talky {

std::string Base64Encode(std::string_view bytes);
// nullopt for text that is not padded standard base64.
std::optional<std::string> Base64Decode(std::string_view text);

std::string Base64UrlEncode(std::string_view bytes);
// nullopt for text that is not unpadded base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace talky
