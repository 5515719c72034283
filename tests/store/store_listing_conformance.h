// Conformance for the listings the REST API pages through: jobs narrowed to one status and the
// Do-Not-Call list. A second typed suite on StoreConformance's fixture, instantiated next to it by
// sqlite_store_test.cpp and postgres_store_test.cpp. Include after store_conformance.h.
#pragma once

#include "store_conformance.h"

namespace talky {
namespace {

template <typename Backend>
class StoreListingConformance : public StoreConformance<Backend> {};

TYPED_TEST_SUITE_P(StoreListingConformance);

TYPED_TEST_P(StoreListingConformance, JobsAreFilteredByStatusAndPaged) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(5);
  ASSERT_EQ(jobs.size(), 5u);
  const TenantId t1{"t1"};
  DialerJob taken = jobs[1];
  taken.status = JobStatus::kProcessing;
  taken.processed_at = this->clock_.Now();
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kPending, taken));

  Expected<Page<DialerJob>> processing =
      this->store_->ListJobs(t1, CampaignId{"c1"}, JobStatus::kProcessing, {});
  ASSERT_TRUE(processing) << processing.error().Describe();
  ASSERT_EQ(processing->items.size(), 1u);
  EXPECT_EQ(processing->items[0].job_id, taken.job_id);
  EXPECT_FALSE(processing->next);

  // Four pending jobs, two to a page, no job twice and none left out.
  std::set<std::string> seen;
  PageRequest request{.limit = 2};
  int pages = 0;
  while (true) {
    Expected<Page<DialerJob>> page =
        this->store_->ListJobs(t1, std::nullopt, JobStatus::kPending, request);
    ASSERT_TRUE(page) << page.error().Describe();
    ++pages;
    for (const DialerJob& job : page->items) {
      EXPECT_EQ(job.status, JobStatus::kPending);
      EXPECT_TRUE(seen.insert(job.job_id.value).second);
    }
    if (!page->next) break;
    request.after = *page->next;
  }
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(pages, 2);
  EXPECT_FALSE(seen.contains(taken.job_id.value));

  EXPECT_TRUE(
      this->store_->ListJobs(t1, CampaignId{"c1"}, JobStatus::kCompleted, {})->items.empty());
  // Another tenant sees none of them, whatever the filter.
  EXPECT_TRUE(
      this->store_->ListJobs(TenantId{"t2"}, std::nullopt, JobStatus::kPending, {})->items.empty());
  // Without a status the listing is the same as before.
  EXPECT_EQ(this->store_->ListJobs(t1, std::nullopt, std::nullopt, {})->items.size(), 5u);
}

TYPED_TEST_P(StoreListingConformance, DoNotCallListPagesInNumberOrderPerTenant) {
  this->CreateTwoTenants();
  const TenantId t1{"t1"};
  const Instant first = this->clock_.Now();
  ASSERT_TRUE(this->store_->AddDoNotCall(t1, TestNumber(3), first));
  this->clock_.Advance(seconds(5));
  ASSERT_TRUE(this->store_->AddDoNotCall(t1, "(212) 555-1001", this->clock_.Now()));
  ASSERT_TRUE(this->store_->AddDoNotCall(t1, TestNumber(2), this->clock_.Now()));
  ASSERT_TRUE(this->store_->AddDoNotCall(TenantId{"t2"}, TestNumber(9), this->clock_.Now()));

  Expected<Page<DoNotCallEntry>> page = this->store_->ListDoNotCall(t1, "", {.limit = 2});
  ASSERT_TRUE(page) << page.error().Describe();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].phone_number, TestNumber(1));  // stored in E.164
  EXPECT_EQ(page->items[1].phone_number, TestNumber(2));
  EXPECT_EQ(page->items[0].added_at, this->clock_.Now());
  ASSERT_TRUE(page->next);
  Expected<Page<DoNotCallEntry>> rest =
      this->store_->ListDoNotCall(t1, "", {.limit = 2, .after = *page->next});
  ASSERT_TRUE(rest) << rest.error().Describe();
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0], (DoNotCallEntry{TestNumber(3), first}));
  EXPECT_FALSE(rest->next);

  ASSERT_TRUE(this->store_->RemoveDoNotCall(t1, TestNumber(2)));
  EXPECT_EQ(this->store_->ListDoNotCall(t1, "", {})->items.size(), 2u);
  Expected<Page<DoNotCallEntry>> other = this->store_->ListDoNotCall(TenantId{"t2"}, "", {});
  ASSERT_TRUE(other);
  ASSERT_EQ(other->items.size(), 1u);
  EXPECT_EQ(other->items[0].phone_number, TestNumber(9));

  Expected<Page<DoNotCallEntry>> bad_limit = this->store_->ListDoNotCall(t1, "", {.limit = 0});
  ASSERT_FALSE(bad_limit);
  EXPECT_TRUE(HasField(bad_limit.error(), "limit"));
  Expected<Page<DoNotCallEntry>> bad_cursor =
      this->store_->ListDoNotCall(t1, "", {.limit = 10, .after = "x"});
  ASSERT_FALSE(bad_cursor);
  EXPECT_TRUE(HasField(bad_cursor.error(), "after"));

  // A search by digits anywhere in the number, paged the same way.
  Expected<Page<DoNotCallEntry>> found = this->store_->ListDoNotCall(t1, "5551001", {});
  ASSERT_TRUE(found) << found.error().Describe();
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].phone_number, TestNumber(1));
  EXPECT_TRUE(this->store_->ListDoNotCall(t1, "999999", {})->items.empty());
  EXPECT_EQ(this->store_->ListDoNotCall(t1, "212", {})->items.size(), 2u);
  Expected<Page<DoNotCallEntry>> bad_digits = this->store_->ListDoNotCall(t1, "5%", {});
  ASSERT_FALSE(bad_digits);
  EXPECT_TRUE(HasField(bad_digits.error(), "digits"));
}

REGISTER_TYPED_TEST_SUITE_P(StoreListingConformance, JobsAreFilteredByStatusAndPaged,
                            DoNotCallListPagesInNumberOrderPerTenant);

}  // namespace
}  // namespace talky
