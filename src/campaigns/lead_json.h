// Leads uploaded as JSON: an array of lead objects with the fields phone_number (required),
// first_name, last_name, email, priority (1-10, default 5), is_high_value, tags (strings),
// custom_fields (an object), time_zone (IANA name) and consent ({"kind": "none"|"oral"|"written",
// "given_at": ISO-8601, "source": text}). Unknown fields are rejected. Numbers are not normalised
// here: the store does that with the tenant's region.
//
// Errors are InvalidArgument listing every bad field as "leads[i].<field>" (i from 0, as
// Store::ImportLeads names rows); a body that is not an array is "body". Pure functions: safe from
// any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "campaigns/lead_upload.h"
#include "domain/error.h"
#include "domain/lead.h"

namespace talky {

// Every row, with the problems of the bad ones (LeadUpload); an error only for a body that is not
// an array.
Expected<LeadUpload> ReadLeadsJson(const nlohmann::json& json);
// The leads, or every problem of the rows in one error.
Expected<std::vector<Lead>> ParseLeadsJson(const nlohmann::json& json);

// One lead's upload fields, in the form ParseLeadsJson reads back to the same lead.
nlohmann::json LeadUploadJson(const Lead& lead);
// {"kind", "given_at" (or null), "source" (or null)}: as uploaded and as the API shows it.
nlohmann::json ConsentJson(const Consent& consent);

}  // namespace talky
