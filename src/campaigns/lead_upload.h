// A leads upload (CSV or JSON, src/campaigns/lead_csv.h and lead_json.h) as read, before the
// store: every data row's lead and every problem the reader found, so that one answer can name
// every bad field of every row. The reader cannot know a number's validity (that needs the
// tenant's region) and the store never sees an upload the reader refused, so CheckLeadUpload adds
// what the store would find; LeadUploadError turns the problems into an error of bounded size.
// Pure functions: safe from any thread.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "domain/lead.h"

namespace talky {

struct LeadUpload {
  // One per data row, in order (row i is "leads[i]"); a bad field keeps its default, a row that
  // could not be read at all (a problem named "leads[i]") is a default lead.
  std::vector<Lead> leads;
  std::vector<int> lines;          // CSV: the line (1-based) each row starts on; JSON: empty
  std::vector<FieldError> errors;  // the reader's, each "leads[i].<field>" or "leads[i]"
};

// How many problems an upload's error lists; the message gives the total.
inline constexpr std::size_t kMaxListedLeadErrors = 100;

// The problems the store would find in the upload's rows beyond those the reader named: each
// row's lead checked by ValidateLead in `default_region` (a field the reader named is not named
// again; an unreadable row is skipped), and a number given twice. CSV problems carry their line.
std::vector<FieldError> CheckLeadUpload(const LeadUpload& upload, std::string_view default_region);

// InvalidArgument for an upload of `leads` rows with these problems: the first `max_listed` in
// row order, and a message with the total ("N problem(s) in M leads; nothing was imported").
Error LeadUploadError(std::vector<FieldError> errors, std::size_t leads,
                      std::size_t max_listed = kMaxListedLeadErrors);

}  // namespace talky
