// The Store conformance suite: one typed GoogleTest suite that every backend passes, so the
// embedded SQLite store and the PostgreSQL store behave the same. A backend type provides:
//   static Expected<std::string> NewDatabase();  a fresh, empty database (a file path or a URL)
//   static Expected<std::unique_ptr<Store>> Open(const std::string& location, Clock&,
//   IdGenerator&);
// sqlite_store_test.cpp and postgres_store_test.cpp instantiate it (in a unit-labelled and a
// postgres-labelled binary). Included by exactly one source file per test binary.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "domain/clock.h"
#include "store/id_generator.h"
#include "store/store.h"

namespace talky {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Instant At(std::string_view iso) { return *ParseIso8601(iso); }

// Valid US numbers: New York 212, exchanges 555-0100 and up.
std::string TestNumber(int i) { return "+1212555" + std::to_string(1000 + i); }

// Many distinct valid US numbers: New York, exchanges from 200 on.
std::string ManyNumber(int i) {
  char text[32];
  std::snprintf(text, sizeof(text), "+1212%03d%04d", 200 + i / 10'000, i % 10'000);
  return text;
}

bool HasField(const Error& error, std::string_view field) {
  for (const FieldError& f : error.fields) {
    if (f.field == field) return true;
  }
  return false;
}

template <typename Backend>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::string> location = Backend::NewDatabase();
    ASSERT_TRUE(location) << location.error().Describe();
    location_ = *location;
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> OpenStore() {
    Expected<std::unique_ptr<Store>> store = Backend::Open(location_, clock_, ids_);
    EXPECT_TRUE(store) << store.error().Describe();
    return store ? std::move(*store) : nullptr;
  }

  Tenant MakeTenant(const std::string& id) {
    Tenant tenant{.id = TenantId{id}, .name = "Tenant " + id, .api_key_hash = "hash-" + id};
    tenant.holidays = {std::chrono::year_month_day{std::chrono::year(2026), std::chrono::December,
                                                   std::chrono::day(25)}};
    return tenant;
  }

  Campaign MakeCampaign(const std::string& tenant, const std::string& id) {
    return Campaign{.id = CampaignId{id},
                    .tenant_id = TenantId{tenant},
                    .name = "Campaign " + id,
                    .system_prompt = "You are a polite assistant.",
                    .voice_id = "en-us-1",
                    .created_at = clock_.Now(),
                    .goal = "book a demo",
                    .script_config = {{"greeting", "Hello"}}};
  }

  // Tenant "t1" with campaign "c1" (and tenant "t2" with "c2", to prove isolation).
  void CreateTwoTenants() {
    ASSERT_TRUE(store_->CreateTenant(MakeTenant("t1")));
    ASSERT_TRUE(store_->CreateTenant(MakeTenant("t2")));
    ASSERT_TRUE(store_->CreateCampaign(MakeCampaign("t1", "c1")));
    ASSERT_TRUE(store_->CreateCampaign(MakeCampaign("t2", "c2")));
  }

  std::vector<Lead> MakeLeads(int count) {
    std::vector<Lead> leads(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) leads[static_cast<size_t>(i)].phone_number = TestNumber(i);
    return leads;
  }

  // Imports `count` leads into t1/c1 and starts the campaign: one pending job per lead.
  std::vector<DialerJob> StartCampaignWithLeads(int count) {
    CreateTwoTenants();
    EXPECT_TRUE(store_->ImportLeads(TenantId{"t1"}, CampaignId{"c1"}, MakeLeads(count)));
    Expected<std::vector<DialerJob>> jobs =
        store_->CreateCampaignJobs(TenantId{"t1"}, CampaignId{"c1"}, clock_.Now());
    EXPECT_TRUE(jobs) << jobs.error().Describe();
    return jobs ? *jobs : std::vector<DialerJob>{};
  }

  CallRecord MakeCall(const DialerJob& job, const std::string& provider_call_id) {
    return CallRecord{.id = CallId{"call-" + provider_call_id},
                      .tenant_id = job.tenant_id,
                      .job_id = job.job_id,
                      .provider_call_id = provider_call_id,
                      .to_number = job.phone_number,
                      .caller_id = "+12125559999",
                      .created_at = clock_.Now()};
  }

  ManualClock clock_{At("2026-11-21T12:00:00Z")};
  RandomIdGenerator ids_{42};
  std::string location_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE_P(StoreConformance);

TYPED_TEST_P(StoreConformance, TenantRoundTripsAndIsFoundByApiKeyHash) {
  Tenant tenant = this->MakeTenant("t1");
  tenant.rules.retry_delay_seconds = 3600;
  tenant.rules.retry_outcomes.retryable.erase(CallOutcome::kVoicemail);
  tenant.default_region = "GB";
  ASSERT_TRUE(this->store_->CreateTenant(tenant));

  Expected<Tenant> stored = this->store_->GetTenant(TenantId{"t1"});
  ASSERT_TRUE(stored) << stored.error().Describe();
  EXPECT_EQ(*stored, tenant);
  Expected<Tenant> by_key = this->store_->FindTenantByApiKeyHash("hash-t1");
  ASSERT_TRUE(by_key);
  EXPECT_EQ(by_key->id.value, "t1");
  EXPECT_EQ(this->store_->FindTenantByApiKeyHash("nope").error().code, ErrorCode::kNotFound);

  tenant.name = "Renamed";
  tenant.rules.max_concurrent_calls = 3;
  ASSERT_TRUE(this->store_->UpdateTenant(tenant));
  EXPECT_EQ(*this->store_->GetTenant(TenantId{"t1"}), tenant);

  Expected<void> duplicate = this->store_->CreateTenant(this->MakeTenant("t1"));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);
}

TYPED_TEST_P(StoreConformance, TenantsAreListedInIdOrderPageByPage) {
  for (const char* id : {"t3", "t1", "t2"})
    ASSERT_TRUE(this->store_->CreateTenant(this->MakeTenant(id)));
  Expected<Page<Tenant>> first = this->store_->ListTenants({.limit = 2, .after = ""});
  ASSERT_TRUE(first) << first.error().Describe();
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].id.value, "t1");
  EXPECT_EQ(first->items[1].id.value, "t2");
  ASSERT_TRUE(first->next);
  Expected<Page<Tenant>> second = this->store_->ListTenants({.limit = 2, .after = *first->next});
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].id.value, "t3");
  EXPECT_FALSE(second->next);
}

TYPED_TEST_P(StoreConformance, BadTenantIsRefusedNamingEachField) {
  Tenant tenant = this->MakeTenant("t1");
  tenant.name = "";
  tenant.default_region = "usa";
  tenant.rules.max_retry_attempts = 9;
  Expected<void> created = this->store_->CreateTenant(tenant);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(created.error(), "name"));
  EXPECT_TRUE(HasField(created.error(), "default_region"));
  EXPECT_TRUE(HasField(created.error(), "calling_rules.max_retry_attempts"))
      << created.error().Describe();
  EXPECT_EQ(this->store_->GetTenant(TenantId{"t1"}).error().code, ErrorCode::kNotFound);
}

// Two capital letters are not enough: libphonenumber must know the region, or no national number
// of the tenant could ever be read.
TYPED_TEST_P(StoreConformance, UnknownDefaultRegionIsRefusedOnCreateAndUpdate) {
  Tenant tenant = this->MakeTenant("t1");
  tenant.default_region = "ZZ";
  Expected<void> created = this->store_->CreateTenant(tenant);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(created.error(), "default_region")) << created.error().Describe();

  tenant.default_region = "GB";
  ASSERT_TRUE(this->store_->CreateTenant(tenant));
  tenant.default_region = "ZZ";
  Expected<void> updated = this->store_->UpdateTenant(tenant);
  ASSERT_FALSE(updated);
  EXPECT_TRUE(HasField(updated.error(), "default_region")) << updated.error().Describe();
  EXPECT_EQ(this->store_->GetTenant(TenantId{"t1"})->default_region, "GB");
}

TYPED_TEST_P(StoreConformance, CampaignsRoundTripAndPageInCreationOrder) {
  this->CreateTwoTenants();
  Expected<Campaign> c1 = this->store_->GetCampaign(TenantId{"t1"}, CampaignId{"c1"});
  ASSERT_TRUE(c1) << c1.error().Describe();
  EXPECT_EQ(*c1, this->MakeCampaign("t1", "c1"));

  for (int i = 0; i < 4; ++i) {
    this->clock_.Advance(seconds(1));
    ASSERT_TRUE(
        this->store_->CreateCampaign(this->MakeCampaign("t1", "more-" + std::to_string(i))));
  }
  std::vector<std::string> seen;
  PageRequest request{.limit = 2};
  for (int pages = 0; pages < 10; ++pages) {
    Expected<Page<Campaign>> page = this->store_->ListCampaigns(TenantId{"t1"}, request);
    ASSERT_TRUE(page) << page.error().Describe();
    for (const Campaign& c : page->items) seen.push_back(c.id.value);
    if (!page->next) break;
    request.after = *page->next;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"c1", "more-0", "more-1", "more-2", "more-3"}));

  Expected<Page<Campaign>> other = this->store_->ListCampaigns(TenantId{"t2"}, {});
  ASSERT_TRUE(other);
  ASSERT_EQ(other->items.size(), 1u);
  EXPECT_EQ(other->items[0].id.value, "c2");

  Expected<Page<Campaign>> bad = this->store_->ListCampaigns(TenantId{"t1"}, {.after = "junk"});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(HasField(bad.error(), "after"));
}

