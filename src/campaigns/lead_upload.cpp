#include "campaigns/lead_upload.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace talky {
namespace {

constexpr std::size_t kNoRow = std::numeric_limits<std::size_t>::max();

// 12 for "leads[12].phone_number" or "leads[12]"; kNoRow for any other name.
std::size_t RowOf(std::string_view field) {
  constexpr std::string_view kPrefix = "leads[";
  if (!field.starts_with(kPrefix)) return kNoRow;
  std::size_t row = 0;
  const char* begin = field.data() + kPrefix.size();
  auto [end, error] = std::from_chars(begin, field.data() + field.size(), row);
  if (error != std::errc() || end == begin || *end != ']') return kNoRow;
  return row;
}

}  // namespace

std::vector<FieldError> CheckLeadUpload(const LeadUpload& upload, std::string_view default_region) {
  std::unordered_set<std::string_view> named;
  for (const FieldError& error : upload.errors) named.insert(error.field);
  std::vector<FieldError> found;
  std::unordered_map<std::string, std::size_t> first_row_of_number;
  for (std::size_t i = 0; i < upload.leads.size(); ++i) {
    const std::string row = "leads[" + std::to_string(i) + "]";
    if (named.contains(row)) continue;
    const std::string at =
        i < upload.lines.size() ? "line " + std::to_string(upload.lines[i]) + ": " : std::string();
    Expected<std::string> number = ValidateLead(upload.leads[i], default_region);
    if (!number) {
      for (const FieldError& error : number.error().fields) {
        std::string field = row + "." + error.field;
        if (!named.contains(field)) found.push_back({std::move(field), at + error.message});
      }
      continue;
    }
    auto [first, added] = first_row_of_number.emplace(*number, i);
    if (!added) {
      found.push_back({row + ".phone_number", at + *number + " is also the number of leads[" +
                                                  std::to_string(first->second) + "]"});
    }
  }
  return found;
}

Error LeadUploadError(std::vector<FieldError> errors, std::size_t leads, std::size_t max_listed) {
  const std::size_t total = errors.size();
  std::stable_sort(errors.begin(), errors.end(), [](const FieldError& a, const FieldError& b) {
    return RowOf(a.field) < RowOf(b.field);
  });
  std::string message = std::to_string(total) + " problem(s) in " + std::to_string(leads) +
                        " leads; nothing was imported";
  if (total > max_listed) {
    message += " (the first " + std::to_string(max_listed) + " are listed)";
    errors.resize(max_listed);
  }
  return Error::InvalidArgument(std::move(message), std::move(errors));
}

}  // namespace talky
