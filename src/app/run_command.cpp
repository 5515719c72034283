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
#include "app/open_records.h"
#include "app/open_store.h"
#include "app/run_conversations.h"
#include "app/run_progress.h"
#include "app/serve_command.h"
#include "app/sip_command_line.h"
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

// One `talky run`, step by step. A step that fails has written why (err) and set the exit code.
class RunSession {
 public:
  RunSession(const RunOptions& options, std::ostream& out, std::ostream& err)
      : o_(options), out_(out), err_(err) {}

  int Run() {
    if (!ReadInputs()) return exit_code_;
    stop_signals_ = BlockStopSignals();  // before any thread starts
    if (!OpenRecords() || !CreateTenantsAndCampaigns() || !Serve()) return exit_code_;
    PrepareSimulation();
    std::optional<WorkerPool> pool;
    try {
      pool.emplace(*queue_, *store_, *clock_, ids_, o_.workers, WorkerOptions(),
                   Sip() ? MakeSipProviders(o_.sip, MediaSocketOfServer(), *clock_)
                         : MakeSimulatedProviders(*clock_, simulation_));
    } catch (const ProviderStartError& error) {
      return Fail(kExitFailure, error.what());
    }
    out_ << fmt::format(
        "talky run: {} worker(s), database {}{}{}\n", o_.workers,
        database_url_.empty() ? std::string("sqlite:") + kDefaultSqliteFile : database_url_,
        o_.speed > 0 ? fmt::format(", simulated clock at {}x speed", o_.speed) : "",
        Sip() ? "; calls go through SIP trunk " + o_.sip.trunk + " and speak in real time"
        : simulation_.media
            ? fmt::format("; answered calls speak, their audio at {}x real time", MediaSpeed())
            : "; answered calls are silent");
    out_.flush();
    if (!with_campaign_) {
      WaitForStop();
      server_->Stop();
      pool->Stop();
      return kExitOk;
    }
    if (!StartCampaigns()) return exit_code_;
    const int signal_number = WatchUntilDone();
    pool->Stop();
    server_->Stop();
    Report();
    return signal_number == 0 ? kExitOk : kExitFailure;
  }

 private:
  bool Fail(int code, const std::string& message) {
    err_ << "talky run: " << message << "\n";
    exit_code_ = code;
    return false;
  }

  // The flags and the files: bad ones are found before anything is created.
  bool ReadInputs() {
    with_campaign_ = !o_.campaign_path.empty();
    if (o_.speed > 0 && !o_.redis_url.empty()) {
      return Fail(kExitUsage,
                  "--speed needs the embedded queue: a simulated clock cannot be shared with "
                  "other processes through Redis. Leave out --redis-url, or --speed.");
    }
    Expected<ListenAddress> listen = ParseListenAddress(o_.listen);
    if (!listen) return Fail(kExitUsage, listen.error().Describe());
    listen_ = *listen;
    if (Sip() && !CheckSipOptions()) return false;
    Expected<AdminKey> key = ResolveAdminKey(o_.admin_key);
    if (!key) return Fail(kExitFailure, key.error().Describe());
    admin_key_ = *key;
    if (!o_.start_at.empty()) {
      Expected<Instant> parsed = ParseIso8601(o_.start_at);
      if (!parsed || o_.speed <= 0) {
        return Fail(kExitUsage,
                    "--start-at needs --speed and an ISO-8601 instant such as "
                    "2026-11-23T02:00:00Z");
      }
      start_at_ = *parsed;
    }
    if (with_campaign_ != !o_.leads_path.empty()) {
      return Fail(kExitUsage,
                  "--campaign and --leads go together (the campaigns, and the leads to call)");
    }
    if (!with_campaign_) return true;
    Expected<CampaignFile> file = LoadCampaignFile(o_.campaign_path);
    if (!file) return Fail(kExitUsage, file.error().Describe());
    tenants_ = std::move(file->tenants);
    Expected<std::string> text = ReadFile(o_.leads_path, "leads file");
    if (!text) return Fail(kExitUsage, text.error().Describe());
    Expected<CsvLeads> csv = ParseLeadsCsvWithLines(*text);
    if (!csv) return Fail(kExitUsage, o_.leads_path + ": " + csv.error().Describe());
    for (const CampaignFileEntry& entry : file->campaigns) {
      campaigns_.push_back({.key = entry.key, .campaign = entry.campaign});
    }
    if (Expected<void> assigned = AssignLeads(std::move(*csv), o_.leads_path, campaigns_);
        !assigned) {
      return Fail(kExitUsage, assigned.error().Describe());
    }
    return true;
  }