TYPED_TEST_P(StoreConformance, CampaignOfUnknownTenantIsRefusedNamingTheField) {
  Expected<void> created = this->store_->CreateCampaign(this->MakeCampaign("ghost", "c1"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(created.error(), "tenant_id"));
}

TYPED_TEST_P(StoreConformance, CampaignStatusMovesOnlyAlongAllowedTransitions) {
  this->CreateTwoTenants();
  Instant start = this->clock_.Now() + minutes(5);
  Expected<Campaign> running = this->store_->UpdateCampaignStatus(TenantId{"t1"}, CampaignId{"c1"},
                                                                  CampaignStatus::kRunning, start);
  ASSERT_TRUE(running) << running.error().Describe();
  EXPECT_EQ(running->status, CampaignStatus::kRunning);
  EXPECT_EQ(running->started_at, start);

  Expected<Campaign> back = this->store_->UpdateCampaignStatus(TenantId{"t1"}, CampaignId{"c1"},
                                                               CampaignStatus::kDraft, start);
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, ErrorCode::kConflict);

  Expected<Campaign> done = this->store_->UpdateCampaignStatus(
      TenantId{"t1"}, CampaignId{"c1"}, CampaignStatus::kCompleted, start + hours(1));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->completed_at, start + hours(1));
  EXPECT_EQ(this->store_->GetCampaign(TenantId{"t1"}, CampaignId{"c1"})->status,
            CampaignStatus::kCompleted);
  // Another tenant cannot move it.
  EXPECT_EQ(this->store_
                ->UpdateCampaignStatus(TenantId{"t2"}, CampaignId{"c1"}, CampaignStatus::kCancelled,
                                       start)
                .error()
                .code,
            ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, ImportStoresLeadsInE164AndCountsThem) {
  this->CreateTwoTenants();
  std::vector<Lead> leads(2);
  leads[0].phone_number = "(212) 555-0123";
  leads[0].first_name = "Ada";
  leads[0].custom_fields = {{"plan", "gold"}, {"seats", 12}};
  leads[0].tags = {"urgent", "vip"};
  leads[0].priority = 7;
  leads[0].is_high_value = true;
  leads[0].time_zone = "America/Chicago";
  leads[1].phone_number = "+44 20 7183 8750";
  Expected<ImportResult> imported =
      this->store_->ImportLeads(TenantId{"t1"}, CampaignId{"c1"}, leads);
  ASSERT_TRUE(imported) << imported.error().Describe();
  EXPECT_EQ(imported->imported, 2);

  Expected<Page<Lead>> page = this->store_->ListLeads(TenantId{"t1"}, CampaignId{"c1"}, {});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);
  std::set<std::string> numbers;
  for (const Lead& lead : page->items) {
    numbers.insert(lead.phone_number);
    EXPECT_EQ(lead.tenant_id.value, "t1");
    EXPECT_EQ(lead.campaign_id.value, "c1");
    EXPECT_EQ(lead.created_at, this->clock_.Now());
    EXPECT_FALSE(lead.id.empty());
    if (lead.phone_number == "+12125550123") {
      Lead expected = leads[0];
      expected.id = lead.id;
      expected.tenant_id = lead.tenant_id;
      expected.campaign_id = lead.campaign_id;
      expected.created_at = lead.created_at;
      expected.phone_number = "+12125550123";
      EXPECT_EQ(lead, expected);
      EXPECT_EQ(*this->store_->GetLead(TenantId{"t1"}, lead.id), expected);
    }
  }
  EXPECT_EQ(numbers, (std::set<std::string>{"+12125550123", "+442071838750"}));
  EXPECT_EQ(this->store_->GetCampaign(TenantId{"t1"}, CampaignId{"c1"})->total_leads, 2);
}

TYPED_TEST_P(StoreConformance, LeadsPageInPhoneNumberOrder) {
  this->CreateTwoTenants();
  std::vector<Lead> leads = this->MakeLeads(5);
  std::reverse(leads.begin(), leads.end());
  ASSERT_TRUE(this->store_->ImportLeads(TenantId{"t1"}, CampaignId{"c1"}, leads));
  std::vector<std::string> seen;
  PageRequest request{.limit = 2};
  for (int pages = 0; pages < 10; ++pages) {
    Expected<Page<Lead>> page = this->store_->ListLeads(TenantId{"t1"}, CampaignId{"c1"}, request);
    ASSERT_TRUE(page) << page.error().Describe();
    EXPECT_LE(page->items.size(), 2u);
    for (const Lead& lead : page->items) seen.push_back(lead.phone_number);
    if (!page->next) break;
    request.after = *page->next;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{TestNumber(0), TestNumber(1), TestNumber(2),
                                            TestNumber(3), TestNumber(4)}));
  Expected<Page<Lead>> bad =
      this->store_->ListLeads(TenantId{"t1"}, CampaignId{"c1"}, {.limit = 0});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(HasField(bad.error(), "limit"));
}

TYPED_TEST_P(StoreConformance, FailedImportWritesNothingAndListsEveryBadRow) {
  this->CreateTwoTenants();
  std::vector<Lead> leads = this->MakeLeads(5);
  leads[1].phone_number = "hello";
  leads[3].phone_number = leads[0].phone_number;  // duplicate within the file
  leads[4].priority = 11;
  leads[4].time_zone = "Mars/Olympus";
  Expected<ImportResult> imported =
      this->store_->ImportLeads(TenantId{"t1"}, CampaignId{"c1"}, leads);
  ASSERT_FALSE(imported);
  const Error& error = imported.error();
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const FieldError& f : error.fields) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"leads[1].phone_number", "leads[3].phone_number",
                                              "leads[4].priority", "leads[4].time_zone"}))
      << error.Describe();
  EXPECT_TRUE(this->store_->ListLeads(TenantId{"t1"}, CampaignId{"c1"}, {})->items.empty());
  EXPECT_EQ(this->store_->GetCampaign(TenantId{"t1"}, CampaignId{"c1"})->total_leads, 0);
}

// Big enough to cross the import's internal chunks: a bad row late in the file still means
// nothing at all is written.
TYPED_TEST_P(StoreConformance, LargeImportIsAllOrNothingAcrossChunks) {
  this->CreateTwoTenants();
  constexpr int kCount = 41'000;
  std::vector<Lead> leads(kCount);
  for (int i = 0; i < kCount; ++i) leads[static_cast<size_t>(i)].phone_number = ManyNumber(i);
  leads[25'000].phone_number = ManyNumber(3);  // a duplicate in the second chunk
  leads[40'500].phone_number = "+1 212";       // invalid, in the last chunk
  Expected<ImportResult> failed =
      this->store_->ImportLeads(TenantId{"t1"}, CampaignId{"c1"}, leads);
  ASSERT_FALSE(failed);
  std::vector<std::string> fields;
  for (const FieldError& f : failed.error().fields) fields.push_back(f.field);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"leads[25000].phone_number", "leads[40500].phone_number"}));
  EXPECT_TRUE(this->store_->ListLeads(TenantId{"t1"}, CampaignId{"c1"}, {})->items.empty());

  leads[25'000].phone_number = ManyNumber(25'000);
  leads[40'500].phone_number = ManyNumber(40'500);
  Expected<ImportResult> imported =
      this->store_->ImportLeads(TenantId{"t1"}, CampaignId{"c1"}, leads);
  ASSERT_TRUE(imported) << imported.error().Describe();
  EXPECT_EQ(imported->imported, kCount);
  EXPECT_EQ(this->store_->GetCampaign(TenantId{"t1"}, CampaignId{"c1"})->total_leads, kCount);
  Expected<Page<Lead>> last = this->store_->ListLeads(
      TenantId{"t1"}, CampaignId{"c1"}, {.limit = 10, .after = ManyNumber(kCount - 6)});
  ASSERT_TRUE(last);
  EXPECT_EQ(last->items.size(), 5u);
  EXPECT_FALSE(last->next);
}

TYPED_TEST_P(StoreConformance, ImportRefusesALeadAlreadyInTheCampaign) {
  this->CreateTwoTenants();
  ASSERT_TRUE(this->store_->ImportLeads(TenantId{"t1"}, CampaignId{"c1"}, this->MakeLeads(2)));
  std::vector<Lead> again = this->MakeLeads(3);  // 0 and 1 exist, 2 is new
  std::rotate(again.begin(), again.begin() + 2, again.end());
  Expected<ImportResult> imported =
      this->store_->ImportLeads(TenantId{"t1"}, CampaignId{"c1"}, again);
  ASSERT_FALSE(imported);
  EXPECT_TRUE(HasField(imported.error(), "leads[1].phone_number"));
  EXPECT_TRUE(HasField(imported.error(), "leads[2].phone_number"));
  EXPECT_FALSE(HasField(imported.error(), "leads[0].phone_number"));
  EXPECT_EQ(this->store_->ListLeads(TenantId{"t1"}, CampaignId{"c1"}, {})->items.size(), 2u);
  // The same number is fine in another tenant's campaign.
  EXPECT_TRUE(this->store_->ImportLeads(TenantId{"t2"}, CampaignId{"c2"}, this->MakeLeads(1)));
}

