#include "dialer/call_facts.h"

namespace talky {

TenantCallingPolicy CallingPolicyOf(const Tenant& tenant, const Campaign& campaign) {
  TenantCallingPolicy policy{.rules = tenant.rules, .default_region = tenant.default_region};
  for (const std::chrono::year_month_day& day : tenant.holidays) {
    policy.holidays.insert(date::local_days{date::year_month_day{
        date::year{static_cast<int>(day.year())}, date::month{static_cast<unsigned>(day.month())},
        date::day{static_cast<unsigned>(day.day())}}});
  }
  policy.marketing = campaign.marketing;
  return policy;
}

Expected<CallFacts> ReadCallFacts(DialerStores stores, const DialerJob& job, Instant now) {
  Expected<Lead> lead = stores.campaigns.GetLead(job.tenant_id, job.lead_id);
  if (!lead) return std::unexpected(lead.error());
  Expected<bool> on_dnc = stores.do_not_call.IsDoNotCall(job.tenant_id, job.phone_number);
  if (!on_dnc) return std::unexpected(on_dnc.error());
  Expected<NumberCallHistory> calls = stores.calls.CallsToNumberSince(
      job.tenant_id, job.phone_number, now - std::chrono::hours(24), job.campaign_id);
  if (!calls) return std::unexpected(calls.error());
  return CallFacts{.lead = std::move(*lead),
                   .history = {.on_dnc_list = *on_dnc, .recent_calls = calls->call_times}};
}

}  // namespace talky