  // A SIP call runs at real time and needs the voice pipeline: --speed, --media-speed and
  // --voice off cannot apply; the trunk's options are checked before anything starts.
  bool CheckSipOptions() {
    std::string problems;
    if (o_.speed > 0) problems += "  --speed: a SIP call cannot run faster than real time\n";
    if (MediaSpeed() != 1) problems += "  --media-speed: must be 1 (real calls, real time)\n";
    if (!Voice()) problems += "  --voice: must be on (an answered SIP call must hear the agent)\n";
    Expected<SipTelephonyOptions> sip =
        SipTelephonyOptionsOf(o_.sip, MediaSocketAddress{.port = 1});
    if (!sip) problems += DescribeSipOptionErrors(sip.error());
    if (problems.empty()) return true;
    return Fail(kExitUsage, "--provider sip:\n" + problems);
  }

  // Where this run's calls reach its media socket: the server's address (loopback when it
  // listens on every address) and port.
  MediaSocketAddress MediaSocketOfServer() const {
    const bool any = listen_.host == "0.0.0.0" || listen_.host == "::" || listen_.host.empty();
    return MediaSocketAddress{.host = any || !listened_where_asked_ ? "127.0.0.1" : listen_.host,
                              .port = port_ ? *port_ : 0};
  }

  // The clock (simulated with --speed), the store (a fresh SQLite file for a campaign run without
  // --database-url) and the queue.
  bool OpenRecords() {
    start_ = start_at_.value_or(system_clock_.Now());
    real_start_ = steady_clock::now();
    if (o_.speed > 0) scaled_.emplace(start_, o_.speed);
    clock_ = scaled_ ? static_cast<Clock*>(&*scaled_) : &system_clock_;
    database_url_ = o_.database_url;
    if (database_url_.empty() && with_campaign_) {
      std::string folder = (std::filesystem::temp_directory_path() / "talky-run-XXXXXX").string();
      if (mkdtemp(folder.data()) == nullptr) {
        return Fail(kExitFailure, "cannot create a temporary folder for the database");
      }
      database_url_ = "sqlite:" + folder + "/talky.db";
    }
    Expected<Records> records =
        talky::OpenRecords(database_url_, o_.redis_url, *clock_, ids_, o_.workers + 4);
    if (!records) {
      return Fail(records.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure,
                  records.error().Describe());
    }
    records_ = std::move(*records);
    store_ = records_.store.get();
    queue_ = records_.queue.get();
    service_.emplace(*store_, *queue_, *clock_);
    return true;
  }

  // Tenants and campaigns from the file; a tenant that exists keeps its id and API key.
  bool CreateTenantsAndCampaigns() {
    for (Tenant& tenant : tenants_) {
      Expected<Tenant> existing = store_->GetTenant(tenant.id);
      Expected<void> written;
      if (existing) {
        tenant.api_key_hash = existing->api_key_hash;
        written = store_->UpdateTenant(tenant);
        out_ << fmt::format("tenant {}: exists; rules updated from {}\n", tenant.id.value,
                            o_.campaign_path);
      } else {
        Expected<std::string> key = NewApiKey();
        if (!key) return Fail(kExitFailure, key.error().Describe());
        tenant.api_key_hash = HashApiKey(*key);
        written = store_->CreateTenant(tenant);
        if (written) out_ << fmt::format("tenant {}: created; API key {}\n", tenant.id.value, *key);
      }
      if (!written) {
        return Fail(kExitFailure,
                    "tenant '" + tenant.id.value + "': " + written.error().Describe());
      }
    }
    for (RunCampaign& run : campaigns_) {
      run.campaign.id = CampaignId{ids_.Next()};
      run.campaign.created_at = clock_->Now();
      if (Expected<void> created = store_->CreateCampaign(run.campaign); !created) {
        return Fail(kExitFailure, "campaign '" + run.key + "': " + created.error().Describe());
      }
      Expected<ImportResult> imported =
          store_->ImportLeads(run.campaign.tenant_id, run.campaign.id, run.leads);
      if (!imported) {
        return Fail(kExitUsage, "campaign '" + run.key + "': " +
                                    WithCsvLines(imported.error(), run, o_.leads_path).Describe());
      }
      out_ << fmt::format("campaign {} ({}): {} leads\n", run.key, run.campaign.id.value,
                          imported->imported);
    }
    return true;
  }

