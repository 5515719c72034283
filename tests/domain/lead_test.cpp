#include "domain/lead.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

struct PriorityCase {
  int base;
  bool high_value;
  std::vector<std::string> tags;
  int expected;
};

// Document 000 §4.1: +2 for high value, +1 for "urgent" or "appointment", capped at 10.
const PriorityCase kPriorities[] = {
    {5, false, {}, 5},
    {5, true, {}, 7},
    {5, false, {"urgent"}, 6},
    {5, false, {"appointment"}, 6},
    {5, true, {"urgent"}, 8},
    {5, false, {"urgent", "appointment"}, 6},  // one bonus for the tags, not one per tag
    {5, false, {"vip", "Urgent"}, 5},          // tags match exactly
    {9, true, {}, 10},
    {9, true, {"urgent"}, 10},
    {10, false, {"appointment"}, 10},
    {1, false, {}, 1},
    {7, false, {"appointment"}, 8},  // crosses the default priority-lane threshold
};

TEST(Lead, PriorityAsTheSpecComputesIt) {
  for (const PriorityCase& c : kPriorities) {
    EXPECT_EQ(ComputeLeadPriority(c.base, c.high_value, c.tags), c.expected)
        << "base " << c.base << " high_value " << c.high_value;
    Lead lead;
    lead.priority = c.base;
    lead.is_high_value = c.high_value;
    lead.tags = c.tags;
    EXPECT_EQ(ComputeLeadPriority(lead), c.expected);
  }
}

TEST(Lead, DefaultsFollowTheSpec) {
  const Lead lead;
  EXPECT_EQ(lead.status, LeadStatus::kPending);
  EXPECT_EQ(lead.call_attempts, 0);
  EXPECT_EQ(lead.last_call_result, "pending");
  EXPECT_EQ(lead.priority, 5);
  EXPECT_TRUE(lead.custom_fields.is_object());
}

}  // namespace
}  // namespace talky
