// Distinct id types for tenants, campaigns, leads, jobs and calls, so that passing a lead id where
// a job id is expected does not compile. Ids are opaque strings (UUIDs for the ones we create).
#pragma once

#include <compare>
#include <functional>
#include <string>

namespace talky {

template <typename Tag>
struct Id {
  std::string value;

  bool empty() const { return value.empty(); }
  auto operator<=>(const Id&) const = default;
};

using TenantId = Id<struct TenantTag>;
using CampaignId = Id<struct CampaignTag>;
using LeadId = Id<struct LeadTag>;
using JobId = Id<struct JobTag>;
using CallId = Id<struct CallTag>;

}  // namespace talky

template <typename Tag>
struct std::hash<talky::Id<Tag>> {
  size_t operator()(const talky::Id<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.value);
  }
};
