#include "campaigns/lead_json.h"

#include <string>

#include "domain/dialer_job.h"
#include "domain/json_fields.h"

namespace talky {
namespace {

// The lead with its bad fields left at their defaults; the problems go to `errors`.
Lead ParseLead(const nlohmann::json& object, const std::string& name,
               std::vector<FieldError>& errors) {
  JsonFields fields(object, name);
  Lead lead;
  if (std::optional<std::string> number = fields.RequiredNonEmptyString("phone_number")) {
    lead.phone_number = std::move(*number);
  }
  lead.first_name = fields.OptionalString("first_name");
  lead.last_name = fields.OptionalString("last_name");
  lead.email = fields.OptionalString("email");
  lead.time_zone = fields.OptionalString("time_zone");
  if (std::optional<long long> priority = fields.OptionalInt("priority")) {
    if (*priority < kMinPriority || *priority > kMaxPriority) {
      fields.AddError("priority", "must be 1 to 10");
    } else {
      lead.priority = static_cast<int>(*priority);
    }
  }
  lead.is_high_value = fields.OptionalBool("is_high_value").value_or(false);
  if (const nlohmann::json* tags = fields.OptionalValue("tags")) {
    if (!tags->is_array()) {
      fields.AddError("tags", "must be an array of strings");
    } else {
      for (size_t i = 0; i < tags->size(); ++i) {
        const nlohmann::json& tag = (*tags)[i];
        if (tag.is_string()) {
          lead.tags.push_back(tag.get<std::string>());
        } else {
          fields.AddError("tags[" + std::to_string(i) + "]", "must be a string");
        }
      }
    }
  }
  if (const nlohmann::json* consent = fields.OptionalValue("consent")) {
    JsonFields given(*consent, fields.FieldName("consent"));
    if (std::optional<std::string> kind = given.RequiredString("kind")) {
      if (std::optional<ConsentKind> parsed = ParseConsentKind(*kind)) {
        lead.consent.kind = *parsed;
      } else {
        given.AddError("kind", "must be none, oral or written");
      }
    }
    lead.consent.given_at = given.OptionalInstant("given_at");
    lead.consent.source = given.OptionalString("source");
    given.RejectUnknownKeys();
    errors.insert(errors.end(), given.errors().begin(), given.errors().end());
  }
  if (const nlohmann::json* custom = fields.OptionalValue("custom_fields")) {
    if (custom->is_object()) {
      lead.custom_fields = *custom;
    } else {
      fields.AddError("custom_fields", "must be a JSON object");
    }
  }
  fields.RejectUnknownKeys();
  errors.insert(errors.end(), fields.errors().begin(), fields.errors().end());
  return lead;
}

}  // namespace

nlohmann::json ConsentJson(const Consent& consent) {
  return {{"kind", ToString(consent.kind)},
          {"given_at", consent.given_at ? nlohmann::json(FormatIso8601(*consent.given_at))
                                        : nlohmann::json(nullptr)},
          {"source", consent.source ? nlohmann::json(*consent.source) : nlohmann::json(nullptr)}};
}

Expected<LeadUpload> ReadLeadsJson(const nlohmann::json& json) {
  if (!json.is_array()) {
    return std::unexpected(
        Error::InvalidArgument("invalid leads", {{"body", "must be a JSON array of leads"}}));
  }
  LeadUpload upload;
  upload.leads.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    upload.leads.push_back(ParseLead(json[i], "leads[" + std::to_string(i) + "]", upload.errors));
  }
  return upload;
}

Expected<std::vector<Lead>> ParseLeadsJson(const nlohmann::json& json) {
  Expected<LeadUpload> upload = ReadLeadsJson(json);
  if (!upload) return std::unexpected(upload.error());
  return ValueOrFieldErrors(std::move(upload->leads), std::move(upload->errors), "leads");
}

nlohmann::json LeadUploadJson(const Lead& lead) {
  nlohmann::json json = {{"phone_number", lead.phone_number},
                         {"priority", lead.priority},
                         {"is_high_value", lead.is_high_value},
                         {"tags", lead.tags},
                         {"custom_fields", lead.custom_fields}};
  if (lead.first_name) json["first_name"] = *lead.first_name;
  if (lead.last_name) json["last_name"] = *lead.last_name;
  if (lead.email) json["email"] = *lead.email;
  if (lead.time_zone) json["time_zone"] = *lead.time_zone;
  json["consent"] = ConsentJson(lead.consent);
  return json;
}

}  // namespace talky
