// Leads CSV upload: never crashes; a rejection is InvalidArgument naming a line in every message;
// whatever is accepted is well-formed (a number, a priority in range, one line per row, JSON-safe
// text), and both FormatLeadsCsv and the JSON upload form read back to the same leads.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "campaigns/lead_csv.h"
#include "campaigns/lead_json.h"
#include "domain/dialer_job.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  talky::Expected<talky::CsvLeads> parsed = talky::ParseLeadsCsvWithLines(text);
  if (!parsed) {
    if (parsed.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    if (parsed.error().fields.empty()) std::abort();
    for (const talky::FieldError& error : parsed.error().fields) {
      if (!error.message.starts_with("line ")) std::abort();
    }
    return 0;
  }
  const std::vector<talky::Lead>& leads = parsed->leads;
  if (parsed->lines.size() != leads.size()) std::abort();
  for (size_t i = 0; i < leads.size(); ++i) {
    if (parsed->lines[i] < 2 || (i > 0 && parsed->lines[i] <= parsed->lines[i - 1])) std::abort();
    const talky::Lead& lead = leads[i];
    if (lead.phone_number.empty()) std::abort();
    if (lead.priority < talky::kMinPriority || lead.priority > talky::kMaxPriority) std::abort();
  }
  talky::Expected<std::vector<talky::Lead>> again =
      talky::ParseLeadsCsv(talky::FormatLeadsCsv(leads));
  if (!again || *again != leads) std::abort();
  nlohmann::json upload = nlohmann::json::array();
  for (const talky::Lead& lead : leads) upload.push_back(talky::LeadUploadJson(lead));
  // dump() throws on text that is not UTF-8: the parser must never let such text through.
  talky::Expected<std::vector<talky::Lead>> from_json =
      talky::ParseLeadsJson(nlohmann::json::parse(upload.dump()));
  if (!from_json || *from_json != leads) std::abort();
  return 0;
}
