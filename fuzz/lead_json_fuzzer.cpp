// Leads JSON upload: never crashes; a rejection is InvalidArgument whose every field names the
// body or a row ("leads[i]..."); whatever is accepted has one lead per array element, each with a
// number and a priority in range, and its upload form reads back to the same leads.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "campaigns/lead_json.h"
#include "domain/dialer_job.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  talky::Expected<std::vector<talky::Lead>> leads = talky::ParseLeadsJson(body);
  if (!leads) {
    if (leads.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    if (leads.error().fields.empty()) std::abort();
    for (const talky::FieldError& error : leads.error().fields) {
      if (error.field != "body" && !error.field.starts_with("leads[")) std::abort();
    }
    return 0;
  }
  if (!body.is_array() || leads->size() != body.size()) std::abort();
  nlohmann::json upload = nlohmann::json::array();
  for (const talky::Lead& lead : *leads) {
    if (lead.phone_number.empty()) std::abort();
    if (lead.priority < talky::kMinPriority || lead.priority > talky::kMaxPriority) std::abort();
    upload.push_back(talky::LeadUploadJson(lead));
  }
  talky::Expected<std::vector<talky::Lead>> again =
      talky::ParseLeadsJson(nlohmann::json::parse(upload.dump()));
  if (!again || *again != *leads) std::abort();
  return 0;
}