TYPED_TEST_P(StoreConformance, ImportIntoUnknownOrForeignCampaignNamesTheCampaign) {
  this->CreateTwoTenants();
  for (const char* campaign : {"nope", "c2"}) {
    Expected<ImportResult> imported =
        this->store_->ImportLeads(TenantId{"t1"}, CampaignId{campaign}, this->MakeLeads(1));
    ASSERT_FALSE(imported) << campaign;
    EXPECT_EQ(imported.error().code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(HasField(imported.error(), "campaign_id"));
  }
  EXPECT_TRUE(this->store_->ListLeads(TenantId{"t2"}, CampaignId{"c2"}, {})->items.empty());
}

TYPED_TEST_P(StoreConformance, OneTenantCannotReadOrChangeAnothersRows) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(1);
  ASSERT_EQ(jobs.size(), 1u);
  const DialerJob& job = jobs[0];
  TenantId other{"t2"};
  EXPECT_EQ(this->store_->GetCampaign(other, CampaignId{"c1"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->GetLead(other, job.lead_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->GetJob(other, job.job_id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(this->store_->ListLeads(other, CampaignId{"c1"}, {})->items.empty());
  EXPECT_TRUE(this->store_->ListJobs(other, std::nullopt, {})->items.empty());
  DialerJob taken = job;
  taken.status = JobStatus::kProcessing;
  EXPECT_EQ(this->store_->UpdateJob(other, JobStatus::kPending, taken).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->RecordLeadAttempt(other, job.lead_id, {.result = "busy"}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->AddToCampaignCounters(other, CampaignId{"c1"}, {.calls_failed = 1})
                .error()
                .code,
            ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->GetJob(TenantId{"t1"}, job.job_id)->status, JobStatus::kPending);
  EXPECT_EQ(this->store_->GetCampaign(TenantId{"t1"}, CampaignId{"c1"})->calls_failed, 0);
  CallRecord call = this->MakeCall(job, "p-1");
  call.tenant_id = other;  // a call for t1's job, claimed by t2
  Expected<void> recorded = this->store_->RecordCall(call);
  ASSERT_FALSE(recorded);
  EXPECT_TRUE(HasField(recorded.error(), "job_id"));
}

TYPED_TEST_P(StoreConformance, CampaignStartCreatesOneJobPerPendingLeadOnce) {
  this->CreateTwoTenants();
  std::vector<Lead> leads = this->MakeLeads(3);
  leads[0].priority = 5;
  leads[0].is_high_value = true;
  leads[0].tags = {"appointment"};
  leads[1].priority = 9;
  leads[1].is_high_value = true;
  leads[2].status = LeadStatus::kDnc;  // not called
  ASSERT_TRUE(this->store_->ImportLeads(TenantId{"t1"}, CampaignId{"c1"}, leads));

  Instant now = this->clock_.Now();
  Expected<std::vector<DialerJob>> jobs =
      this->store_->CreateCampaignJobs(TenantId{"t1"}, CampaignId{"c1"}, now);
  ASSERT_TRUE(jobs) << jobs.error().Describe();
  ASSERT_EQ(jobs->size(), 2u);
  std::map<std::string, int> priority_by_number;
  for (const DialerJob& job : *jobs) {
    priority_by_number[job.phone_number] = job.priority;
    EXPECT_EQ(job.status, JobStatus::kPending);
    EXPECT_EQ(job.attempt_number, 1);
    EXPECT_EQ(job.scheduled_at, now);
    EXPECT_EQ(job.tenant_id.value, "t1");
    EXPECT_EQ(*this->store_->GetJob(TenantId{"t1"}, job.job_id), job);
  }
  EXPECT_EQ(priority_by_number[TestNumber(0)], 8);   // 5 + 2 + 1
  EXPECT_EQ(priority_by_number[TestNumber(1)], 10);  // 9 + 2, capped

  Expected<std::vector<DialerJob>> again =
      this->store_->CreateCampaignJobs(TenantId{"t1"}, CampaignId{"c1"}, now);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(this->store_->ListJobs(TenantId{"t1"}, CampaignId{"c1"}, {})->items.size(), 2u);

  Expected<std::vector<DialerJob>> unknown =
      this->store_->CreateCampaignJobs(TenantId{"t1"}, CampaignId{"c2"}, now);
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(HasField(unknown.error(), "campaign_id"));
}

TYPED_TEST_P(StoreConformance, JobCompareAndSetNeverReopensAFinishedJob) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(1);
  ASSERT_EQ(jobs.size(), 1u);
  TenantId t1{"t1"};
  DialerJob job = jobs[0];

  job.status = JobStatus::kProcessing;
  job.processed_at = this->clock_.Now();
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kPending, job));
  Expected<void> stale = this->store_->UpdateJob(t1, JobStatus::kPending, job);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);

  job.status = JobStatus::kRetryScheduled;
  job.attempt_number = 2;
  job.last_outcome = CallOutcome::kBusy;
  job.scheduled_at = this->clock_.Now() + hours(2);
  job.call_id = CallId{"call-1"};
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kProcessing, job));
  EXPECT_EQ(*this->store_->GetJob(t1, job.job_id), job);

  job.status = JobStatus::kGoalAchieved;
  job.completed_at = this->clock_.Now();
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kRetryScheduled, job));

  DialerJob reopened = job;
  reopened.status = JobStatus::kPending;
  for (JobStatus expected : {JobStatus::kGoalAchieved, JobStatus::kRetryScheduled}) {
    Expected<void> result = this->store_->UpdateJob(t1, expected, reopened);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kConflict);
  }
  EXPECT_EQ(this->store_->GetJob(t1, job.job_id)->status, JobStatus::kGoalAchieved);

  DialerJob ghost = job;
  ghost.job_id = JobId{"ghost"};
  EXPECT_EQ(this->store_->UpdateJob(t1, JobStatus::kPending, ghost).error().code,
            ErrorCode::kNotFound);
  DialerJob bad = jobs[0];
  bad.priority = 0;
  Expected<void> invalid = this->store_->UpdateJob(t1, JobStatus::kPending, bad);
  ASSERT_FALSE(invalid);
  EXPECT_TRUE(HasField(invalid.error(), "priority"));
}

TYPED_TEST_P(StoreConformance, OpenJobsAreListedForTheQueueToRebuild) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(5);
  ASSERT_EQ(jobs.size(), 5u);
  DialerJob done = jobs[1];
  done.status = JobStatus::kFailed;
  ASSERT_TRUE(this->store_->UpdateJob(TenantId{"t1"}, JobStatus::kPending, done));
  DialerJob retry = jobs[2];
  retry.status = JobStatus::kRetryScheduled;
  ASSERT_TRUE(this->store_->UpdateJob(TenantId{"t1"}, JobStatus::kPending, retry));

  std::set<std::string> open;
  PageRequest request{.limit = 2};
  for (int pages = 0; pages < 10; ++pages) {
    Expected<Page<DialerJob>> page = this->store_->ListOpenJobs(request);
    ASSERT_TRUE(page) << page.error().Describe();
    for (const DialerJob& job : page->items) open.insert(job.job_id.value);
    if (!page->next) break;
    request.after = *page->next;
  }
  EXPECT_EQ(open, (std::set<std::string>{jobs[0].job_id.value, jobs[2].job_id.value,
                                         jobs[3].job_id.value, jobs[4].job_id.value}));
  EXPECT_EQ(this->store_->CountOpenJobs(TenantId{"t1"}, CampaignId{"c1"}), 4);
  EXPECT_EQ(this->store_->CountOpenJobs(TenantId{"t2"}, CampaignId{"c1"}).error().code,
            ErrorCode::kNotFound);  // not t2's
}

TYPED_TEST_P(StoreConformance, LeadBookkeepingCountsAttempts) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(1);
  ASSERT_EQ(jobs.size(), 1u);
  TenantId t1{"t1"};
  Instant first = this->clock_.Now();
  ASSERT_TRUE(
      this->store_->RecordLeadAttempt(t1, jobs[0].lead_id, {.called_at = first, .result = "busy"}));
  ASSERT_TRUE(this->store_->RecordLeadAttempt(t1, jobs[0].lead_id,
                                              {.called_at = first + hours(2),
                                               .result = "goal_achieved",
                                               .status = LeadStatus::kCompleted}));
  Expected<Lead> lead = this->store_->GetLead(t1, jobs[0].lead_id);
  ASSERT_TRUE(lead);
  EXPECT_EQ(lead->call_attempts, 2);
  EXPECT_EQ(lead->last_called_at, first + hours(2));
  EXPECT_EQ(lead->last_call_result, "goal_achieved");
  EXPECT_EQ(lead->status, LeadStatus::kCompleted);
}

TYPED_TEST_P(StoreConformance, CallEventsAreIdempotentAndOnlyMoveForward) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(1);
  ASSERT_EQ(jobs.size(), 1u);
  TenantId t1{"t1"};
  CallRecord call = this->MakeCall(jobs[0], "vonage-1");
  ASSERT_TRUE(this->store_->RecordCall(call));
  Expected<CallRecord> stored = this->store_->GetCall(t1, call.id);
  ASSERT_TRUE(stored) << stored.error().Describe();
  EXPECT_EQ(stored->lead_id, jobs[0].lead_id);
  EXPECT_EQ(stored->campaign_id.value, "c1");
  EXPECT_EQ(this->store_->RecordCall(call).error().code, ErrorCode::kConflict);

  Instant t0 = this->clock_.Now();
  CallEvent ringing{.provider_call_id = "vonage-1",
                    .status = CallStatus::kRinging,
                    .occurred_at = t0 + seconds(1),
                    .payload = {{"status", "ringing"}}};
  CallEvent answered{.provider_call_id = "vonage-1",
                     .status = CallStatus::kAnswered,
                     .occurred_at = t0 + seconds(5),
                     .payload = {{"status", "answered"}}};
  CallEvent completed{.provider_call_id = "vonage-1",
                      .status = CallStatus::kCompleted,
                      .outcome = CallOutcome::kGoalNotAchieved,
                      .occurred_at = t0 + seconds(65),
                      .payload = {{"status", "completed"}}};

  Expected<CallEventResult> first = this->store_->RecordCallEvent(t1, answered);
  ASSERT_TRUE(first) << first.error().Describe();
  EXPECT_FALSE(first->duplicate);
  EXPECT_EQ(first->call.status, CallStatus::kAnswered);
  Expected<CallEventResult> repeat = this->store_->RecordCallEvent(t1, answered);
  ASSERT_TRUE(repeat);
  EXPECT_TRUE(repeat->duplicate);
  Expected<CallEventResult> late = this->store_->RecordCallEvent(t1, ringing);  // reordered
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->duplicate);
  EXPECT_EQ(late->call.status, CallStatus::kAnswered);
  Expected<CallEventResult> end = this->store_->RecordCallEvent(t1, completed);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->call.status, CallStatus::kCompleted);
  EXPECT_EQ(end->call.outcome, CallOutcome::kGoalNotAchieved);
  EXPECT_EQ(end->call.answered_at, t0 + seconds(5));
  EXPECT_EQ(end->call.ended_at, t0 + seconds(65));
  EXPECT_EQ(end->call.duration_seconds, 60);
  EXPECT_EQ(*this->store_->GetCall(t1, call.id), end->call);
  EXPECT_EQ(this->store_->FindCallByProviderCallId("vonage-1")->id, call.id);
  EXPECT_EQ(*this->store_->FindCall(call.id), end->call);
  EXPECT_EQ(this->store_->FindCall(CallId{"no-such-call"}).error().code, ErrorCode::kNotFound);

  Expected<std::vector<CallEvent>> events = this->store_->ListCallEvents(t1, call.id);
  ASSERT_TRUE(events);
  // The store resolves each event's call from its provider id and gives it back with the event.
  for (CallEvent* event : {&ringing, &answered, &completed}) event->call_id = call.id;
  EXPECT_EQ(*events, (std::vector<CallEvent>{ringing, answered, completed}));
  EXPECT_EQ(this->store_->RecordCallEvent(TenantId{"t2"}, completed).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->ListCalls(t1, {.campaign = CampaignId{"c1"}}, {})->items.size(), 1u);
  EXPECT_TRUE(this->store_->ListCalls(TenantId{"t2"}, {}, {})->items.empty());
}

