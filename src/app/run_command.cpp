#include "app/run_command.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "app/admin_key.h"
#include "app/cli.h"
#include "app/open_queue.h"
#include "app/open_store.h"
#include "app/run_conversations.h"
#include "app/run_progress.h"
#include "app/serve_command.h"
#include "app/stop_signals.h"
#include "app/talky_server.h"
#include "app/worker_pool.h"
#include "campaigns/campaign_file.h"
#include "campaigns/campaign_service.h"
#include "campaigns/lead_csv.h"
#include "dialer/dialer_worker.h"
#include "domain/scaled_clock.h"
#include "http/api/api_auth.h"
#include "telephony/simulated/simulated_telephony.h"

namespace talky {
namespace {

using namespace std::chrono;

// What one core keeps up with at 4x real time (speech recognition is most of the cost): more at
// once and the audio falls behind, turns go astray.
constexpr int kConversationsPerCore = 12;

// One campaign of this run: its store ids and the leads it gets from the CSV.
struct RunCampaign {
  std::string key;
  Campaign campaign;
  std::vector<Lead> leads;
  std::vector<int> lines;  // each lead's line in the CSV, for error messages
};

Expected<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::unexpected(Error::NotFound(fmt::format("cannot read the {} '{}'", what, path)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ValueOf(const nlohmann::json& fields, const char* key) {
  auto it = fields.find(key);
  return it != fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Which campaign each lead belongs to: its `campaign` column (a campaign's key), else its
// `tenant` column when that tenant has one campaign in the file, else the file's only campaign.
// Both columns are taken out of the lead's custom fields.
Expected<void> AssignLeads(CsvLeads csv, const std::string& leads_path,
                           std::vector<RunCampaign>& campaigns) {
  std::map<std::string, RunCampaign*> by_key;
  std::map<std::string, std::vector<RunCampaign*>> by_tenant;
  for (RunCampaign& campaign : campaigns) {
    by_key[campaign.key] = &campaign;
    by_tenant[campaign.campaign.tenant_id.value].push_back(&campaign);
  }
  std::vector<FieldError> errors;
  for (size_t i = 0; i < csv.leads.size(); ++i) {
    Lead& lead = csv.leads[i];
    const std::string key = ValueOf(lead.custom_fields, "campaign");
    const std::string tenant = ValueOf(lead.custom_fields, "tenant");
    lead.custom_fields.erase("campaign");
    lead.custom_fields.erase("tenant");
    RunCampaign* target = nullptr;
    std::string problem;
    if (!key.empty()) {
      auto it = by_key.find(key);
      if (it != by_key.end())
        target = it->second;
      else
        problem = fmt::format("campaign '{}' is not a key in the campaign file", key);
    } else if (!tenant.empty()) {
      auto it = by_tenant.find(tenant);
      if (it != by_tenant.end() && it->second.size() == 1)
        target = it->second.front();
      else
        problem = fmt::format("tenant '{}' does not have exactly one campaign in the file", tenant);
    } else if (campaigns.size() == 1) {
      target = &campaigns.front();
    } else {
      problem = "has no campaign column (needed with several campaigns in the file)";
    }
    if (!target) {
      errors.push_back({fmt::format("leads[{}].campaign", i),
                        fmt::format("{} line {}: {}", leads_path, csv.lines[i], problem)});
      continue;
    }
    target->leads.push_back(std::move(lead));
    target->lines.push_back(csv.lines[i]);
  }
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument(
        fmt::format("{}: leads that belong to no campaign", leads_path), std::move(errors)));
  }
  return {};
}

// The store names a bad lead "leads[j].field" within one import; point it at the CSV line.
Error WithCsvLines(Error error, const RunCampaign& campaign, const std::string& leads_path) {
  for (FieldError& field : error.fields) {
    size_t index = 0;
    if (std::sscanf(field.field.c_str(), "leads[%zu]", &index) == 1 &&
        index < campaign.lines.size()) {
      field.message =
          fmt::format("{} line {}: {}", leads_path, campaign.lines[index], field.message);
    }
  }
  return error;
}

// A redrawn line must not wrap: cut to the terminal's width.
std::string FitToTerminal(std::string line) {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1 &&
      line.size() >= size.ws_col) {
    line.resize(size.ws_col - 1u);
  }
  return line;
}

}  // namespace

RunCommand::RunCommand(CLI::App& app) {
  run_ = app.add_subcommand(
      "run",
      "Everything in one process: API, workers, SQLite and the embedded queue; with --campaign, "
      "play a campaign to its end and print a report");
  run_->option_defaults()->always_capture_default();  // --help shows each default
  run_->add_option("--campaign", campaign_path_,
                   "Campaign file (TOML): tenants and campaigns to create and start");
  run_->add_option("--leads", leads_path_,
                   "Leads (CSV with a header row); a `campaign` column names the campaign's key");
  run_->add_option("--database-url", database_url_,
                   "sqlite:PATH or postgresql://... (default: ./talky.db; with --campaign a fresh "
                   "SQLite file in a new temporary folder)");
  run_->add_option("--redis-url", redis_url_,
                   "Redis queue shared with other processes (default: the embedded queue)");
  run_->add_option("--listen", listen_, "Where the HTTP API listens, HOST:PORT");
  run_->add_option("--admin-key", admin_key_,
                   "The key that creates tenants over the API (default: $TALKY_ADMIN_KEY, else a "
                   "new random key, printed)");
  run_->add_option("--workers", workers_, "Dialer worker loops")->check(CLI::Range(1, 256));
  run_->add_option("--max-calls", max_calls_, "Calls in flight per worker loop")
      ->check(CLI::Range(1, 100'000));
  run_->add_option("--ring-time-ms", ring_time_ms_, "Simulated provider: ring time")
      ->check(CLI::Range(0, 600'000));
  run_->add_option("--talk-time-ms", talk_time_ms_, "Simulated provider: talk time")
      ->check(CLI::Range(0, 3'600'000));
  run_->add_option("--speed", speed_,
                   "Run a simulated clock this many times faster than real time (embedded only; "
                   "default: the real clock)")
      ->check(CLI::Range(0.001, 1'000'000.0))
      ->default_str("");  // 0 stands for "not given"; the description says what that means
  run_->add_option("--start-at", start_at_,
                   "With --speed: the simulated clock starts at this ISO-8601 instant, not now");
  run_->add_option("--seed", seed_, "Simulated provider: seed of the outcome mix");
  run_->add_option("--progress", progress_,
                   "auto (redrawn line on a terminal, periodic lines otherwise), lines or none")
      ->check(CLI::IsMember({"auto", "lines", "none"}));
  run_->add_option("--voice", voice_,
                   "on: answered calls speak with simulated callees over the media WebSocket; "
                   "off: they are silent and last --talk-time-ms")
      ->check(CLI::IsMember({"on", "off"}));
  run_->add_option("--media-speed", media_speed_,
                   "How many times faster than real time the calls' audio runs")
      ->check(CLI::Range(0.5, 20.0));
  run_->add_option("--max-conversations", max_conversations_,
                   "Answered calls talking at once; more ring until a line is free (0: " +
                       std::to_string(kConversationsPerCore) + " per core)")
      ->check(CLI::Range(0, 10'000));
}

bool RunCommand::Selected() const { return run_->parsed(); }

int RunCommand::Run(std::ostream& out, std::ostream& err) const {
  const bool with_campaign = !campaign_path_.empty();
  if (speed_ > 0 && !redis_url_.empty()) {
    err << "talky run: --speed needs the embedded queue: a simulated clock cannot be shared with "
           "other processes through Redis. Leave out --redis-url, or --speed.\n";
    return kExitUsage;
  }
  Expected<ListenAddress> listen = ParseListenAddress(listen_);
  if (!listen) {
    err << "talky run: " << listen.error().Describe() << "\n";
    return kExitUsage;
  }
  Expected<AdminKey> resolved_key = ResolveAdminKey(admin_key_);
  if (!resolved_key) {
    err << "talky run: " << resolved_key.error().Describe() << "\n";
    return kExitFailure;
  }
  const std::string admin_key = resolved_key->key;
  const bool generated_key = resolved_key->generated;
  std::optional<Instant> start_at;
  if (!start_at_.empty()) {
    Expected<Instant> parsed = ParseIso8601(start_at_);
    if (!parsed || speed_ <= 0) {
      err << "talky run: --start-at needs --speed and an ISO-8601 instant such as "
             "2026-11-23T02:00:00Z\n";
      return kExitUsage;
    }
    start_at = *parsed;
  }
  if (with_campaign != !leads_path_.empty()) {
    err << "talky run: --campaign and --leads go together (the campaigns, and the leads to call)\n";
    return kExitUsage;
  }

  // Bad files are found before anything is created.
  Expected<CampaignFile> file = CampaignFile{};
  std::vector<RunCampaign> campaigns;
  if (with_campaign) {
    file = LoadCampaignFile(campaign_path_);
    if (!file) {
      err << "talky run: " << file.error().Describe() << "\n";
      return kExitUsage;
    }
    Expected<std::string> text = ReadFile(leads_path_, "leads file");
    if (!text) {
      err << "talky run: " << text.error().Describe() << "\n";
      return kExitUsage;
    }
    Expected<CsvLeads> csv = ParseLeadsCsvWithLines(*text);
    if (!csv) {
      err << "talky run: " << leads_path_ << ": " << csv.error().Describe() << "\n";
      return kExitUsage;
    }
    for (const CampaignFileEntry& entry : file->campaigns) {
      campaigns.push_back({.key = entry.key, .campaign = entry.campaign});
    }
    if (Expected<void> assigned = AssignLeads(std::move(*csv), leads_path_, campaigns); !assigned) {
      err << "talky run: " << assigned.error().Describe() << "\n";
      return kExitUsage;
    }
  }

  const sigset_t stop_signals = BlockStopSignals();  // before any thread starts

  SystemClock system_clock;
  const Instant start = start_at.value_or(system_clock.Now());
  const steady_clock::time_point real_start = steady_clock::now();
  std::optional<ScaledClock> scaled;
  if (speed_ > 0) scaled.emplace(start, speed_);
  Clock& clock = scaled ? static_cast<Clock&>(*scaled) : system_clock;

  std::string database_url = database_url_;
  if (database_url.empty() && with_campaign) {
    std::string folder = (std::filesystem::temp_directory_path() / "talky-run-XXXXXX").string();
    if (mkdtemp(folder.data()) == nullptr) {
      err << "talky run: cannot create a temporary folder for the database\n";
      return kExitFailure;
    }
    database_url = "sqlite:" + folder + "/talky.db";
  }
  Expected<DatabaseTarget> target = ParseDatabaseUrl(database_url);
  if (!target) {
    err << "talky run: " << target.error().Describe() << "\n";
    return kExitUsage;
  }
  RandomIdGenerator ids(std::random_device{}());
  Expected<std::unique_ptr<Store>> store = OpenStore(*target, clock, ids, workers_ + 4);
  if (!store) {
    err << "talky run: " << store.error().Describe() << "\n";
    return kExitFailure;
  }
  Expected<std::unique_ptr<JobQueue>> queue = OpenQueue(redis_url_, **store, clock);
  if (!queue) {
    err << "talky run: " << queue.error().Describe() << "\n";
    return kExitFailure;
  }
  CampaignService service(**store, **queue, clock);

  // Tenants and campaigns from the file; a tenant that exists keeps its id and API key.
  for (Tenant& tenant : file->tenants) {
    Expected<Tenant> existing = (*store)->GetTenant(tenant.id);
    Expected<void> written;
    if (existing) {
      tenant.api_key_hash = existing->api_key_hash;
      written = (*store)->UpdateTenant(tenant);
      out << fmt::format("tenant {}: exists; rules updated from {}\n", tenant.id.value,
                         campaign_path_);
    } else {
      Expected<std::string> key = NewApiKey();
      if (!key) {
        err << "talky run: " << key.error().Describe() << "\n";
        return kExitFailure;
      }
      tenant.api_key_hash = HashApiKey(*key);
      written = (*store)->CreateTenant(tenant);
      if (written) out << fmt::format("tenant {}: created; API key {}\n", tenant.id.value, *key);
    }
    if (!written) {
      err << "talky run: tenant '" << tenant.id.value << "': " << written.error().Describe()
          << "\n";
      return kExitFailure;
    }
  }
  for (RunCampaign& run : campaigns) {
    run.campaign.id = CampaignId{ids.Next()};
    run.campaign.created_at = clock.Now();
    if (Expected<void> created = (*store)->CreateCampaign(run.campaign); !created) {
      err << "talky run: campaign '" << run.key << "': " << created.error().Describe() << "\n";
      return kExitFailure;
    }
    Expected<ImportResult> imported =
        (*store)->ImportLeads(run.campaign.tenant_id, run.campaign.id, run.leads);
    if (!imported) {
      err << "talky run: campaign '" << run.key
          << "': " << WithCsvLines(imported.error(), run, leads_path_).Describe() << "\n";
      return kExitUsage;
    }
    out << fmt::format("campaign {} ({}): {} leads\n", run.key, run.campaign.id.value,
                       imported->imported);
  }

  // Idle workers notice a stop within half a second (they wake at once for work anyway).
  DialerWorkerOptions worker_options{.max_calls_in_flight = max_calls_, .idle_wait = 500ms};
  if (speed_ > 1) {
    // Leases last as long in real time as without --speed: the keeper renews them every third of
    // the lease, and in one process no worker dies alone (a restart rebuilds the queue anyway).
    worker_options.lease = duration_cast<milliseconds>(kDefaultLease * speed_);
  }
  // The API beside the workers, and the media WebSocket where answered calls speak. With a
  // campaign the run goes on if it cannot listen where asked (the port is taken): on another port
  // when calls speak, else without it (the report does not need it).
  const bool voice = voice_ == "on";
  auto serve = [&](const std::string& host, int port_number) {
    return std::make_unique<TalkyServer>(
        **store, **queue, clock, ids,
        TalkyServerOptions{.http = {.address = host, .port = port_number},
                           .admin_key = admin_key,
                           // The simulated callees' audio is the media clock, faster than real
                           // time: so may the queue of what a callee has not read yet grow
                           // without counting it stalled.
                           .media = {.pace_by_caller_audio = voice,
                                     .max_queued_writes = static_cast<std::size_t>(
                                         100 * (voice ? media_speed_ : 1.0))},
                           .sessions_redis_url = redis_url_});
  };
  std::unique_ptr<TalkyServer> server = serve(listen->host, listen->port);
  Expected<int> port = server->Start();
  if (!port && with_campaign && voice) {
    err << "talky run: cannot listen on " << listen_ << " (" << port.error().Describe()
        << "); the API and the calls' media use another port\n";
    server = serve("127.0.0.1", 0);
    port = server->Start();
  }
  if (!port) {
    err << "talky run: the API is not served: " << port.error().Describe() << "\n";
    if (!with_campaign) {
      return port.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
  } else {
    const bool ipv6 = listen->host.find(':') != std::string::npos;
    out << "talky run: API on http://" << (ipv6 ? "[" + listen->host + "]" : listen->host) << ":"
        << *port << "; admin key "
        << (generated_key ? admin_key + " (generated; pass --admin-key or TALKY_ADMIN_KEY)"
                          : std::string("from --admin-key / TALKY_ADMIN_KEY"))
        << std::endl;
  }

  SimulatedTelephonyOptions simulation{.timing = {.ring_time = milliseconds(ring_time_ms_),
                                                  .talk_time = milliseconds(talk_time_ms_)},
                                       .seed = seed_,
                                       .speed = speed_ > 0 ? speed_ : 1.0};
  std::optional<SimulatedCalleeVoices> callee_voices;
  if (voice && port) {
    Expected<SimulatedCalleeVoices> made =
        SimulatedCalleeVoices::Make(*AcquireOfflineVoice()->text_to_speech, kWidebandRate);
    if (!made) {
      err << "talky run: the simulated callees' voices could not be made ("
          << made.error().Describe() << "); calls are silent\n";
    } else {
      callee_voices = std::move(*made);
      simulation.media = SimulatedMedia{
          .port = *port,
          .media_speed = media_speed_,
          .voices = &*callee_voices,
          .max_conversations =
              max_conversations_ > 0
                  ? max_conversations_
                  : kConversationsPerCore *
                        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
    }
  }
  std::atomic<int> talking{0};  // conversations now, across the providers
  if (simulation.media) simulation.media->talking = &talking;
  WorkerPool pool(**queue, **store, clock, ids, workers_, worker_options,
                  MakeSimulatedProviders(clock, simulation));
  out << fmt::format(
      "talky run: {} worker(s), database {}{}{}\n", workers_,
      database_url.empty() ? std::string("sqlite:") + kDefaultSqliteFile : database_url,
      speed_ > 0 ? fmt::format(", simulated clock at {}x speed", speed_) : "",
      simulation.media
          ? fmt::format("; answered calls speak, their audio at {}x real time", media_speed_)
          : "; answered calls are silent");
  out.flush();

  if (!with_campaign) {
    out << "talky run: running until SIGTERM or Ctrl-C" << std::endl;
    int signal_number = 0;
    while ((signal_number = WaitForStopSignal(stop_signals, 1s)) == 0) {
    }
    out << "talky run: " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
        << ": draining calls in flight" << std::endl;
    server->Stop();
    pool.Stop();
    return kExitOk;
  }

  for (RunCampaign& run : campaigns) {
    Expected<Campaign> started = service.Start(run.campaign.tenant_id, run.campaign.id);
    if (!started) {
      err << "talky run: starting campaign '" << run.key << "': " << started.error().Describe()
          << "\n";
      return kExitFailure;
    }
  }

  const bool tty = progress_ == "auto" && &out == &std::cout && isatty(STDOUT_FILENO) == 1;
  const bool show = progress_ != "none";
  const milliseconds poll = tty ? 250ms : 500ms;
  const milliseconds print_every = tty ? 250ms : 2s;
  auto view = [&] {
    RunClockView clock_view{.elapsed =
                                duration_cast<milliseconds>(steady_clock::now() - real_start)};
    if (scaled) {
      clock_view.speed = speed_;
      clock_view.clock_now = scaled->Now();
      clock_view.clock_start = start;
    }
    return clock_view;
  };
  auto gather = [&](std::vector<CampaignStats>& stats) -> Expected<void> {
    stats.clear();
    for (const RunCampaign& run : campaigns) {
      Expected<CampaignStats> one = service.Stats(run.campaign.tenant_id, run.campaign.id);
      if (!one) return std::unexpected(one.error());
      stats.push_back(std::move(*one));
    }
    return {};
  };

  // Whether every campaign is done is one cheap read per campaign; the full stats (a tally of
  // every job and call) are read only when a progress line is due.
  auto all_done = [&]() -> Expected<bool> {
    for (const RunCampaign& run : campaigns) {
      Expected<Campaign> campaign = (*store)->GetCampaign(run.campaign.tenant_id, run.campaign.id);
      if (!campaign) return std::unexpected(campaign.error());
      if (campaign->status != CampaignStatus::kCompleted &&
          campaign->status != CampaignStatus::kCancelled) {
        return false;
      }
    }
    return true;
  };
  std::vector<CampaignStats> stats;
  steady_clock::time_point last_print{};
  int signal_number = 0;
  while (true) {
    Expected<bool> done = all_done();
    if (!done) {
      spdlog::warn("talky run: reading the campaigns failed: {}", done.error().message);
    } else if (show && (*done || steady_clock::now() - last_print >= print_every)) {
      last_print = steady_clock::now();
      if (Expected<void> gathered = gather(stats); !gathered) {
        spdlog::warn("talky run: reading campaign stats failed: {}", gathered.error().message);
      } else {
        const std::string line = RenderProgressLine(
            SumStats(stats), view(),
            simulation.media ? std::optional<size_t>(talking.load()) : std::nullopt);
        if (tty) {
          out << "\r" << FitToTerminal(line) << "\x1b[K";
        } else {
          out << line << "\n";
        }
        out.flush();
      }
    }
    if (done && *done) break;
    if ((signal_number = WaitForStopSignal(stop_signals, poll)) != 0) break;
  }
  if (tty && show) out << "\n";
  if (signal_number != 0) {
    out << "talky run: " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
        << ": stopping before the campaigns completed; draining calls in flight" << std::endl;
  }
  pool.Stop();
  server->Stop();
  (void)gather(stats);
  std::vector<CampaignReportRow> rows;
  for (size_t i = 0; i < campaigns.size() && i < stats.size(); ++i) {
    rows.push_back({.tenant = campaigns[i].campaign.tenant_id.value,
                    .name = campaigns[i].key,
                    .status = std::string(ToString(stats[i].campaign.status)),
                    .stats = stats[i]});
  }
  out << "\n" << RenderFinalReport(rows, view());
  if (simulation.media) {
    std::vector<std::pair<TenantId, CampaignId>> ids_of_campaigns;
    for (const RunCampaign& run : campaigns) {
      ids_of_campaigns.emplace_back(run.campaign.tenant_id, run.campaign.id);
    }
    Expected<RunConversations> conversations = GatherConversations(**store, ids_of_campaigns);
    if (conversations) {
      out << "\n" << RenderConversations(*conversations, media_speed_);
    } else {
      err << "talky run: the conversations could not be read: " << conversations.error().Describe()
          << "\n";
    }
  }
  out << "Records: " << database_url << "\n";
  out.flush();
  return signal_number == 0 ? kExitOk : kExitFailure;
}

}  // namespace talky
