#include "bench/bench_webhooks_command.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "app/cli.h"
#include "app/open_records.h"
#include "app/open_store.h"
#include "app/talky_server.h"
#include "bench/bench_database.h"
#include "bench/figures.h"
#include "bench/http_load.h"
#include "telephony/vonage/vonage_jwt.h"

namespace talky {
namespace {

constexpr char kProviderCallIdPrefix[] = "bench-";

// A Vonage `ringing` event as Vonage POSTs it (numbers without '+'); "{n}" is the load tool's
// per-request number, so request n reports call "bench-n".
constexpr char kRingingEventTemplate[] =
    R"({"from":"442070000000","to":"442071000000","uuid":"bench-{n}",)"
    R"("conversation_uuid":"CON-bench-{n}","status":"ringing","direction":"outbound",)"
    R"("timestamp":"2026-11-21T12:00:00.000Z"})";

}  // namespace

BenchWebhooksCommand::BenchWebhooksCommand(CLI::App& app) {
  webhooks_ = BenchGroup(app)->add_subcommand(
      "webhooks", "Vonage event webhooks per second against an in-process server; one JSON line");
  webhooks_->add_option(
      "--database-url", database_url_,
      "postgresql://... or sqlite:PATH (default: a new SQLite file, removed after)");
  webhooks_->add_option("--redis-url", redis_url_, "Redis queue (default: the embedded queue)");
  webhooks_->add_option("--calls", calls_, "Calls seeded (one event each)")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  webhooks_->add_option("--connections", connections_, "Keep-alive connections")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  webhooks_->add_option("--duration-seconds", duration_seconds_, "How long to send events")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  webhooks_
      ->add_option("--server-threads", server_threads_, "Server threads (0: the server's default)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  webhooks_->add_option("--load-threads", load_threads_, "Threads driving the connections")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
}

bool BenchWebhooksCommand::Selected() const { return webhooks_->parsed(); }

int BenchWebhooksCommand::Run(std::ostream& out, std::ostream& err) const {
  const std::string run = std::to_string(::getpid());
  const BenchDatabase database(database_url_, "webhooks");
  auto fail = [&](const Error& error) {
    err << "talky bench webhooks: " << error.Describe() << "\n";
    return error.code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  };

  SystemClock clock;
  TimeOrderedIdGenerator ids;
  const int server_threads = server_threads_ > 0 ? server_threads_ : DefaultServerThreads();
  Expected<Records> records =
      OpenRecords(database.url(), redis_url_, clock, ids, server_threads + 2);
  if (!records) return fail(records.error());

  // Setup, not timed: a tenant, a campaign, N leads and jobs, and one call per job as a worker
  // records it when the provider accepts the call.
  const auto seed_started = std::chrono::steady_clock::now();
  const TenantId tenant{"bench-" + run};
  const CampaignId campaign{tenant.value + "-c"};
  if (Expected<void> created = records->store->CreateTenant(
          Tenant{.id = tenant, .name = tenant.value, .api_key_hash = tenant.value});
      !created) {
    return fail(created.error());
  }
  if (Expected<void> created = records->store->CreateCampaign(Campaign{.id = campaign,
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
  leads.reserve(static_cast<std::size_t>(calls_));
  for (int i = 0; i < calls_; ++i) {
    leads.push_back(Lead{.phone_number = "+44207" + std::to_string(1'000'000 + i)});
  }
  if (auto imported = records->store->ImportLeads(tenant, campaign, leads); !imported) {
    return fail(imported.error());
  }
  Expected<std::vector<DialerJob>> jobs =
      records->store->CreateCampaignJobs(tenant, campaign, clock.Now());
  if (!jobs) return fail(jobs.error());
  std::vector<CallId> call_ids;
  call_ids.reserve(jobs->size());
  for (std::size_t i = 0; i < jobs->size(); ++i) {
    const DialerJob& job = (*jobs)[i];
    const std::string n = std::to_string(i + 1);
    CallRecord call{.id = CallId{tenant.value + "-call-" + n},
                    .tenant_id = tenant,
                    .campaign_id = campaign,
                    .lead_id = job.lead_id,
                    .job_id = job.job_id,
                    .provider_call_id = kProviderCallIdPrefix + n,
                    .to_number = job.phone_number,
                    .created_at = clock.Now(),
                    .lease_token = "bench-lease-" + n};
    if (Expected<void> recorded = records->store->RecordCall(call); !recorded) {
      return fail(recorded.error());
    }
    call_ids.push_back(call.id);
  }
  const double seed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - seed_started).count();

  TalkyServerOptions server_options;
  server_options.http.address = "127.0.0.1";
  server_options.http.port = 0;
  server_options.http.threads = server_threads;
  server_options.admin_key = "bench-admin-" + run;
  // Every request signed as Vonage signs it: its own JWT (a new token id) over its own body.
  server_options.vonage.signature_secret = "bench-signature-secret-" + run;
  TalkyServer server(*records->store, *records->queue, clock, ids, server_options);
  Expected<int> port = server.Start();
  if (!port) return fail(port.error());

  HttpLoadOptions load;
  load.url = "http://127.0.0.1:" + std::to_string(*port) + "/webhooks/vonage/event";
  load.method = "POST";
  load.body_template = kRingingEventTemplate;
  load.headers = {{"Content-Type", "application/json"}};
  std::atomic<uint64_t> signed_requests{0};
  load.sign = [&](std::string_view body) {
    return SignVonageWebhook(body, server_options.vonage.signature_secret, clock.Now(),
                             "bench-" + run + "-" + std::to_string(++signed_requests));
  };
  load.connections = connections_;
  load.threads = load_threads_;
  load.duration = std::chrono::milliseconds(static_cast<long>(duration_seconds_ * 1000));
  // Requests past the seeded calls name unknown calls, which the intake logs one warning each:
  // counted in the JSON line instead of flooding the terminal (and the timing) with them.
  const spdlog::level::level_enum log_level = spdlog::get_level();
  spdlog::set_level(std::max(log_level, spdlog::level::err));
  Expected<HttpLoadResult> result = RunHttpLoad(load);
  server.Stop();
  spdlog::set_level(log_level);
  if (!result) return fail(result.error());

  // Count what reached the store: the events of the calls the requests named.
  const auto addressed =
      static_cast<std::size_t>(std::min<int64_t>(result->requests, static_cast<int64_t>(calls_)));
  int64_t events_recorded = 0;
  for (std::size_t i = 0; i < addressed; ++i) {
    Expected<std::vector<CallEvent>> events = records->store->ListCallEvents(tenant, call_ids[i]);
    if (!events) return fail(events.error());
    events_recorded += static_cast<int64_t>(events->size());
  }

  nlohmann::json statuses = nlohmann::json::object();
  for (const auto& [status, count] : result->statuses) statuses[std::to_string(status)] = count;
  out << nlohmann::json{{"backend", std::string(ParseDatabaseUrl(database.url())->dialect ==
                                                        SqlDialect::kSqlite
                                                    ? "sqlite"
                                                    : "postgresql") +
                                        "+" + (redis_url_.empty() ? "embedded-queue" : "redis")},
                        {"calls_seeded", calls_},
                        {"seed_seconds", Round3(seed_seconds)},
                        {"connections", connections_},
                        {"server_threads", server_threads},
                        {"load_threads", load_threads_},
                        {"seconds", Round3(result->seconds)},
                        {"requests", result->requests},
                        {"errors", result->errors},
                        {"statuses", statuses},
                        {"events_per_s", std::round(result->RequestsPerSecond())},
                        {"p50_ms", Round3(result->p50_ms)},
                        {"p99_ms", Round3(result->p99_ms)},
                        {"max_ms", Round3(result->max_ms)},
                        {"events_recorded", events_recorded},
                        {"requests_past_seeded_calls",
                         std::max<int64_t>(0, result->requests - calls_)}}
             .dump()
      << "\n";
  return kExitOk;
}

}  // namespace talky
