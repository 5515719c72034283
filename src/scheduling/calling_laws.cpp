#include "scheduling/calling_laws.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "domain/calling_rules.h"
#include "scheduling/data/embedded_tables.h"

namespace talky {
namespace {

// The table is compiled in and checked by tests; a malformed row is a build mistake.
std::map<std::string, CallingLaw, std::less<>> ParseLawTable() {
  std::map<std::string, CallingLaw, std::less<>> laws;
  std::istringstream text(data::kStateCallingLawsCsv);
  for (std::string line; std::getline(text, line);) {
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::istringstream row(line);
    for (std::string field; fields.size() < 4 && std::getline(row, field, ',');) {
      fields.push_back(field);
    }
    std::string citation;
    std::getline(row, citation);
    const auto start = fields.size() == 4 ? ParseTimeOfDay(fields[1]) : std::nullopt;
    const auto end = fields.size() == 4 ? ParseTimeOfDay(fields[2]) : std::nullopt;
    if (!start || !end || *end <= *start || citation.empty()) {
      throw std::logic_error("state_calling_laws.cpp: bad row '" + line + "'");
    }
    laws[fields[0]] = {fields[0], {*start, *end}, std::stoi(fields[3]), citation, citation};
  }
  return laws;
}

const std::map<std::string, CallingLaw, std::less<>>& Laws() {
  static const auto laws = ParseLawTable();
  return laws;
}

}  // namespace

std::optional<CallingLaw> FindCallingLaw(std::string_view jurisdiction) {
  auto it = Laws().find(jurisdiction);
  if (it == Laws().end()) return std::nullopt;
  return it->second;
}

std::optional<CallingLaw> ApplicableCallingLaw(const LeadLocation& lead) {
  if (!lead.us_law_applies) return std::nullopt;
  std::optional<CallingLaw> federal = FindCallingLaw("US");
  if (!federal) throw std::logic_error("state_calling_laws.cpp: the federal row 'US' is missing");
  std::optional<CallingLaw> state = FindCallingLaw(lead.subdivision);
  if (!state || lead.subdivision.empty()) return federal;
  // A state law only narrows the federal floor.
  CallingLaw law = *state;
  law.hours.start = std::max(state->hours.start, federal->hours.start);
  law.hours.end = std::min(state->hours.end, federal->hours.end);
  law.citation = state->citation + "; " + federal->citation;
  return law;
}

}  // namespace talky
