#include "bench/bench_dialer_command.h"

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/cli.h"
#include "app/open_records.h"
#include "app/open_store.h"
#include "bench/bench_database.h"
#include "bench/cpu_time.h"
#include "dialer/dialer_worker.h"
#include "telephony/simulated/simulated_telephony.h"

namespace talky {
namespace {

// Every day, every hour, in UTC; UK numbers carry no US legal floor: no call is held back.
CallingRules OpenAllDay() {
  CallingRules rules;
  rules.timezone = "UTC";
  rules.time_window_start = std::chrono::minutes(0);
  rules.time_window_end = std::chrono::hours(23) + std::chrono::minutes(59);
  rules.allowed_days = {0, 1, 2, 3, 4, 5, 6};
  rules.max_concurrent_calls = 100;
  return rules;
}

}  // namespace

BenchDialerCommand::BenchDialerCommand(CLI::App& app) {
  dialer_ = BenchGroup(app)->add_subcommand(
      "dialer", "A campaign through the workers and the simulated provider; one JSON line");
  dialer_->add_option(
      "--database-url", database_url_,
      "postgresql://... or sqlite:PATH (default: a new SQLite file, removed after)");
  dialer_->add_option("--redis-url", redis_url_, "Redis queue (default: the embedded queue)");
  dialer_->add_option("--leads", leads_, "Leads in all")->check(CLI::Range(1, 10'000'000));
  dialer_->add_option("--tenants", tenants_, "Tenants, one campaign each")
      ->check(CLI::Range(1, 1000));
  dialer_->add_option("--workers", workers_, "Worker loops")->check(CLI::Range(1, 256));
  dialer_->add_option("--max-calls", max_calls_, "Calls in flight per worker loop")
      ->check(CLI::Range(1, 1'000'000));
}

bool BenchDialerCommand::Selected() const { return dialer_->parsed(); }

int BenchDialerCommand::Run(std::ostream& out, std::ostream& err) const {
  const std::string run = std::to_string(::getpid());
  const BenchDatabase database(database_url_, "dialer");
  const std::string& url = database.url();
  auto fail = [&](const Error& error) {
    err << "talky bench dialer: " << error.Describe() << "\n";
    return error.code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  };

  SystemClock clock;
  TimeOrderedIdGenerator ids;
  Expected<Records> records = OpenRecords(url, redis_url_, clock, ids, workers_ + 4);
  if (!records) return fail(records.error());

  // Setup, not timed: tenants, campaigns, leads, jobs in the queue.
  for (int t = 0; t < tenants_; ++t) {
    const TenantId tenant{"bench-" + run + "-t" + std::to_string(t)};
    const CampaignId campaign{tenant.value + "-c"};
    if (Expected<void> created = records->store->CreateTenant(Tenant{.id = tenant,
                                                                     .name = tenant.value,
                                                                     .api_key_hash = tenant.value,
                                                                     .rules = OpenAllDay()});
        !created) {
      return fail(created.error());
    }
    if (Expected<void> created =
            records->store->CreateCampaign(Campaign{.id = campaign,
                                                    .tenant_id = tenant,
                                                    .name = "bench",
                                                    .system_prompt = "-",
                                                    .voice_id = "-",
                                                    .max_concurrent_calls = 100,
                                                    .created_at = clock.Now()});
        !created) {
      return fail(created.error());
    }
    std::vector<Lead> leads;
    for (int i = t; i < leads_; i += tenants_) {
      leads.push_back(Lead{.phone_number = "+44207" + std::to_string(1'000'000 + i)});
    }
    if (auto imported = records->store->ImportLeads(tenant, campaign, leads); !imported) {
      return fail(imported.error());
    }
    Expected<std::vector<DialerJob>> jobs =
        records->store->CreateCampaignJobs(tenant, campaign, clock.Now());
    if (!jobs) return fail(jobs.error());
    (void)records->store->UpdateCampaignStatus(tenant, campaign, CampaignStatus::kRunning,
                                               clock.Now());
    if (auto enqueued = records->queue->Enqueue(*jobs); !enqueued) return fail(enqueued.error());
  }

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::unique_ptr<DialerWorker>> workers;
  std::vector<std::unique_ptr<SimulatedTelephony>> providers;
  for (int w = 0; w < workers_; ++w) {
    workers.push_back(
        std::make_unique<DialerWorker>(*records->queue, *records->store, clock, ids,
                                       DialerWorkerOptions{.max_calls_in_flight = max_calls_}));
    providers.push_back(std::make_unique<SimulatedTelephony>(
        io, clock, *workers.back(),
        SimulatedTelephonyOptions{.timing = {.ring_time = {}, .talk_time = {}}}));
    workers.back()->SetProvider(*providers.back());
  }

  const double cpu_before = ProcessCpuSeconds();
  const auto started_at = std::chrono::steady_clock::now();
  std::thread io_thread([&io] { io.run(); });
  std::vector<std::jthread> loops;
  for (auto& worker : workers) {
    loops.emplace_back([&worker](std::stop_token stop) { worker->Run(stop); });
  }
  int64_t handled = 0, calls = 0;
  int peak_in_flight = 0;
  while (handled < leads_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    handled = calls = 0;
    int in_flight = 0;
    for (const auto& worker : workers) {
      const DialerWorkerStats stats = worker->Stats();
      handled += stats.calls_completed + stats.jobs_refused + stats.jobs_deferred;
      calls += stats.calls_started;
      in_flight += worker->CallsInFlight();
    }
    peak_in_flight = std::max(peak_in_flight, in_flight);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
  const double cpu = ProcessCpuSeconds() - cpu_before;
  for (std::jthread& loop : loops) loop.request_stop();
  loops.clear();
  work.reset();
  io.stop();
  io_thread.join();

  out << nlohmann::json{{"queue", redis_url_.empty() ? "embedded" : "redis"},
                        {"store", ParseDatabaseUrl(url)->dialect == SqlDialect::kSqlite
                                      ? "sqlite"
                                      : "postgresql"},
                        {"leads", leads_},
                        {"tenants", tenants_},
                        {"workers", workers_},
                        {"calls_started", calls},
                        {"seconds", std::round(seconds * 1000) / 1000},
                        {"calls_started_per_s", std::round(static_cast<double>(calls) / seconds)},
                        {"cpu_us_per_call", std::round(cpu * 1e6 / static_cast<double>(calls))},
                        {"peak_calls_in_flight", peak_in_flight}}
             .dump()
      << "\n";
  return kExitOk;
}

}  // namespace talky
