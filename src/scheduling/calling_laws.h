// The legal floor under every tenant's rules: hours in the called party's local time and caps on
// calls per 24 hours, by jurisdiction (data/state_calling_laws.cpp, with citations). Applied
// even when a tenant's own rules are wider. Parsed once; any thread may call.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "scheduling/lead_location.h"
#include "scheduling/local_time_sets.h"

namespace talky {

struct CallingLaw {
  std::string jurisdiction;   // "US" (federal) or a state, "FL"
  DailyWindow hours;          // allowed local hours, every day
  int max_calls_per_24h = 0;  // to one number for one campaign; 0 = no cap
  std::string citation;       // of the hours: the state's law and the federal floor
  std::string cap_citation;   // of the cap: the state's law
};

// The rules binding a call to `lead`: the stricter of the federal floor and the state's law for
// US numbers; nothing (nullopt) outside the US and its territories.
std::optional<CallingLaw> ApplicableCallingLaw(const LeadLocation& lead);

// The row for one jurisdiction, if the table has it.
std::optional<CallingLaw> FindCallingLaw(std::string_view jurisdiction);

}  // namespace talky
