#include "scheduling/call_permission.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "scheduling/calling_laws.h"
#include "scheduling/lead_location.h"
#include "scheduling/local_time_sets.h"

namespace talky {
namespace {

const std::set<int> kEveryDay{0, 1, 2, 3, 4, 5, 6};

// One rule over the horizon: where it allows a call, and why not at `now` when it does not.
struct Constraint {
  std::string_view reason;
  IntervalSet allowed;
  std::string message;
};

std::string JoinZones(const std::vector<std::string>& zones) {
  return fmt::format("{}", fmt::join(zones, ", "));
}

std::string WindowText(DailyWindow window) {
  return FormatTimeOfDay(window.start) + "-" + FormatTimeOfDay(window.end);
}

IntervalSet IntersectAll(const std::vector<IntervalSet>& sets, Instant from, Instant to) {
  IntervalSet result({{from, to}});
  for (const IntervalSet& set : sets) result = result.Intersect(set);
  return result;
}

CallDecision Never(std::string_view reason, std::string message) {
  CallDecision decision;
  decision.verdict = CallVerdict::kNever;
  decision.reason = reason;
  decision.reasons = {std::string(reason)};
  decision.message = std::move(message);
  return decision;
}

struct Inputs {
  const date::time_zone* tenant_zone;
  std::vector<std::pair<std::string, const date::time_zone*>> lead_zones;
  const TenantCallingPolicy& policy;
  std::optional<CallingLaw> law;
  std::optional<Instant> last_called;
  std::vector<Instant> recent_calls;  // newest first
};

// Every rule, in the order reasons are reported, over [now, now + horizon).
std::vector<Constraint> BuildConstraints(const Inputs& in, Instant now,
                                         std::chrono::hours horizon) {
  const Instant to = now + horizon;
  const CallingRules& rules = in.policy.rules;
  const DailyWindow window{rules.time_window_start, rules.time_window_end};
  // The tenant's zone and the lead's, each once.
  std::vector<std::pair<std::string, const date::time_zone*>> all_zones{
      {rules.timezone, in.tenant_zone}};
  for (const auto& zone : in.lead_zones) {
    if (zone.second != in.tenant_zone) all_zones.push_back(zone);
  }

  std::vector<Constraint> constraints;
  auto per_zone = [&](std::string_view reason,
                      const std::vector<std::pair<std::string, const date::time_zone*>>& zones,
                      const std::function<IntervalSet(const date::time_zone&)>& make,
                      const std::string& what) {
    std::vector<IntervalSet> sets;
    std::vector<std::string> failing;
    for (const auto& [name, zone] : zones) {
      sets.push_back(make(*zone));
      if (!sets.back().Contains(now)) failing.push_back(name);
    }
    constraints.push_back({reason, IntersectAll(sets, now, to),
                           what + " (not satisfied now in " + JoinZones(failing) + ")"});
  };

  if (!in.policy.holidays.empty()) {
    per_zone(
        kReasonHoliday, all_zones,
        [&](const date::time_zone& zone) {
          return NonHolidayInstants(zone, in.policy.holidays, now, to);
        },
        "no calls on the tenant's holidays, in the tenant's zone or the lead's");
  }

  // The tenant's window with its days; whether "not now" is about the day or the hour is told
  // by the same window on every day.
  std::vector<IntervalSet> window_sets, hour_sets;
  std::vector<std::string> failing_zones;
  for (const auto& [name, zone] : all_zones) {
    window_sets.push_back(DailyWindowInstants(*zone, window, rules.allowed_days, now, to));
    hour_sets.push_back(DailyWindowInstants(*zone, window, kEveryDay, now, to));
    if (!window_sets.back().Contains(now)) failing_zones.push_back(name);
  }
  const IntervalSet hours = IntersectAll(hour_sets, now, to);
  const bool day_is_the_reason = hours.Contains(now);
  std::string days_text = fmt::format("{}", fmt::join(rules.allowed_days, ","));
  constraints.push_back(
      {day_is_the_reason ? kReasonNotAllowedDay : kReasonOutsideCallingWindow,
       IntersectAll(window_sets, now, to),
       fmt::format("the tenant's window {} on days [{}] (0 = Monday) must hold in the tenant's "
                   "zone and the lead's (not satisfied now in {})",
                   WindowText(window), days_text, JoinZones(failing_zones))});

  if (in.law) {
    per_zone(
        kReasonOutsideLegalHours, in.lead_zones,
        [&](const date::time_zone& zone) {
          return DailyWindowInstants(zone, in.law->hours, kEveryDay, now, to);
        },
        fmt::format("legal calling hours {} in the called party's local time ({})",
                    WindowText(in.law->hours), in.law->citation));
  }

  if (in.last_called) {
    const Instant ready = *in.last_called + std::chrono::hours(rules.min_hours_between_calls);
    constraints.push_back(
        {kReasonCooldown, IntervalSet::From(ready),
         fmt::format("at least {} h between calls to a lead; last called {}",
                     rules.min_hours_between_calls, FormatIso8601(*in.last_called))});
  }

  if (in.law && in.law->max_calls_per_24h > 0) {
    const auto cap = static_cast<size_t>(in.law->max_calls_per_24h);
    std::vector<Instant> within;
    for (Instant call : in.recent_calls) {
      if (call > now - std::chrono::hours(24)) within.push_back(call);
    }
    // With `cap` calls in the last 24 h, a call is allowed again once the cap-th newest is 24 h
    // old; until then the count stays at the cap.
    const Instant ready = within.size() >= cap ? within[cap - 1] + std::chrono::hours(24) : now;
    constraints.push_back(
        {kReasonStateDailyCap, IntervalSet::From(ready),
         fmt::format("at most {} calls in 24 hours to one number for one campaign ({}); {} in "
                     "the last 24 hours",
                     cap, in.law->cap_citation, within.size())});
  }
  return constraints;
}

}  // namespace

std::string_view ToString(CallVerdict verdict) {
  switch (verdict) {
    case CallVerdict::kAllowed:
      return "allowed";
    case CallVerdict::kNotNow:
      return "not_now";
    case CallVerdict::kNever:
      return "never";
  }
  return "unknown";
}

Expected<CallDecision> CanCall(const DialerJob& job, const Lead& lead,
                               const TenantCallingPolicy& policy, const CallHistory& history,
                               Instant now) {
  const CallingRules& rules = policy.rules;
  std::vector<FieldError> errors = ValidateCallingRules(rules);
  if (!IsKnownRegion(policy.default_region)) {
    errors.push_back({"default_region",
                      "'" + policy.default_region + "' is not a region code such as US or GB"});
  }
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid calling policy", std::move(errors)));
  }
  const date::time_zone* tenant_zone = date::locate_zone(rules.timezone);

