#include "bench/bench_store_command.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "app/cli.h"
#include "app/open_store.h"
#include "bench/bench_database.h"
#include "domain/clock.h"
#include "store/id_generator.h"

namespace talky {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Distinct valid US numbers: ten area codes, exchanges from 200, every line number.
std::string BenchNumber(int i) {
  static constexpr const char* kAreas[] = {"212", "312", "415", "617", "646",
                                           "702", "713", "718", "805", "917"};
  int rest = i / 10;
  int exchange = 200 + (rest / 10'000) % 700;
  int line = rest % 10'000;
  char text[16];
  std::snprintf(text, sizeof(text), "+1%s%03d%04d", kAreas[i % 10], exchange, line);
  return text;
}

}  // namespace

BenchStoreCommand::BenchStoreCommand(CLI::App& app) {
  store_ = BenchGroup(app)->add_subcommand("store",
                                           "Bulk lead import and job status updates per second");
  store_->add_option("--database-url", database_url_,
                     "postgresql://... or sqlite:PATH (default: a new SQLite file, removed after)");
  store_->add_option("--leads", leads_, "Leads to import in one go")
      ->check(CLI::Range(1, 10'000'000));
  store_->add_option("--updates", updates_, "Job updates to time")
      ->check(CLI::Range(1, 100'000'000));
  store_->add_option("--connections", connections_, "Threads, one connection each")
      ->check(CLI::Range(1, 64));
}

bool BenchStoreCommand::Selected() const { return store_->parsed(); }

int BenchStoreCommand::Run(std::ostream& out, std::ostream& err) const {
  const BenchDatabase database(database_url_, "store");
  const std::string& url = database.url();

  Expected<DatabaseTarget> target = ParseDatabaseUrl(url);
  if (!target) {
    err << "talky bench store: " << target.error().Describe() << "\n";
    return kExitUsage;
  }
  SystemClock clock;
  // Fresh ids per run, so repeated runs against one PostgreSQL database do not collide.
  TimeOrderedIdGenerator ids;
  Expected<std::unique_ptr<Store>> opened = OpenStore(*target, clock, ids, connections_);
  if (!opened) {
    err << "talky bench store: " << opened.error().Describe() << "\n";
    return kExitFailure;
  }
  Store& store = **opened;
  auto fail = [&](std::string_view step, const Error& error) {
    err << "talky bench store: " << step << ": " << error.Describe() << "\n";
    return kExitFailure;
  };

  std::string run = ids.Next();
  TenantId tenant{"bench-" + run};
  CampaignId campaign{"bench-" + run};
  if (Expected<void> created =
          store.CreateTenant({.id = tenant, .name = "bench", .api_key_hash = "bench-" + run});
      !created) {
    return fail("creating the tenant", created.error());
  }
  if (Expected<void> created = store.CreateCampaign({.id = campaign,
                                                     .tenant_id = tenant,
                                                     .name = "bench",
                                                     .system_prompt = "bench",
                                                     .voice_id = "bench",
                                                     .created_at = clock.Now()});
      !created) {
    return fail("creating the campaign", created.error());
  }

  out << "backend: " << (target->dialect == SqlDialect::kPostgres ? "postgresql" : "sqlite")
      << ", leads: " << leads_ << ", updates: " << updates_ << ", connections: " << connections_
      << "\n";
  std::vector<Lead> leads(static_cast<size_t>(leads_));
  for (int i = 0; i < leads_; ++i) {
    Lead& lead = leads[static_cast<size_t>(i)];
    lead.phone_number = BenchNumber(i);
    lead.first_name = "Lead";
    lead.last_name = std::to_string(i);
    lead.custom_fields = {{"source", "bench"}};
    lead.tags = {"bench"};
  }

  SteadyClock::time_point start = SteadyClock::now();
  Expected<ImportResult> imported = store.ImportLeads(tenant, campaign, leads);
  if (!imported) return fail("importing leads", imported.error());
  double import_seconds = SecondsSince(start);
  out << "import: " << imported->imported << " leads in " << import_seconds << " s ("
      << static_cast<long long>(imported->imported / import_seconds) << " leads/s)\n";
  leads.clear();
  leads.shrink_to_fit();

  start = SteadyClock::now();
  Expected<std::vector<DialerJob>> jobs = store.CreateCampaignJobs(tenant, campaign, clock.Now());
  if (!jobs) return fail("creating jobs", jobs.error());
  double start_seconds = SecondsSince(start);
  out << "campaign start: " << jobs->size() << " jobs in " << start_seconds << " s\n";

  // Each thread owns a slice of the jobs and walks them through a cycle of compare-and-sets
  // (pending -> processing -> retry_scheduled -> pending), so no update is a lost race.
  std::atomic<long long> done{0};
  std::atomic<long long> failures{0};
  std::atomic<bool> failed_once{false};
  Error first_failure;
  start = SteadyClock::now();
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < connections_; ++t) {
      threads.emplace_back([&, t] {
        constexpr JobStatus kCycle[] = {JobStatus::kPending, JobStatus::kProcessing,
                                        JobStatus::kRetryScheduled};
        std::vector<DialerJob> mine;
        for (size_t i = static_cast<size_t>(t); i < jobs->size();
             i += static_cast<size_t>(connections_)) {
          mine.push_back((*jobs)[i]);
        }
        if (mine.empty()) return;
        long long share = updates_ / connections_ + (t < updates_ % connections_ ? 1 : 0);
        for (long long n = 0; n < share; ++n) {
          DialerJob& job = mine[static_cast<size_t>(n) % mine.size()];
          JobStatus expected = job.status;
          size_t at = 0;
          while (kCycle[at] != expected) ++at;
          job.status = kCycle[(at + 1) % 3];
          Expected<void> updated = store.UpdateJob(tenant, expected, job);
          if (updated) {
            ++done;
          } else {
            ++failures;
            if (!failed_once.exchange(true)) first_failure = updated.error();
            job.status = expected;
          }
        }
      });
    }
  }
  double update_seconds = SecondsSince(start);
  if (failures > 0) return fail("updating jobs", first_failure);
  out << "job updates: " << done.load() << " in " << update_seconds << " s ("
      << static_cast<long long>(static_cast<double>(done.load()) / update_seconds)
      << " updates/s)\n";
  return kExitOk;
}

}  // namespace talky