// Machine detection's verdict comes after the answer with the answer's status: its outcome is kept
// once, and only on an answered call that has none.
TYPED_TEST_P(StoreConformance, AVoicemailVerdictAfterTheAnswerSetsTheOutcomeOnce) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(1);
  ASSERT_EQ(jobs.size(), 1u);
  const TenantId t1{"t1"};
  CallRecord call = this->MakeCall(jobs[0], "vonage-amd");
  ASSERT_TRUE(this->store_->RecordCall(call));
  const Instant t0 = this->clock_.Now();
  const CallEvent machine{.provider_call_id = "vonage-amd",
                          .status = CallStatus::kAnswered,
                          .outcome = CallOutcome::kVoicemail,
                          .occurred_at = t0 + seconds(8),
                          .payload = {{"status", "machine"}}};
  ASSERT_TRUE(this->store_->RecordCallEvent(t1, CallEvent{.provider_call_id = "vonage-amd",
                                                          .status = CallStatus::kAnswered,
                                                          .occurred_at = t0 + seconds(5),
                                                          .payload = {{"status", "answered"}}}));
  EXPECT_EQ(this->store_->GetCall(t1, call.id)->outcome, std::nullopt);

  Expected<CallEventResult> verdict = this->store_->RecordCallEvent(t1, machine);
  ASSERT_TRUE(verdict) << verdict.error().Describe();
  EXPECT_FALSE(verdict->duplicate);
  EXPECT_EQ(verdict->call.outcome, CallOutcome::kVoicemail);
  EXPECT_EQ(verdict->call.answered_at, t0 + seconds(5));  // the answer's time stays
  EXPECT_EQ(*this->store_->GetCall(t1, call.id), verdict->call);
  Expected<CallEventResult> repeat = this->store_->RecordCallEvent(t1, machine);
  ASSERT_TRUE(repeat);
  EXPECT_TRUE(repeat->duplicate);

  // Once the call is over, a late verdict changes nothing.
  const CallRecord other = this->MakeCall(jobs[0], "vonage-amd-2");
  ASSERT_TRUE(this->store_->RecordCall(other));
  ASSERT_TRUE(this->store_->RecordCallEvent(t1, CallEvent{.provider_call_id = "vonage-amd-2",
                                                          .status = CallStatus::kCompleted,
                                                          .outcome = CallOutcome::kGoalNotAchieved,
                                                          .occurred_at = t0 + seconds(30)}));
  CallEvent late = machine;
  late.provider_call_id = "vonage-amd-2";
  ASSERT_TRUE(this->store_->RecordCallEvent(t1, late));
  EXPECT_EQ(this->store_->GetCall(t1, other.id)->outcome, CallOutcome::kGoalNotAchieved);
}

TYPED_TEST_P(StoreConformance, CallsToANumberInTheLastDayAreCounted) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(1);
  ASSERT_EQ(jobs.size(), 1u);
  TenantId t1{"t1"};
  Instant start = this->clock_.Now();
  for (int i = 0; i < 3; ++i) {
    CallRecord call = this->MakeCall(jobs[0], "p-" + std::to_string(i));
    call.created_at = start + hours(10 * i);  // 0 h, 10 h, 20 h
    ASSERT_TRUE(this->store_->RecordCall(call));
  }
  Instant now = start + hours(26);
  Expected<NumberCallHistory> history =
      this->store_->CallsToNumberSince(t1, "(212) 555-1000", now - hours(24));
  ASSERT_TRUE(history) << history.error().Describe();
  EXPECT_EQ(history->count, 2);
  EXPECT_EQ(history->last_call_at, start + hours(20));
  EXPECT_EQ(history->call_times, (std::vector<Instant>{start + hours(10), start + hours(20)}));
  EXPECT_EQ(this->store_->CallsToNumberSince(t1, TestNumber(0), start, CampaignId{"c1"})->count, 3);
  EXPECT_EQ(this->store_->CallsToNumberSince(t1, TestNumber(0), start, CampaignId{"c2"})->count, 0);
  EXPECT_EQ(this->store_->CallsToNumberSince(TenantId{"t2"}, TestNumber(0), start)->count, 0);
  Expected<NumberCallHistory> bad = this->store_->CallsToNumberSince(t1, "12", start);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(HasField(bad.error(), "phone_number"));
}

TYPED_TEST_P(StoreConformance, CallCarriesItsJobsLeaseTokenToWhoeverFindsIt) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(2);
  ASSERT_EQ(jobs.size(), 2u);
  CallRecord with_lease = this->MakeCall(jobs[0], "vonage-lease-1");
  with_lease.lease_token = "0123456789abcdef";
  ASSERT_TRUE(this->store_->RecordCall(with_lease));
  CallRecord without_lease = this->MakeCall(jobs[1], "vonage-lease-2");
  ASSERT_TRUE(this->store_->RecordCall(without_lease));

  // A webhook names only the provider's id: the token comes back with the call, in any process.
  Expected<CallRecord> found = this->store_->FindCallByProviderCallId("vonage-lease-1");
  ASSERT_TRUE(found) << found.error().Describe();
  EXPECT_EQ(found->lease_token, "0123456789abcdef");
  EXPECT_EQ(found->job_id, jobs[0].job_id);
  EXPECT_EQ(this->store_->GetCall(TenantId{"t1"}, with_lease.id)->lease_token, "0123456789abcdef");
  EXPECT_EQ(this->store_->FindCallByProviderCallId("vonage-lease-2")->lease_token, "");
  EXPECT_EQ(this->store_->FindCallByProviderCallId("vonage-unknown").error().code,
            ErrorCode::kNotFound);

  // Events move the call forward and leave the token as it was.
  ASSERT_TRUE(
      this->store_->RecordCallEvent(TenantId{"t1"}, CallEvent{.provider_call_id = "vonage-lease-1",
                                                              .status = CallStatus::kAnswered,
                                                              .occurred_at = this->clock_.Now()}));
  Expected<Page<CallRecord>> listed =
      this->store_->ListCalls(TenantId{"t1"}, {.campaign = CampaignId{"c1"}}, {.limit = 10});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->items.size(), 2u);
  for (const CallRecord& call : listed->items) {
    EXPECT_EQ(call.lease_token, call.id == with_lease.id ? "0123456789abcdef" : "");
    if (call.id == with_lease.id) {
      EXPECT_EQ(call.status, CallStatus::kAnswered);
    }
  }
}

TYPED_TEST_P(StoreConformance, CallsAreFilteredByOutcomeAndCreationTime) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(3);
  ASSERT_EQ(jobs.size(), 3u);
  const std::vector<std::optional<CallOutcome>> outcomes{CallOutcome::kBusy, CallOutcome::kAnswered,
                                                         CallOutcome::kBusy};
  std::vector<CallRecord> calls;
  for (size_t i = 0; i < jobs.size(); ++i) {
    CallRecord call = this->MakeCall(jobs[i], "vonage-filter-" + std::to_string(i));
    call.created_at = At("2026-11-21T12:00:00Z") + std::chrono::hours(i);
    call.outcome = outcomes[i];
    ASSERT_TRUE(this->store_->RecordCall(call));
    calls.push_back(call);
  }
  auto ids = [&](const CallFilter& filter) {
    std::vector<std::string> found;
    Expected<Page<CallRecord>> page = this->store_->ListCalls(TenantId{"t1"}, filter, {});
    EXPECT_TRUE(page) << page.error().Describe();
    if (page) {
      for (const CallRecord& call : page->items) found.push_back(call.id.value);
    }
    return found;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids({.outcome = CallOutcome::kBusy}), (Ids{calls[0].id.value, calls[2].id.value}));
  EXPECT_EQ(ids({.since = At("2026-11-21T13:00:00Z")}),
            (Ids{calls[1].id.value, calls[2].id.value}));
  EXPECT_EQ(ids({.until = At("2026-11-21T13:00:00Z")}), (Ids{calls[0].id.value}));
  EXPECT_EQ(ids({.campaign = CampaignId{"c1"},
                 .outcome = CallOutcome::kBusy,
                 .since = At("2026-11-21T12:30:00Z"),
                 .until = At("2026-11-21T15:00:00Z")}),
            (Ids{calls[2].id.value}));
  EXPECT_EQ(ids({.outcome = CallOutcome::kVoicemail}), Ids{});
  EXPECT_EQ(ids({.campaign = CampaignId{"another"}}), Ids{});
}