  const std::string& phone = job.phone_number.empty() ? lead.phone_number : job.phone_number;
  if (history.on_dnc_list) {
    CallDecision decision =
        Never(kReasonDoNotCall, "the number is on the tenant's Do-Not-Call list");
    decision.phone_number = phone;
    return decision;
  }
  if (job.attempt_number > rules.max_retry_attempts) {
    return Never(kReasonMaxAttemptsReached,
                 fmt::format("attempt {} exceeds max_retry_attempts {}", job.attempt_number,
                             rules.max_retry_attempts));
  }

  Expected<LeadLocation> location = LocateLead(phone, policy.default_region, lead.time_zone);
  if (!location) {
    const bool about_zone =
        std::any_of(location.error().fields.begin(), location.error().fields.end(),
                    [](const FieldError& f) { return f.field == "time_zone"; });
    CallDecision decision = Never(about_zone ? kReasonInvalidTimeZone : kReasonInvalidPhoneNumber,
                                  location.error().message);
    decision.phone_number = phone;
    return decision;
  }

  if (policy.marketing && location->us_law_applies && lead.consent.kind != ConsentKind::kWritten) {
    CallDecision decision =
        Never(kReasonNoConsent,
              fmt::format("a telemarketing call in an artificial voice to a US number needs the "
                          "callee's prior express written consent (TCPA; FCC ruling of February "
                          "2024); this lead's consent: {}",
                          ToString(lead.consent.kind)));
    decision.phone_number = location->number.e164;
    decision.subdivision = location->subdivision;
    return decision;
  }

  Inputs inputs{
      tenant_zone,         {}, policy, ApplicableCallingLaw(*location), lead.last_called_at,
      history.recent_calls};
  for (const std::string& name : location->zones) {
    inputs.lead_zones.emplace_back(name, date::locate_zone(name));
  }
  for (Instant call : history.recent_calls) {
    if (!inputs.last_called || *inputs.last_called < call) inputs.last_called = call;
  }
  std::sort(inputs.recent_calls.begin(), inputs.recent_calls.end(), std::greater<>());

  CallDecision decision;
  decision.zones = location->zones;
  decision.zone_source = ToString(location->zone_source);
  decision.subdivision = location->subdivision;
  decision.phone_number = location->number.e164;

  std::vector<Constraint> constraints;
  std::optional<Instant> next;
  for (std::chrono::hours horizon : {kShortHorizon, kLongHorizon}) {
    constraints = BuildConstraints(inputs, now, horizon);
    IntervalSet allowed({{now, now + horizon}});
    for (const Constraint& c : constraints) allowed = allowed.Intersect(c.allowed);
    next = allowed.FirstAtOrAfter(now);
    if (next) break;
  }

  std::vector<std::string> messages;
  for (const Constraint& c : constraints) {
    if (c.allowed.Contains(now)) continue;
    decision.reasons.emplace_back(c.reason);
    messages.push_back(std::string(c.reason) + ": " + c.message);
  }
  decision.message = fmt::format("{}", fmt::join(messages, "; "));

  if (next && *next == now) {
    decision.verdict = CallVerdict::kAllowed;
    decision.reason = kReasonAllowed;
    decision.reasons.clear();
    decision.message = "every rule allows the call now";
    return decision;
  }
  if (!next) {
    decision.verdict = CallVerdict::kNever;
    decision.reason = kReasonNoAllowedTime;
    decision.message = "no instant within 400 days satisfies every rule; " + decision.message;
    return decision;
  }
  decision.verdict = CallVerdict::kNotNow;
  decision.reason = decision.reasons.front();
  decision.next_allowed_at = *next;
  return decision;
}

}  // namespace talky
