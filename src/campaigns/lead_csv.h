// Leads uploaded as CSV (RFC 4180) with a header row: quoted fields, "" inside quotes, CRLF or LF
// line ends, an optional UTF-8 byte order mark. Known columns fill the Lead's fields:
// phone_number (required), first_name, last_name, email, priority (1-10, default 5),
// is_high_value (true/false, yes/no, 1/0), tags (separated by ';' or '|'), time_zone, and the
// lead's consent: consent_kind (none, oral, written), consent_given_at (ISO-8601), consent_source;
// every other column goes to custom_fields as a string. An empty cell is no value; blank lines are
// skipped. Numbers are not normalised here: the store does that with the tenant's region.
//
// Errors are InvalidArgument. A bad data row is named "leads[i].<column>" (i counts data rows
// from 0, as Store::ImportLeads names them) with its line number in the message, and every bad row
// is listed; a broken file (empty, no phone_number column, an unterminated quote) names the line.
// Pure functions: safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/lead_upload.h"
#include "domain/error.h"
#include "domain/lead.h"

namespace talky {

// Parsed leads with the line (1-based) on which each data row starts, to point the store's
// per-row errors back at the file.
struct CsvLeads {
  std::vector<Lead> leads;
  std::vector<int> lines;
};

// Every data row, with the problems of the bad ones (LeadUpload); an error only for a broken
// file.
Expected<LeadUpload> ReadLeadsCsv(std::string_view text);
// The leads, or every problem of the rows in one error.
Expected<CsvLeads> ParseLeadsCsvWithLines(std::string_view text);
Expected<std::vector<Lead>> ParseLeadsCsv(std::string_view text);

// The leads' upload fields as CSV that ParseLeadsCsv reads back to the same leads: the known
// columns, then every custom field key in sorted order; every field quoted; LF line ends.
// Custom field values that are not strings are written as their JSON text.
std::string FormatLeadsCsv(std::span<const Lead> leads);

}  // namespace talky