  // The API beside the workers, and the media WebSocket where answered calls speak. With a
  // campaign the run goes on if it cannot listen where asked (the port is taken): on another port
  // when calls speak, else without it (the report does not need it).
  bool Serve() {
    server_ = MakeServer(listen_.host, listen_.port);
    port_ = server_->Start();
    if (!port_ && with_campaign_ && Voice()) {
      err_ << "talky run: cannot listen on " << o_.listen << " (" << port_.error().Describe()
           << "); the API and the calls' media use another port\n";
      server_ = MakeServer("127.0.0.1", 0);
      port_ = server_->Start();
      listened_where_asked_ = false;
    }
    if (!port_) {
      if (Sip())
        return Fail(kExitFailure, "the calls' media cannot be served: " + port_.error().Describe());
      err_ << "talky run: the API is not served: " << port_.error().Describe() << "\n";
      if (with_campaign_) return true;
      exit_code_ = port_.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
      return false;
    }
    const bool ipv6 = listen_.host.find(':') != std::string::npos;
    out_ << "talky run: API on http://" << (ipv6 ? "[" + listen_.host + "]" : listen_.host) << ":"
         << *port_ << "; admin key "
         << (admin_key_.generated
                 ? admin_key_.key + " (generated; pass --admin-key or TALKY_ADMIN_KEY)"
                 : std::string("from --admin-key / TALKY_ADMIN_KEY"))
         << std::endl;
    return true;
  }

  std::unique_ptr<TalkyServer> MakeServer(const std::string& host, int port) {
    return std::make_unique<TalkyServer>(
        *store_, *queue_, *clock_, ids_,
        TalkyServerOptions{.http = {.address = host, .port = port},
                           .admin_key = admin_key_.key,
                           // The simulated callees' audio is the media clock, faster than real
                           // time: so may the queue of what a callee has not read yet grow
                           // without counting it stalled.
                           .media = {.pace_by_caller_audio = Voice(),
                                     .max_queued_writes = static_cast<std::size_t>(
                                         100 * (Voice() ? MediaSpeed() : 1.0))},
                           .sessions_redis_url = o_.redis_url});
  }

  bool Voice() const { return o_.voice == "on"; }
  bool Sip() const { return o_.provider == "sip"; }
  double MediaSpeed() const { return o_.media_speed > 0 ? o_.media_speed : Sip() ? 1.0 : 4.0; }
  // Answered calls talk to the voice pipeline: the report shows their conversations.
  bool Speaks() const { return Sip() || simulation_.media.has_value(); }

  // Idle workers notice a stop within half a second (they wake at once for work anyway).
  DialerWorkerOptions WorkerOptions() const {
    DialerWorkerOptions options{.max_calls_in_flight = o_.max_calls, .idle_wait = 500ms};
    if (o_.speed > 1) {
      // Leases last as long in real time as without --speed: the keeper renews them every third
      // of the lease, and in one process no worker dies alone (a restart rebuilds the queue).
      options.lease = duration_cast<milliseconds>(kDefaultLease * o_.speed);
    }
    return options;
  }

  // The simulated provider; when calls speak, its callees' voices and the run's media socket.
  void PrepareSimulation() {
    simulation_ = {.timing = {.ring_time = milliseconds(o_.ring_time_ms),
                              .talk_time = milliseconds(o_.talk_time_ms)},
                   .seed = o_.seed,
                   .speed = o_.speed > 0 ? o_.speed : 1.0};
    if (!Voice() || !port_ || Sip()) return;
    Expected<SimulatedCalleeVoices> made =
        SimulatedCalleeVoices::Make(*AcquireOfflineVoice()->text_to_speech, kWidebandRate);
    if (!made) {
      err_ << "talky run: the simulated callees' voices could not be made ("
           << made.error().Describe() << "); calls are silent\n";
      return;
    }
    callee_voices_ = std::move(*made);
    simulation_.media = SimulatedMedia{
        .port = *port_,
        .media_speed = MediaSpeed(),
        .voices = &*callee_voices_,
        .max_conversations =
            o_.max_conversations > 0
                ? o_.max_conversations
                : kConversationsPerCore *
                      static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
        .talking = &talking_};
  }

  // Without a campaign: serve and dial until SIGTERM or Ctrl-C.
  void WaitForStop() {
    out_ << "talky run: running until SIGTERM or Ctrl-C" << std::endl;
    int signal_number = 0;
    while ((signal_number = WaitForStopSignal(stop_signals_, 1s)) == 0) {
    }
    out_ << "talky run: " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
         << ": draining calls in flight" << std::endl;
  }

  bool StartCampaigns() {
    for (RunCampaign& run : campaigns_) {
      Expected<Campaign> started = service_->Start(run.campaign.tenant_id, run.campaign.id);
      if (!started) {
        return Fail(kExitFailure,
                    "starting campaign '" + run.key + "': " + started.error().Describe());
      }
    }
    return true;
  }

