#include "http/http_message.h"

namespace talky {

std::string_view HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string_view{} : std::string_view{it->second};
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  return HttpResponse{.status = status, .body = body.dump()};
}

HttpResponse ErrorResponse(const Error& error, int status) {
  nlohmann::json fields = nlohmann::json::array();
  for (const FieldError& field : error.fields) {
    fields.push_back({{"field", field.field}, {"message", field.message}});
  }
  nlohmann::json body = {
      {"error", {{"code", ToString(error.code)}, {"message", error.message}, {"fields", fields}}}};
  return JsonResponse(status != 0 ? status : HttpStatusFor(error.code), body);
}

}  // namespace talky