TYPED_TEST_P(StoreConformance, CompletionWritesEverythingOrNothing) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(1);
  ASSERT_EQ(jobs.size(), 1u);
  TenantId t1{"t1"};
  DialerJob job = jobs[0];
  job.status = JobStatus::kProcessing;
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kPending, job));
  ASSERT_TRUE(this->store_->RecordCall(this->MakeCall(job, "p-1")));

  Instant now = this->clock_.Now();
  DialerJob finished = job;
  finished.status = JobStatus::kGoalAchieved;
  finished.last_outcome = CallOutcome::kGoalAchieved;
  finished.completed_at = now;
  AttemptCompletion completion{
      .event = CallEvent{.provider_call_id = "p-1",
                         .status = CallStatus::kCompleted,
                         .outcome = CallOutcome::kGoalAchieved,
                         .occurred_at = now},
      .expected_job_status = JobStatus::kPending,  // stale: the job is processing
      .job = finished,
      .lead_attempt =
          LeadAttempt{
              .called_at = now, .result = "goal_achieved", .status = LeadStatus::kCompleted},
      .counters = {.calls_completed = 1, .goals_achieved = 1}};
  Expected<CompletionResult> lost = this->store_->CompleteAttempt(t1, completion);
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->store_->GetJob(t1, job.job_id)->status, JobStatus::kProcessing);
  EXPECT_EQ(this->store_->GetLead(t1, job.lead_id)->call_attempts, 0);
  EXPECT_EQ(this->store_->GetCampaign(t1, CampaignId{"c1"})->calls_completed, 0);
  EXPECT_EQ(this->store_->GetCall(t1, CallId{"call-p-1"})->status, CallStatus::kStarted);
  EXPECT_TRUE(this->store_->ListCallEvents(t1, CallId{"call-p-1"})->empty());

  completion.expected_job_status = JobStatus::kProcessing;
  Expected<CompletionResult> won = this->store_->CompleteAttempt(t1, completion);
  ASSERT_TRUE(won) << won.error().Describe();
  EXPECT_FALSE(won->duplicate_event);
  EXPECT_EQ(*this->store_->GetJob(t1, job.job_id), finished);
  Expected<Lead> lead = this->store_->GetLead(t1, job.lead_id);
  EXPECT_EQ(lead->call_attempts, 1);
  EXPECT_EQ(lead->status, LeadStatus::kCompleted);
  Expected<Campaign> campaign = this->store_->GetCampaign(t1, CampaignId{"c1"});
  EXPECT_EQ(campaign->calls_completed, 1);
  EXPECT_EQ(campaign->goals_achieved, 1);
  EXPECT_EQ(this->store_->GetCall(t1, CallId{"call-p-1"})->status, CallStatus::kCompleted);

  // The provider repeats its webhook: nothing changes a second time.
  Expected<CompletionResult> repeated = this->store_->CompleteAttempt(t1, completion);
  ASSERT_TRUE(repeated) << repeated.error().Describe();
  EXPECT_TRUE(repeated->duplicate_event);
  EXPECT_EQ(this->store_->GetLead(t1, job.lead_id)->call_attempts, 1);
  EXPECT_EQ(this->store_->GetCampaign(t1, CampaignId{"c1"})->calls_completed, 1);
}

// A take batch's marks and records, and a group of completions, each in one transaction: an item
// that does not apply fails alone, with exactly the error the one-at-a-time method gives, and
// leaves nothing of itself behind; the others are written.
TYPED_TEST_P(StoreConformance, BatchesWriteEachItemAsItsOwnMethodWould) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(3);
  ASSERT_EQ(jobs.size(), 3u);
  const TenantId t1{"t1"};
  std::vector<JobUpdate> marks;
  for (const DialerJob& job : jobs) {
    DialerJob next = job;
    next.status = JobStatus::kProcessing;
    marks.push_back({.tenant = t1, .expected = JobStatus::kPending, .next = next});
  }
  marks[1].expected = JobStatus::kSkipped;  // stale
  Expected<std::vector<Expected<void>>> marked = this->store_->UpdateJobs(marks);
  ASSERT_TRUE(marked) << marked.error().Describe();
  ASSERT_EQ(marked->size(), 3u);
  EXPECT_TRUE((*marked)[0]);
  ASSERT_FALSE((*marked)[1]);
  EXPECT_EQ((*marked)[1].error().code, ErrorCode::kConflict);
  EXPECT_TRUE((*marked)[2]);
  EXPECT_EQ(this->store_->GetJob(t1, jobs[0].job_id)->status, JobStatus::kProcessing);
  EXPECT_EQ(this->store_->GetJob(t1, jobs[1].job_id)->status, JobStatus::kPending);
  EXPECT_EQ(this->store_->GetJob(t1, jobs[2].job_id)->status, JobStatus::kProcessing);

  CallRecord unknown_job = this->MakeCall(jobs[1], "b-unknown");
  unknown_job.job_id = JobId{"no-such-job"};
  Expected<std::vector<Expected<void>>> recorded = this->store_->RecordCalls(
      {this->MakeCall(jobs[0], "b-0"), unknown_job, this->MakeCall(jobs[2], "b-2")});
  ASSERT_TRUE(recorded) << recorded.error().Describe();
  ASSERT_EQ(recorded->size(), 3u);
  EXPECT_TRUE((*recorded)[0]);
  ASSERT_FALSE((*recorded)[1]);
  EXPECT_EQ((*recorded)[1].error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE((*recorded)[2]);
  EXPECT_TRUE(this->store_->GetCall(t1, CallId{"call-b-0"}));
  EXPECT_FALSE(this->store_->GetCall(t1, CallId{"call-b-unknown"}));
  EXPECT_TRUE(this->store_->GetCall(t1, CallId{"call-b-2"}));

  // A completion whose job another process closed first fails alone; the group's others are
  // written whole.
  const Instant now = this->clock_.Now();
  auto completion_of = [&](const DialerJob& job, const std::string& provider_call_id) {
    DialerJob finished = job;
    finished.status = JobStatus::kGoalAchieved;
    finished.last_outcome = CallOutcome::kGoalAchieved;
    finished.completed_at = now;
    return TenantAttemptCompletion{
        .tenant = t1,
        .completion = {.event = CallEvent{.provider_call_id = provider_call_id,
                                          .status = CallStatus::kCompleted,
                                          .outcome = CallOutcome::kGoalAchieved,
                                          .occurred_at = now},
                       .progress_events = {CallEvent{.provider_call_id = provider_call_id,
                                                     .status = CallStatus::kAnswered,
                                                     .occurred_at = now}},
                       .expected_job_status = JobStatus::kProcessing,
                       .job = finished,
                       .lead_attempt = LeadAttempt{.called_at = now,
                                                   .result = "goal_achieved",
                                                   .status = LeadStatus::kCompleted},
                       .counters = {.calls_completed = 1, .goals_achieved = 1}}};
  };
  DialerJob closed_elsewhere = jobs[2];
  closed_elsewhere.status = JobStatus::kFailed;
  closed_elsewhere.completed_at = now;
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kProcessing, closed_elsewhere));
  Expected<std::vector<Expected<CompletionResult>>> completed = this->store_->CompleteAttempts(
      {completion_of(jobs[0], "b-0"), completion_of(jobs[2], "b-2")});
  ASSERT_TRUE(completed) << completed.error().Describe();
  ASSERT_EQ(completed->size(), 2u);
  ASSERT_TRUE((*completed)[0]) << (*completed)[0].error().Describe();
  EXPECT_FALSE((*completed)[0]->duplicate_event);
  ASSERT_FALSE((*completed)[1]);
  EXPECT_EQ((*completed)[1].error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->store_->GetJob(t1, jobs[0].job_id)->status, JobStatus::kGoalAchieved);
  EXPECT_EQ(this->store_->GetLead(t1, jobs[0].lead_id)->call_attempts, 1);
  Expected<CallRecord> call_b0 = this->store_->GetCall(t1, CallId{"call-b-0"});
  EXPECT_EQ(call_b0->status, CallStatus::kCompleted);
  EXPECT_EQ(call_b0->outcome, CallOutcome::kGoalAchieved);
  EXPECT_EQ(call_b0->answered_at, now) << "the progress event before the final one was lost";
  EXPECT_EQ(call_b0->ended_at, now);
  EXPECT_EQ(this->store_->ListCallEvents(t1, CallId{"call-b-0"})->size(), 2u);
  // Nothing of the conflicting one: not its events, its lead or its counters.
  EXPECT_EQ(this->store_->GetJob(t1, jobs[2].job_id)->status, JobStatus::kFailed);
  EXPECT_EQ(this->store_->GetLead(t1, jobs[2].lead_id)->call_attempts, 0);
  EXPECT_EQ(this->store_->GetCall(t1, CallId{"call-b-2"})->status, CallStatus::kStarted);
  EXPECT_TRUE(this->store_->ListCallEvents(t1, CallId{"call-b-2"})->empty());
  Expected<Campaign> campaign = this->store_->GetCampaign(t1, CampaignId{"c1"});
  EXPECT_EQ(campaign->calls_completed, 1);
  EXPECT_EQ(campaign->goals_achieved, 1);

  // The same group again (a repeated event): a duplicate, nothing written twice.
  Expected<std::vector<Expected<CompletionResult>>> repeated =
      this->store_->CompleteAttempts({completion_of(jobs[0], "b-0")});
  ASSERT_TRUE(repeated && (*repeated)[0]);
  EXPECT_TRUE((*repeated)[0]->duplicate_event);
  EXPECT_EQ(this->store_->GetCampaign(t1, CampaignId{"c1"})->calls_completed, 1);
}