  RunClockView ClockView() const {
    RunClockView view{.elapsed = duration_cast<milliseconds>(steady_clock::now() - real_start_)};
    if (scaled_) {
      view.speed = o_.speed;
      view.clock_now = scaled_->Now();
      view.clock_start = start_;
    }
    return view;
  }

  Expected<void> GatherStats() {
    stats_.clear();
    for (const RunCampaign& run : campaigns_) {
      Expected<CampaignStats> one = service_->Stats(run.campaign.tenant_id, run.campaign.id);
      if (!one) return std::unexpected(one.error());
      stats_.push_back(std::move(*one));
    }
    return {};
  }

  // Whether every campaign is done is one cheap read per campaign; the full stats (a tally of
  // every job and call) are read only when a progress line is due.
  Expected<bool> AllDone() {
    for (const RunCampaign& run : campaigns_) {
      Expected<Campaign> campaign = store_->GetCampaign(run.campaign.tenant_id, run.campaign.id);
      if (!campaign) return std::unexpected(campaign.error());
      if (campaign->status != CampaignStatus::kCompleted &&
          campaign->status != CampaignStatus::kCancelled) {
        return false;
      }
    }
    return true;
  }

  // Progress lines until every campaign is done or a stop signal comes (its number, else 0).
  int WatchUntilDone() {
    const bool tty = o_.progress == "auto" && &out_ == &std::cout && isatty(STDOUT_FILENO) == 1;
    const bool show = o_.progress != "none";
    const milliseconds poll = tty ? 250ms : 500ms;
    const milliseconds print_every = tty ? 250ms : 2s;
    steady_clock::time_point last_print{};
    int signal_number = 0;
    while (true) {
      Expected<bool> done = AllDone();
      if (!done) {
        spdlog::warn("talky run: reading the campaigns failed: {}", done.error().message);
      } else if (show && (*done || steady_clock::now() - last_print >= print_every)) {
        last_print = steady_clock::now();
        if (Expected<void> gathered = GatherStats(); !gathered) {
          spdlog::warn("talky run: reading campaign stats failed: {}", gathered.error().message);
        } else {
          const std::string line = RenderProgressLine(
              SumStats(stats_), ClockView(),
              simulation_.media ? std::optional<size_t>(talking_.load()) : std::nullopt);
          if (tty) {
            out_ << "\r" << FitToTerminal(line) << "\x1b[K";
          } else {
            out_ << line << "\n";
          }
          out_.flush();
        }
      }
      if (done && *done) break;
      if ((signal_number = WaitForStopSignal(stop_signals_, poll)) != 0) break;
    }
    if (tty && show) out_ << "\n";
    if (signal_number != 0) {
      out_ << "talky run: " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
           << ": stopping before the campaigns completed; draining calls in flight" << std::endl;
    }
    return signal_number;
  }

  // The final report: campaigns, and the conversations when calls spoke.
  void Report() {
    if (Expected<void> gathered = GatherStats(); !gathered) {
      err_ << "talky run: the final figures could not be read: " << gathered.error().Describe()
           << "\n";
    }
    std::vector<CampaignReportRow> rows;
    for (size_t i = 0; i < campaigns_.size() && i < stats_.size(); ++i) {
      rows.push_back({.tenant = campaigns_[i].campaign.tenant_id.value,
                      .name = campaigns_[i].key,
                      .status = std::string(ToString(stats_[i].campaign.status)),
                      .stats = stats_[i]});
    }
    out_ << "\n" << RenderFinalReport(rows, ClockView());
    if (Speaks()) {
      std::vector<std::pair<TenantId, CampaignId>> ids_of_campaigns;
      for (const RunCampaign& run : campaigns_) {
        ids_of_campaigns.emplace_back(run.campaign.tenant_id, run.campaign.id);
      }
      Expected<RunConversations> conversations = GatherConversations(*store_, ids_of_campaigns);
      if (conversations) {
        out_ << "\n" << RenderConversations(*conversations, MediaSpeed());
      } else {
        err_ << "talky run: the conversations could not be read: "
             << conversations.error().Describe() << "\n";
      }
    }
    out_ << "Records: " << database_url_ << "\n";
    out_.flush();
  }

