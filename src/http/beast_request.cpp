#include "http/beast_request.h"

#include <cctype>

namespace talky {

HttpRequest ToHttpRequest(boost::beast::http::request<boost::beast::http::string_body>&& message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = request.headers.try_emplace(std::move(name), field.value());
    if (!inserted) {
      it->second += ", ";
      it->second += field.value();
    }
  }
  request.body = std::move(message.body());
  return request;
}

}  // namespace talky