// A group of completions of one campaign adds up its counters (written once for the group).
TYPED_TEST_P(StoreConformance, AGroupOfCompletionsCountsEachOfThem) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(3);
  ASSERT_EQ(jobs.size(), 3u);
  const TenantId t1{"t1"};
  const Instant now = this->clock_.Now();
  std::vector<JobUpdate> marks;
  std::vector<CallRecord> calls;
  std::vector<TenantAttemptCompletion> completions;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    DialerJob processing = jobs[i];
    processing.status = JobStatus::kProcessing;
    marks.push_back({.tenant = t1, .expected = JobStatus::kPending, .next = processing});
    calls.push_back(this->MakeCall(jobs[i], "g-" + std::to_string(i)));
    const bool reached = i != 1;
    DialerJob finished = processing;
    finished.status = reached ? JobStatus::kGoalAchieved : JobStatus::kFailed;
    finished.completed_at = now;
    completions.push_back(
        {.tenant = t1,
         .completion = {.event = CallEvent{.provider_call_id = "g-" + std::to_string(i),
                                           .status = CallStatus::kCompleted,
                                           .outcome = reached ? CallOutcome::kGoalAchieved
                                                              : CallOutcome::kFailed,
                                           .occurred_at = now},
                        .expected_job_status = JobStatus::kProcessing,
                        .job = finished,
                        .counters = {.calls_completed = reached ? 1 : 0,
                                     .calls_failed = reached ? 0 : 1,
                                     .goals_achieved = reached ? 1 : 0}}});
  }
  ASSERT_TRUE(this->store_->UpdateJobs(marks));
  ASSERT_TRUE(this->store_->RecordCalls(calls));
  Expected<std::vector<Expected<CompletionResult>>> completed =
      this->store_->CompleteAttempts(completions);
  ASSERT_TRUE(completed) << completed.error().Describe();
  for (const Expected<CompletionResult>& one : *completed) ASSERT_TRUE(one);
  Expected<Campaign> campaign = this->store_->GetCampaign(t1, CampaignId{"c1"});
  ASSERT_TRUE(campaign);
  EXPECT_EQ(campaign->calls_completed, 2);
  EXPECT_EQ(campaign->calls_failed, 1);
  EXPECT_EQ(campaign->goals_achieved, 2);
}

TYPED_TEST_P(StoreConformance, DoNotCallListIsPerTenantAndNormalised) {
  this->CreateTwoTenants();
  TenantId t1{"t1"};
  Expected<std::string> added =
      this->store_->AddDoNotCall(t1, "(212) 555-0123", this->clock_.Now());
  ASSERT_TRUE(added) << added.error().Describe();
  EXPECT_EQ(*added, "+12125550123");
  ASSERT_TRUE(this->store_->AddDoNotCall(t1, "+12125550123", this->clock_.Now()));  // again: fine
  EXPECT_TRUE(*this->store_->IsDoNotCall(t1, "+1 212 555 0123"));
  EXPECT_FALSE(*this->store_->IsDoNotCall(TenantId{"t2"}, "+12125550123"));
  EXPECT_FALSE(*this->store_->IsDoNotCall(t1, "+12125550124"));
  Expected<std::string> bad = this->store_->AddDoNotCall(t1, "hello", this->clock_.Now());
  ASSERT_FALSE(bad);
  EXPECT_TRUE(HasField(bad.error(), "phone_number"));
  ASSERT_TRUE(this->store_->RemoveDoNotCall(t1, "212-555-0123"));
  EXPECT_FALSE(*this->store_->IsDoNotCall(t1, "+12125550123"));
  // Removing a number that is not (or no longer) on the list says so.
  Expected<void> again = this->store_->RemoveDoNotCall(t1, "212-555-0123");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, ConversationTurnsKeepTheirOrderAndLatencies) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(1);
  ASSERT_EQ(jobs.size(), 1u);
  TenantId t1{"t1"};
  ASSERT_TRUE(this->store_->RecordCall(this->MakeCall(jobs[0], "p-1")));
  CallId call{"call-p-1"};
  ConversationTurn greeting{.call_id = call,
                            .turn_index = 0,
                            .role = MessageRole::kAssistant,
                            .text = "Hello, this is Talky.",
                            .at = this->clock_.Now(),
                            .llm_latency_ms = 180.25,
                            .tts_latency_ms = 95.5,
                            .prompt_tokens = 412,
                            .completion_tokens = 17};
  ConversationTurn reply{.call_id = call,
                         .turn_index = 1,
                         .role = MessageRole::kUser,
                         .text = "Hi! Tell me more.",
                         .at = this->clock_.Now() + seconds(3),
                         .stt_latency_ms = 120.125};
  ASSERT_TRUE(this->store_->AppendConversationTurn(t1, reply));
  ASSERT_TRUE(this->store_->AppendConversationTurn(t1, greeting));
  Expected<std::vector<ConversationTurn>> turns = this->store_->ListConversationTurns(t1, call);
  ASSERT_TRUE(turns) << turns.error().Describe();
  EXPECT_EQ(*turns, (std::vector<ConversationTurn>{greeting, reply}));
  EXPECT_EQ(this->store_->AppendConversationTurn(t1, reply).error().code, ErrorCode::kConflict);
  Expected<void> foreign = this->store_->AppendConversationTurn(TenantId{"t2"}, reply);
  ASSERT_FALSE(foreign);
  EXPECT_TRUE(HasField(foreign.error(), "call_id"));
}

TYPED_TEST_P(StoreConformance, CallRecordingsRoundTripAndGoWithTheLead) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(1);
  ASSERT_EQ(jobs.size(), 1u);
  const TenantId t1{"t1"};
  ASSERT_TRUE(this->store_->RecordCall(this->MakeCall(jobs[0], "p-rec")));
  const CallId call{"call-p-rec"};
  EXPECT_EQ(this->store_->GetCallRecording(t1, call).error().code, ErrorCode::kNotFound);
  // Every byte value, NULs and padding included, comes back as it went in.
  std::string wav = "RIFF";
  for (int i = 0; i < 1000; ++i) wav.push_back(static_cast<char>(i % 256));
  ASSERT_TRUE(this->store_->SaveCallRecording(t1, call, wav, this->clock_.Now()));
  Expected<std::string> kept = this->store_->GetCallRecording(t1, call);
  ASSERT_TRUE(kept) << kept.error().Describe();
  EXPECT_EQ(*kept, wav);
  EXPECT_EQ(this->store_->SaveCallRecording(t1, call, "again", this->clock_.Now()).error().code,
            ErrorCode::kConflict);
  // Another tenant neither reads nor writes it.
  EXPECT_EQ(this->store_->GetCallRecording(TenantId{"t2"}, call).error().code,
            ErrorCode::kNotFound);
  Expected<void> foreign =
      this->store_->SaveCallRecording(TenantId{"t2"}, call, wav, this->clock_.Now());
  ASSERT_FALSE(foreign);
  EXPECT_TRUE(HasField(foreign.error(), "call_id"));
  // Erasing the lead erases the recording.
  ASSERT_TRUE(this->store_->EraseLead(t1, jobs[0].lead_id, this->clock_.Now()));
  EXPECT_EQ(this->store_->GetCallRecording(t1, call).error().code, ErrorCode::kNotFound);
}

TYPED_TEST_P(StoreConformance, ReopeningKeepsDataAndMigratesOnce) {
  this->CreateTwoTenants();
  this->store_.reset();
  this->store_ = this->OpenStore();
  ASSERT_NE(this->store_, nullptr);
  EXPECT_TRUE(this->store_->GetCampaign(TenantId{"t1"}, CampaignId{"c1"}));
}

// Four threads add to the same counters and race for the same jobs: every increment counts, and
// each job is taken exactly once.
TYPED_TEST_P(StoreConformance, ConcurrentWritersFromFourThreads) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(40);
  ASSERT_EQ(jobs.size(), 40u);
  constexpr int kThreads = 4;
  constexpr int kIncrements = 50;
  std::atomic<int> failures{0};
  std::vector<std::vector<std::string>> claimed(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kIncrements; ++i) {
          if (!this->store_->AddToCampaignCounters(TenantId{"t1"}, CampaignId{"c1"},
                                                   {.calls_completed = 1, .calls_failed = 2})) {
            ++failures;
          }
        }
        for (const DialerJob& job : jobs) {
          DialerJob taken = job;
          taken.status = JobStatus::kProcessing;
          Expected<void> result =
              this->store_->UpdateJob(TenantId{"t1"}, JobStatus::kPending, taken);
          if (result) {
            claimed[static_cast<size_t>(t)].push_back(job.job_id.value);
          } else if (result.error().code != ErrorCode::kConflict) {
            ++failures;
          }
        }
      });
    }
  }
  EXPECT_EQ(failures.load(), 0);
  Expected<Campaign> campaign = this->store_->GetCampaign(TenantId{"t1"}, CampaignId{"c1"});
  EXPECT_EQ(campaign->calls_completed, kThreads * kIncrements);
  EXPECT_EQ(campaign->calls_failed, 2 * kThreads * kIncrements);
  std::multiset<std::string> all;
  for (const auto& some : claimed) all.insert(some.begin(), some.end());
  EXPECT_EQ(all.size(), jobs.size());
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), jobs.size());
}