  const RunOptions& o_;
  std::ostream& out_;
  std::ostream& err_;
  int exit_code_ = kExitFailure;
  // ReadInputs
  bool with_campaign_ = false;
  ListenAddress listen_;
  AdminKey admin_key_;
  std::optional<Instant> start_at_;
  std::vector<Tenant> tenants_;
  std::vector<RunCampaign> campaigns_;
  sigset_t stop_signals_{};
  // OpenRecords
  SystemClock system_clock_;
  Instant start_{};
  steady_clock::time_point real_start_;
  std::optional<ScaledClock> scaled_;
  Clock* clock_ = nullptr;
  TimeOrderedIdGenerator ids_;
  std::string database_url_;
  Records records_;
  Store* store_ = nullptr;
  JobQueue* queue_ = nullptr;
  std::optional<CampaignService> service_;
  // Serve and the workers: the server goes before the records it uses.
  std::unique_ptr<TalkyServer> server_;
  Expected<int> port_ = std::unexpected(Error::Unavailable("not started"));
  bool listened_where_asked_ = true;
  std::optional<SimulatedCalleeVoices> callee_voices_;  // outlives the workers' pool
  std::atomic<int> talking_{0};                         // conversations now, across providers
  SimulatedTelephonyOptions simulation_;
  std::vector<CampaignStats> stats_;
};

}  // namespace

RunCommand::RunCommand(CLI::App& app) {
  run_ = app.add_subcommand(
      "run",
      "Everything in one process: API, workers, SQLite and the embedded queue; with --campaign, "
      "play a campaign to its end and print a report");
  run_->option_defaults()->always_capture_default();  // --help shows each default
  run_->add_option("--campaign", options_.campaign_path,
                   "Campaign file (TOML): tenants and campaigns to create and start");
  run_->add_option("--leads", options_.leads_path,
                   "Leads (CSV with a header row); a `campaign` column names the campaign's key");
  run_->add_option("--database-url", options_.database_url,
                   "sqlite:PATH or postgresql://... (default: ./talky.db; with --campaign a fresh "
                   "SQLite file in a new temporary folder)");
  run_->add_option("--redis-url", options_.redis_url,
                   "Redis queue shared with other processes (default: the embedded queue)");
  run_->add_option("--listen", options_.listen, "Where the HTTP API listens, HOST:PORT");
  run_->add_option("--admin-key", options_.admin_key,
                   "The key that creates tenants over the API (default: $TALKY_ADMIN_KEY, else a "
                   "new random key, printed)");
  run_->add_option("--workers", options_.workers, "Dialer worker loops")->check(CLI::Range(1, 256));
  run_->add_option("--max-calls", options_.max_calls, "Calls in flight per worker loop")
      ->check(CLI::Range(1, 100'000));
  run_->add_option("--ring-time-ms", options_.ring_time_ms, "Simulated provider: ring time")
      ->check(CLI::Range(0, 600'000));
  run_->add_option("--talk-time-ms", options_.talk_time_ms, "Simulated provider: talk time")
      ->check(CLI::Range(0, 3'600'000));
  run_->add_option("--speed", options_.speed,
                   "Run a simulated clock this many times faster than real time (embedded only; "
                   "default: the real clock)")
      ->check(CLI::Range(0.001, 1'000'000.0))
      ->default_str("");  // 0 stands for "not given"; the description says what that means
  run_->add_option("--start-at", options_.start_at,
                   "With --speed: the simulated clock starts at this ISO-8601 instant, not now");
  run_->add_option("--seed", options_.seed, "Simulated provider: seed of the outcome mix");
  run_->add_option("--progress", options_.progress,
                   "auto (redrawn line on a terminal, periodic lines otherwise), lines or none")
      ->check(CLI::IsMember({"auto", "lines", "none"}));
  run_->add_option("--voice", options_.voice,
                   "on: answered calls speak with simulated callees over the media WebSocket; "
                   "off: they are silent and last --talk-time-ms")
      ->check(CLI::IsMember({"on", "off"}));
  run_->add_option("--media-speed", options_.media_speed,
                   "How many times faster than real time the calls' audio runs")
      ->check(CLI::Range(0.5, 20.0))
      ->default_str("4; 1 with --provider sip");
  run_->add_option("--provider", options_.provider,
                   "Telephony: simulated (callees played by talky) or sip (real calls through "
                   "--sip-trunk, real time)")
      ->check(CLI::IsMember({"simulated", "sip"}));
  AddSipOptions(*run_, options_.sip);
  run_->add_option("--max-conversations", options_.max_conversations,
                   "Answered calls talking at once; more ring until a line is free (0: " +
                       std::to_string(kConversationsPerCore) + " per core)")
      ->check(CLI::Range(0, 10'000));
}

bool RunCommand::Selected() const { return run_->parsed(); }

int RunCommand::Run(std::ostream& out, std::ostream& err) const {
  return RunSession(options_, out, err).Run();
}

}  // namespace talky
