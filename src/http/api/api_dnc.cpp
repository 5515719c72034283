// The tenant's Do-Not-Call list: POST /v1/dnc {"phone_numbers": [...]} adds numbers, DELETE
// /v1/dnc (the same body, or ?phone_number=) removes them, GET /v1/dnc pages through them. Every
// number is checked (with the tenant's default region) before any is written, so one bad number
// changes nothing; so does one that is not on the list (404 naming it).
#include "domain/json_fields.h"
#include "domain/phone_number.h"
#include "http/api/api_request.h"
#include "http/api/api_resources.h"
#include "http/api/api_views.h"

namespace talky {
namespace {

constexpr size_t kMaxNumbersPerRequest = 10'000;

// The numbers of a {"phone_numbers": [...]} body in E.164, or 400 naming every bad one.
Answer<std::vector<std::string>> ReadNumbers(const nlohmann::json& body, const Tenant& tenant) {
  JsonFields fields(body);
  std::vector<std::string> numbers;
  const nlohmann::json* list = fields.OptionalValue("phone_numbers");
  if (body.is_object() && list == nullptr) fields.AddError("phone_numbers", "is required");
  if (list != nullptr) {
    if (!list->is_array() || list->empty() || list->size() > kMaxNumbersPerRequest) {
      fields.AddError(
          "phone_numbers",
          "must be an array of 1 to " + std::to_string(kMaxNumbersPerRequest) + " phone numbers");
    } else {
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string name = "phone_numbers[" + std::to_string(i) + "]";
        const nlohmann::json& item = (*list)[i];
        if (!item.is_string()) {
          fields.AddError(name, "must be a string");
          continue;
        }
        Expected<PhoneNumber> number =
            ParsePhoneNumber(item.get<std::string>(), tenant.default_region);
        if (!number) {
          fields.AddError(name, number.error().message);
          continue;
        }
        numbers.push_back(number->e164);
      }
    }
  }
  fields.RejectUnknownKeys();
  if (!fields.errors().empty()) {
    return std::unexpected(ErrorResponse(
        Error::InvalidArgument("invalid Do-Not-Call numbers", std::move(fields.errors()))));
  }
  return numbers;
}

HttpResponse AddNumbers(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Answer<nlohmann::json> body = ReadJsonBody(request);
  if (!body) return body.error();
  Answer<std::vector<std::string>> numbers = ReadNumbers(*body, tenant);
  if (!numbers) return numbers.error();
  const Instant now = context.clock.Now();
  nlohmann::json added = nlohmann::json::array();
  for (const std::string& number : *numbers) {
    Expected<std::string> stored = context.store.AddDoNotCall(tenant.id, number, now);
    if (!stored) return ErrorResponse(stored.error());
    added.push_back(*stored);
  }
  return JsonResponse(200, {{"phone_numbers", std::move(added)}});
}

HttpResponse RemoveNumbers(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {"phone_number"}); !query) return query.error();
  std::vector<std::string> numbers;
  const bool by_query = request.query.contains("phone_number");
  if (auto it = request.query.find("phone_number"); it != request.query.end()) {
    if (Answer<void> empty = ExpectNoBody(request); !empty) return empty.error();
    Expected<PhoneNumber> number = ParsePhoneNumber(it->second, tenant.default_region);
    if (!number) {
      return ErrorResponse(Error::InvalidArgument("invalid Do-Not-Call number",
                                                  {{"phone_number", number.error().message}}));
    }
    numbers.push_back(number->e164);
  } else {
    Answer<nlohmann::json> body = ReadJsonBody(request);
    if (!body) return body.error();
    Answer<std::vector<std::string>> read = ReadNumbers(*body, tenant);
    if (!read) return read.error();
    numbers = std::move(*read);
  }
  // All or nothing, as for bad numbers: 404 naming every number that is not on the list.
  std::vector<FieldError> missing;
  for (size_t i = 0; i < numbers.size(); ++i) {
    Expected<bool> listed = context.store.IsDoNotCall(tenant.id, numbers[i]);
    if (!listed) return ErrorResponse(listed.error());
    if (!*listed) {
      missing.push_back({by_query ? "phone_number" : "phone_numbers[" + std::to_string(i) + "]",
                         numbers[i] + " is not on the Do-Not-Call list"});
    }
  }
  if (!missing.empty()) {
    Error error = Error::NotFound(std::to_string(missing.size()) +
                                  " number(s) not on the Do-Not-Call list; nothing was removed");
    error.fields = std::move(missing);
    return ErrorResponse(error);
  }
  for (const std::string& number : numbers) {
    Expected<void> removed = context.store.RemoveDoNotCall(tenant.id, number);
    // NotFound: a concurrent request removed it first, which is what was asked.
    if (!removed && removed.error().code != ErrorCode::kNotFound) {
      return ErrorResponse(removed.error());
    }
  }
  return JsonResponse(200, {{"phone_numbers", numbers}});
}

HttpResponse ListNumbers(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {"limit", "after", "search"}); !query) {
    return query.error();
  }
  Answer<PageRequest> page = ReadPage(request);
  if (!page) return page.error();
  // ?search= finds numbers by the digits in them, however they were written ("(212) 555", "+1212").
  std::string digits;
  if (auto it = request.query.find("search"); it != request.query.end()) {
    for (char c : it->second) {
      if (c >= '0' && c <= '9') digits += c;
    }
    if (digits.empty() && !it->second.empty()) {
      return ErrorResponse(Error::InvalidArgument(
          "invalid search", {{"search", "'" + it->second + "' holds no digit to look for"}}));
    }
  }
  Expected<Page<DoNotCallEntry>> entries = context.store.ListDoNotCall(tenant.id, digits, *page);
  if (!entries) return ErrorResponse(entries.error());
  return JsonResponse(200, PageJson(*entries, DoNotCallJson));
}

}  // namespace

void AddDoNotCallRoutes(Router& router, ApiContext& context) {
  router.Add("POST", "/v1/dnc",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return AddNumbers(context, request, tenant);
             }));
  router.Add("DELETE", "/v1/dnc",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return RemoveNumbers(context, request, tenant);
             }));
  router.Add("GET", "/v1/dnc",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return ListNumbers(context, request, tenant);
             }));
}

}  // namespace talky