// The same race between two processes, each with its own connections: the child is forked before
// it opens anything, and reports its claims through a pipe.
TYPED_TEST_P(StoreConformance, ConcurrentWritersFromTwoProcesses) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(40);
  ASSERT_EQ(jobs.size(), 40u);
  this->store_.reset();  // the child must not inherit open connections in use
  constexpr int kIncrements = 100;
  auto race = [&](Store& store) {
    int claims = 0;
    for (int i = 0; i < kIncrements; ++i) {
      if (!store.AddToCampaignCounters(TenantId{"t1"}, CampaignId{"c1"}, {.calls_completed = 1})) {
        return -1;
      }
    }
    for (const DialerJob& job : jobs) {
      DialerJob taken = job;
      taken.status = JobStatus::kProcessing;
      taken.last_error = "taken by " + std::to_string(getpid());
      Expected<void> result = store.UpdateJob(TenantId{"t1"}, JobStatus::kPending, taken);
      if (result) {
        ++claims;
      } else if (result.error().code != ErrorCode::kConflict) {
        return -1;
      }
    }
    return claims;
  };

  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    ManualClock clock(this->clock_.Now());
    RandomIdGenerator ids(7);
    Expected<std::unique_ptr<Store>> store = TypeParam::Open(this->location_, clock, ids);
    int claims = store ? race(**store) : -1;
    if (store) store->reset();  // closes the child's connections before it exits
    ssize_t written = write(pipe_fds[1], &claims, sizeof(claims));
    _exit(written == sizeof(claims) ? 0 : 1);
  }
  close(pipe_fds[1]);
  this->store_ = this->OpenStore();
  ASSERT_NE(this->store_, nullptr);
  int parent_claims = race(*this->store_);
  int child_claims = -2;
  ssize_t got = read(pipe_fds[0], &child_claims, sizeof(child_claims));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(got, static_cast<ssize_t>(sizeof(child_claims)));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_GE(parent_claims, 0);
  ASSERT_GE(child_claims, 0);
  EXPECT_EQ(parent_claims + child_claims, static_cast<int>(jobs.size()));
  EXPECT_EQ(this->store_->GetCampaign(TenantId{"t1"}, CampaignId{"c1"})->calls_completed,
            2 * kIncrements);
  std::map<std::string, int> by_process;
  for (const DialerJob& job : jobs) {
    Expected<DialerJob> stored = this->store_->GetJob(TenantId{"t1"}, job.job_id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, JobStatus::kProcessing);
    ++by_process[stored->last_error.value_or("")];
  }
  EXPECT_EQ(by_process["taken by " + std::to_string(getpid())], parent_claims);
  EXPECT_EQ(by_process["taken by " + std::to_string(child)], child_claims);
}

TYPED_TEST_P(StoreConformance, WaitingJobsCloseForDoNotCallOrAll) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(4);
  ASSERT_EQ(jobs.size(), 4u);
  TenantId t1{"t1"};
  CampaignId c1{"c1"};
  ASSERT_TRUE(this->store_->AddDoNotCall(t1, jobs[0].phone_number, this->clock_.Now()));
  // On another tenant's list only: not this tenant's business.
  ASSERT_TRUE(this->store_->AddDoNotCall(TenantId{"t2"}, jobs[2].phone_number, this->clock_.Now()));
  DialerJob taken = jobs[1];
  taken.status = JobStatus::kProcessing;
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kPending, taken));
  ASSERT_TRUE(this->store_->AddDoNotCall(t1, jobs[1].phone_number, this->clock_.Now()));

  Expected<int> dnc =
      this->store_->CloseWaitingJobs(t1, c1, true, "do_not_call", this->clock_.Now());
  ASSERT_TRUE(dnc) << dnc.error().Describe();
  EXPECT_EQ(*dnc, 1);  // jobs[1] is in processing: left to its worker
  Expected<DialerJob> closed = this->store_->GetJob(t1, jobs[0].job_id);
  EXPECT_EQ(closed->status, JobStatus::kNonRetryable);
  EXPECT_EQ(closed->last_error, "do_not_call");
  EXPECT_EQ(this->store_->GetJob(t1, jobs[2].job_id)->status, JobStatus::kPending);

  Expected<int> all =
      this->store_->CloseWaitingJobs(t1, c1, false, "campaign_cancelled", this->clock_.Now());
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, 2);
  EXPECT_EQ(this->store_->GetJob(t1, jobs[2].job_id)->last_error, "campaign_cancelled");
  EXPECT_EQ(this->store_->GetJob(t1, jobs[1].job_id)->status, JobStatus::kProcessing);
  EXPECT_EQ(this->store_->GetJob(t1, jobs[0].job_id)->last_error, "do_not_call");
  EXPECT_EQ(*this->store_->CountOpenJobs(t1, c1), 1);
}

TYPED_TEST_P(StoreConformance, TallyCountsJobsCallsAttemptsAndSkipsPerCampaign) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(3);
  ASSERT_EQ(jobs.size(), 3u);
  TenantId t1{"t1"};
  CampaignId c1{"c1"};
  // jobs[0] is deferred twice for the window and once for the cooldown.
  DialerJob job = jobs[0];
  for (std::string reason : {"outside_calling_hours", "outside_calling_hours", "cooldown"}) {
    JobStatus before = job.status;
    job.status = JobStatus::kProcessing;
    ASSERT_TRUE(this->store_->UpdateJob(t1, before, job));
    job.status = JobStatus::kSkipped;
    job.last_error = reason;
    ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kProcessing, job));
  }
  // jobs[1] is called: busy.
  CallRecord call = this->MakeCall(jobs[1], "p-1");
  call.campaign_id = c1;
  call.lead_id = jobs[1].lead_id;
  ASSERT_TRUE(this->store_->RecordCall(call));
  ASSERT_TRUE(this->store_->RecordCallEvent(t1, CallEvent{.provider_call_id = "p-1",
                                                          .status = CallStatus::kCompleted,
                                                          .outcome = CallOutcome::kBusy,
                                                          .occurred_at = this->clock_.Now()}));
  ASSERT_TRUE(this->store_->RecordLeadAttempt(t1, jobs[1].lead_id,
                                              {.called_at = this->clock_.Now(), .result = "busy"}));
  // jobs[2] is being called.
  ASSERT_TRUE(this->store_->RecordCall(this->MakeCall(jobs[2], "p-2")));

  Expected<StoreTally> tally = this->store_->Tally(t1, c1);
  ASSERT_TRUE(tally) << tally.error().Describe();
  EXPECT_EQ(tally->jobs_by_status.size(), AllJobStatuses().size());
  EXPECT_EQ(tally->jobs_by_status["skipped"], 1);
  EXPECT_EQ(tally->jobs_by_status["pending"], 2);
  EXPECT_EQ(tally->jobs_by_status["completed"], 0);
  EXPECT_EQ(tally->calls_total, 2);
  EXPECT_EQ(tally->calls_in_progress, 1);
  EXPECT_EQ(tally->calls_by_outcome, (std::map<std::string, int64_t>{{"busy", 1}}));
  EXPECT_EQ(tally->leads_by_attempts, (std::map<int, int64_t>{{0, 2}, {1, 1}}));
  EXPECT_EQ(tally->skips_by_reason,
            (std::map<std::string, int64_t>{{"cooldown", 1}, {"outside_calling_hours", 2}}));

  // Another tenant sees none of it; everything together sees all of it.
  Expected<StoreTally> other = this->store_->Tally(TenantId{"t2"}, CampaignId{"c2"});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->calls_total, 0);
  EXPECT_TRUE(other->skips_by_reason.empty());
  Expected<StoreTally> everything = this->store_->Tally(std::nullopt, std::nullopt);
  ASSERT_TRUE(everything);
  EXPECT_EQ(everything->jobs_by_status["pending"], 2);
  EXPECT_EQ(this->store_->Tally(std::nullopt, c1).error().code, ErrorCode::kInvalidArgument);
}

// Erasure: the lead's personal data goes, its calls stay for the statistics without the number,
// its waiting jobs close so nothing dials it, and the Do-Not-Call list is kept (a legal record).
TYPED_TEST_P(StoreConformance, ErasingALeadKeepsItsCallsWithoutTheNumber) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(3);
  ASSERT_EQ(jobs.size(), 3u);
  std::sort(jobs.begin(), jobs.end(),
            [](const DialerJob& a, const DialerJob& b) { return a.phone_number < b.phone_number; });
  const TenantId t1{"t1"};
  const CampaignId c1{"c1"};
  // Lead 0 was called: its call ended, with an event and a conversation turn.
  DialerJob called = jobs[0];
  called.status = JobStatus::kProcessing;
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kPending, called));
  CallRecord call = this->MakeCall(called, "vonage-erase-1");
  ASSERT_TRUE(this->store_->RecordCall(call));
  ASSERT_TRUE(this->store_->RecordCallEvent(
      t1, CallEvent{.provider_call_id = "vonage-erase-1",
                    .status = CallStatus::kCompleted,
                    .outcome = CallOutcome::kGoalNotAchieved,
                    .occurred_at = this->clock_.Now() + seconds(30),
                    .payload = {{"to", "12125551000"}, {"status", "completed"}}}));
  ASSERT_TRUE(
      this->store_->AppendConversationTurn(t1, ConversationTurn{.call_id = call.id,
                                                                .text = "Call me on 212 555 1000",
                                                                .at = this->clock_.Now(),
                                                                .stt_latency_ms = 100.5}));
  called.status = JobStatus::kCompleted;
  called.last_outcome = CallOutcome::kGoalNotAchieved;
  called.completed_at = this->clock_.Now();
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kProcessing, called));
  ASSERT_TRUE(this->store_->AddDoNotCall(t1, TestNumber(0), this->clock_.Now()));
  // Lead 2 is on a call now.
  DialerJob in_flight = jobs[2];
  in_flight.status = JobStatus::kProcessing;
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kPending, in_flight));
  ASSERT_EQ(*this->store_->CountOpenJobs(t1, c1), 2);

  // Another tenant's lead is not found, and nothing changes.
  EXPECT_EQ(
      this->store_->EraseLead(TenantId{"t2"}, called.lead_id, this->clock_.Now()).error().code,
      ErrorCode::kNotFound);
  EXPECT_TRUE(this->store_->GetLead(t1, called.lead_id));

  Expected<LeadErasure> erased = this->store_->EraseLead(t1, called.lead_id, this->clock_.Now());
  ASSERT_TRUE(erased) << erased.error().Describe();
  EXPECT_EQ(erased->campaign_id, c1);
  EXPECT_EQ(erased->jobs_closed, 0);
  EXPECT_EQ(erased->calls_kept, 1);
  EXPECT_EQ(this->store_->GetLead(t1, called.lead_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->ListLeads(t1, c1, {})->items.size(), 2u);
  EXPECT_EQ(this->store_->GetCampaign(t1, c1)->total_leads, 2);
  Expected<CallRecord> kept = this->store_->GetCall(t1, call.id);
  ASSERT_TRUE(kept) << kept.error().Describe();
  EXPECT_EQ(kept->to_number, "");
  EXPECT_EQ(kept->status, CallStatus::kCompleted);
  EXPECT_EQ(kept->outcome, CallOutcome::kGoalNotAchieved);
  EXPECT_EQ(kept->created_at, call.created_at);
  EXPECT_TRUE(kept->ended_at.has_value());
  Expected<std::vector<CallEvent>> events = this->store_->ListCallEvents(t1, call.id);
  ASSERT_TRUE(events && events->size() == 1u);
  EXPECT_TRUE(events->front().payload.is_null()) << events->front().payload;
  Expected<std::vector<ConversationTurn>> turns = this->store_->ListConversationTurns(t1, call.id);
  ASSERT_TRUE(turns && turns->size() == 1u);
  EXPECT_EQ(turns->front().text, "");
  EXPECT_EQ(turns->front().stt_latency_ms, 100.5);
  EXPECT_EQ(this->store_->GetJob(t1, called.job_id)->phone_number, "");
  EXPECT_EQ(this->store_->GetJob(t1, called.job_id)->status, JobStatus::kCompleted);
  EXPECT_EQ(
      this->store_->CallsToNumberSince(t1, TestNumber(0), this->clock_.Now() - hours(1))->count, 0);
  EXPECT_TRUE(*this->store_->IsDoNotCall(t1, TestNumber(0)));
  Expected<StoreTally> tally = this->store_->Tally(t1, c1);
  ASSERT_TRUE(tally);
  EXPECT_EQ(tally->calls_total, 1);
  EXPECT_EQ(tally->calls_by_outcome["goal_not_achieved"], 1);
  EXPECT_EQ(this->store_->EraseLead(t1, called.lead_id, this->clock_.Now()).error().code,
            ErrorCode::kNotFound);

  // A waiting job closes, so nothing dials the erased lead.
  Expected<LeadErasure> waiting = this->store_->EraseLead(t1, jobs[1].lead_id, this->clock_.Now());
  ASSERT_TRUE(waiting) << waiting.error().Describe();
  EXPECT_EQ(waiting->jobs_closed, 1);
  Expected<DialerJob> closed = this->store_->GetJob(t1, jobs[1].job_id);
  EXPECT_EQ(closed->status, JobStatus::kNonRetryable);
  EXPECT_EQ(closed->last_error, "lead_erased");
  EXPECT_EQ(closed->phone_number, "");
  EXPECT_EQ(*this->store_->CountOpenJobs(t1, c1), 1);

  // A lead on a call in flight waits for the call to end; nothing changes meanwhile.
  Expected<LeadErasure> busy = this->store_->EraseLead(t1, in_flight.lead_id, this->clock_.Now());
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->store_->GetLead(t1, in_flight.lead_id)->phone_number, TestNumber(2));
  EXPECT_EQ(this->store_->GetJob(t1, in_flight.job_id)->status, JobStatus::kProcessing);
  EXPECT_EQ(this->store_->GetCampaign(t1, c1)->total_leads, 1);
}

TYPED_TEST_P(StoreConformance, DeletingACampaignThatIsNotRunning) {
  std::vector<DialerJob> jobs = this->StartCampaignWithLeads(2);
  ASSERT_EQ(jobs.size(), 2u);
  const TenantId t1{"t1"};
  const CampaignId c1{"c1"};
  ASSERT_TRUE(
      this->store_->UpdateCampaignStatus(t1, c1, CampaignStatus::kRunning, this->clock_.Now()));
  Expected<CampaignDeletion> running = this->store_->DeleteCampaign(t1, c1);
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(
      this->store_->UpdateCampaignStatus(t1, c1, CampaignStatus::kPaused, this->clock_.Now()));
  // Paused with a call still in flight: not yet, and nothing is deleted.
  DialerJob job = jobs[0];
  job.status = JobStatus::kProcessing;
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kPending, job));
  CallRecord call = this->MakeCall(job, "vonage-delete-1");
  ASSERT_TRUE(this->store_->RecordCall(call));
  Expected<CampaignDeletion> busy = this->store_->DeleteCampaign(t1, c1);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->store_->ListLeads(t1, c1, {})->items.size(), 2u);
  EXPECT_TRUE(this->store_->GetJob(t1, jobs[1].job_id));
  // Another tenant's campaign is not found.
  EXPECT_EQ(this->store_->DeleteCampaign(TenantId{"t2"}, c1).error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(
      this->store_->RecordCallEvent(t1, CallEvent{.provider_call_id = "vonage-delete-1",
                                                  .status = CallStatus::kCompleted,
                                                  .outcome = CallOutcome::kBusy,
                                                  .occurred_at = this->clock_.Now() + seconds(5),
                                                  .payload = {{"to", "12125551000"}}}));
  job.status = JobStatus::kFailed;
  ASSERT_TRUE(this->store_->UpdateJob(t1, JobStatus::kProcessing, job));
  ASSERT_TRUE(this->store_->AddDoNotCall(t1, TestNumber(1), this->clock_.Now()));
  Expected<CampaignDeletion> deleted = this->store_->DeleteCampaign(t1, c1);
  ASSERT_TRUE(deleted) << deleted.error().Describe();
  EXPECT_EQ(deleted->leads_erased, 2);
  EXPECT_EQ(deleted->jobs_deleted, 2);
  EXPECT_EQ(deleted->calls_kept, 1);
  EXPECT_EQ(this->store_->GetCampaign(t1, c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->GetJob(t1, jobs[1].job_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store_->GetLead(t1, jobs[1].lead_id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(this->store_->ListOpenJobs({})->items.empty());
  Expected<CallRecord> kept = this->store_->GetCall(t1, call.id);
  ASSERT_TRUE(kept) << kept.error().Describe();
  EXPECT_EQ(kept->to_number, "");
  EXPECT_EQ(kept->outcome, CallOutcome::kBusy);
  EXPECT_TRUE(this->store_->ListCallEvents(t1, call.id)->front().payload.is_null());
  Expected<StoreTally> tenant_tally = this->store_->Tally(t1, std::nullopt);
  ASSERT_TRUE(tenant_tally);
  EXPECT_EQ(tenant_tally->calls_total, 1);
  EXPECT_EQ(tenant_tally->calls_by_outcome["busy"], 1);
  EXPECT_TRUE(*this->store_->IsDoNotCall(t1, TestNumber(1)));
  // The other tenant's campaign is untouched.
  EXPECT_TRUE(this->store_->GetCampaign(TenantId{"t2"}, CampaignId{"c2"}));
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreConformance, BatchesWriteEachItemAsItsOwnMethodWould, AGroupOfCompletionsCountsEachOfThem,
    TenantRoundTripsAndIsFoundByApiKeyHash, TenantsAreListedInIdOrderPageByPage,
    BadTenantIsRefusedNamingEachField, UnknownDefaultRegionIsRefusedOnCreateAndUpdate,
    CampaignsRoundTripAndPageInCreationOrder, CampaignOfUnknownTenantIsRefusedNamingTheField,
    CampaignStatusMovesOnlyAlongAllowedTransitions, ImportStoresLeadsInE164AndCountsThem,
    LeadsPageInPhoneNumberOrder, FailedImportWritesNothingAndListsEveryBadRow,
    LargeImportIsAllOrNothingAcrossChunks, ImportRefusesALeadAlreadyInTheCampaign,
    ImportIntoUnknownOrForeignCampaignNamesTheCampaign, OneTenantCannotReadOrChangeAnothersRows,
    CampaignStartCreatesOneJobPerPendingLeadOnce, JobCompareAndSetNeverReopensAFinishedJob,
    OpenJobsAreListedForTheQueueToRebuild, LeadBookkeepingCountsAttempts,
    CallEventsAreIdempotentAndOnlyMoveForward, AVoicemailVerdictAfterTheAnswerSetsTheOutcomeOnce,
    CallsToANumberInTheLastDayAreCounted, CompletionWritesEverythingOrNothing,
    CallCarriesItsJobsLeaseTokenToWhoeverFindsIt, CallsAreFilteredByOutcomeAndCreationTime,
    DoNotCallListIsPerTenantAndNormalised, ConversationTurnsKeepTheirOrderAndLatencies,
    CallRecordingsRoundTripAndGoWithTheLead, ReopeningKeepsDataAndMigratesOnce,
    ConcurrentWritersFromFourThreads, ConcurrentWritersFromTwoProcesses,
    WaitingJobsCloseForDoNotCallOrAll, TallyCountsJobsCallsAttemptsAndSkipsPerCampaign,
    ErasingALeadKeepsItsCallsWithoutTheNumber, DeletingACampaignThatIsNotRunning);

}  // namespace
}  // namespace talky
