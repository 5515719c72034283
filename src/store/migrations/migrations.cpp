#include "store/migrations/migrations.h"

#include <array>
#include <chrono>

namespace talky {
namespace {

// Instants are BIGINT microseconds since the Unix epoch, UTC, on both engines.
// leads and dialer_jobs carry no foreign keys: on PostgreSQL each one is a trigger per row, which
// made a million-lead COPY several times slower. Leads page in phone-number order over their
// unique index, so an import maintains two indexes, not three. No index mentions a job's status:
// on PostgreSQL a status update can then stay on its page (a HOT update, helped by the free space
// that kPostgresStorage leaves) instead of writing a new entry into every index. The store writes
// them only after checking the campaign in the same transaction, and jobs are made from the
// campaign's own leads.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  api_key_hash TEXT NOT NULL UNIQUE,
  calling_rules {json} NOT NULL,
  default_region TEXT NOT NULL,
  holidays {json} NOT NULL
);

CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  description TEXT,
  status TEXT NOT NULL,
  system_prompt TEXT NOT NULL,
  voice_id TEXT NOT NULL,
  max_concurrent_calls INTEGER NOT NULL,
  retry_failed {bool} NOT NULL,
  max_retries INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  completed_at BIGINT,
  total_leads INTEGER NOT NULL DEFAULT 0,
  calls_completed INTEGER NOT NULL DEFAULT 0,
  calls_failed INTEGER NOT NULL DEFAULT 0,
  goals_achieved INTEGER NOT NULL DEFAULT 0,
  goal TEXT,
  script_config {json},
  calling_config {json}
);
CREATE INDEX campaigns_by_tenant ON campaigns (tenant_id, created_at, id);

CREATE TABLE leads (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  phone_number TEXT NOT NULL,
  first_name TEXT,
  last_name TEXT,
  email TEXT,
  custom_fields {json} NOT NULL,
  created_at BIGINT NOT NULL,
  last_called_at BIGINT,
  call_attempts INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  last_call_result TEXT,
  tags {json} NOT NULL,
  priority INTEGER NOT NULL,
  is_high_value {bool} NOT NULL,
  time_zone TEXT,
  UNIQUE (campaign_id, phone_number)
);

CREATE TABLE dialer_jobs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  phone_number TEXT NOT NULL,
  priority INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempt_number INTEGER NOT NULL,
  scheduled_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  processed_at BIGINT,
  completed_at BIGINT,
  last_outcome TEXT,
  last_error TEXT,
  call_id TEXT,
  UNIQUE (campaign_id, lead_id)
);
CREATE INDEX dialer_jobs_by_tenant ON dialer_jobs (tenant_id, created_at, id);
CREATE INDEX dialer_jobs_by_age ON dialer_jobs (created_at, id);

CREATE TABLE calls (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  provider_call_id TEXT NOT NULL UNIQUE,
  to_number TEXT NOT NULL,
  caller_id TEXT,
  status TEXT NOT NULL,
  outcome TEXT,
  created_at BIGINT NOT NULL,
  answered_at BIGINT,
  ended_at BIGINT,
  duration_seconds INTEGER
);
CREATE INDEX calls_by_tenant ON calls (tenant_id, created_at, id);
CREATE INDEX calls_by_number ON calls (tenant_id, to_number, created_at);

CREATE TABLE call_events (
  provider_call_id TEXT NOT NULL,
  status TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  call_id TEXT NOT NULL REFERENCES calls (id),
  outcome TEXT,
  occurred_at BIGINT NOT NULL,
  payload {json},
  PRIMARY KEY (provider_call_id, status)
);
CREATE INDEX call_events_by_call ON call_events (call_id, occurred_at);

CREATE TABLE do_not_call (
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  phone_number TEXT NOT NULL,
  added_at BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, phone_number)
);

CREATE TABLE conversation_turns (
  call_id TEXT NOT NULL REFERENCES calls (id),
  turn_index INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  role TEXT NOT NULL,
  text TEXT NOT NULL,
  at BIGINT NOT NULL,
  stt_latency_ms {real},
  llm_latency_ms {real},
  tts_latency_ms {real},
  PRIMARY KEY (call_id, turn_index)
);
)sql";

// PostgreSQL-only storage settings of version 1 (SQLite has no equivalent): free space in every
// page of the tables whose rows are updated in place.
constexpr std::string_view kPostgresStorage = R"sql(
ALTER TABLE dialer_jobs SET (fillfactor = 70);
ALTER TABLE leads SET (fillfactor = 85);
ALTER TABLE calls SET (fillfactor = 85);
ALTER TABLE campaigns SET (fillfactor = 50);
)sql";

// Version 2: a call carries the lease its worker holds on the job, so that the process receiving
// the call's final event (a webhook at `talky serve`) can finish the job. Nullable: calls recorded
// before have none.
constexpr std::string_view kCallLeaseToken = R"sql(
ALTER TABLE calls ADD COLUMN lease_token TEXT;
)sql";

// Every deferral of a job by the calling rules, for a campaign's skips by reason (the job row keeps
// only its latest reason); and each campaign's count of open jobs, kept with every job change, so
// that the completion's "was that the last job" is a row read, not a scan of the campaign's jobs.
constexpr std::string_view kJobSkips = R"sql(
CREATE TABLE job_skips (
  tenant_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  skipped_at BIGINT NOT NULL
);
CREATE INDEX job_skips_by_campaign ON job_skips (tenant_id, campaign_id);
CREATE INDEX calls_by_campaign ON calls (tenant_id, campaign_id);
ALTER TABLE campaigns ADD COLUMN open_jobs INTEGER NOT NULL DEFAULT 0;
UPDATE campaigns SET open_jobs = (SELECT COUNT(*) FROM dialer_jobs j WHERE j.campaign_id = campaigns.id
  AND j.status NOT IN ('completed', 'failed', 'goal_achieved', 'non_retryable'));
)sql";

// The embedded queues' shared log: processes that share the database without Redis follow it
// (Store::AppendQueueEvent).
constexpr std::string_view kQueueEvents = R"sql(
CREATE TABLE queue_events (
  sequence {serial},
  kind TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  at BIGINT NOT NULL
);
)sql";

// Version 5: a lead's consent to be called (kind, when, where from) and whether a campaign is
// telemarketing (which needs written consent). Rows from before: no consent, not marketing.
constexpr std::string_view kConsent = R"sql(
ALTER TABLE leads ADD COLUMN consent_kind TEXT NOT NULL DEFAULT 'none';
ALTER TABLE leads ADD COLUMN consent_given_at BIGINT;
ALTER TABLE leads ADD COLUMN consent_source TEXT;
ALTER TABLE campaigns ADD COLUMN marketing {bool} NOT NULL DEFAULT FALSE;
)sql";

// Version 6: calls' audio recordings (stereo WAV, base64: values cross as text on both engines).
constexpr std::string_view kCallRecordings = R"sql(
CREATE TABLE call_recordings (
  call_id TEXT PRIMARY KEY REFERENCES calls (id),
  tenant_id TEXT NOT NULL,
  wav_base64 TEXT NOT NULL,
  recorded_at BIGINT NOT NULL
);
)sql";

// Version 7: the tokens a cloud language model's server counted for an agent turn.
constexpr std::string_view kTurnTokens = R"sql(
ALTER TABLE conversation_turns ADD COLUMN prompt_tokens INTEGER;
ALTER TABLE conversation_turns ADD COLUMN completion_tokens INTEGER;
)sql";

constexpr std::array<Migration, 7> kMigrations{{
    {1, "initial schema", kInitialSchema, kPostgresStorage},
    {2, "call lease token", kCallLeaseToken},
    {3, "job skips and open job counts", kJobSkips, ""},
    {4, "queue events", kQueueEvents, ""},
    {5, "consent and marketing", kConsent, ""},
    {6, "call recordings", kCallRecordings, ""},
    {7, "turn tokens", kTurnTokens, ""},
}};

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

Expected<int> CurrentVersion(SqlConnection& connection) {
  Expected<SqlResult> result =
      connection.Execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
  if (!result) return std::unexpected(result.error());
  return std::stoi(result->rows.at(0).at(0).value_or("0"));
}

Expected<MigrationReport> MigrateLocked(SqlConnection& connection, Instant now) {
  if (connection.dialect() == SqlDialect::kPostgres) {
    // Serialises concurrent migrators (processes starting together) until COMMIT.
    Expected<SqlResult> locked = connection.Execute("SELECT pg_advisory_xact_lock(710642)", {});
    if (!locked) return std::unexpected(locked.error());
  }
  Expected<void> created = connection.ExecuteScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
  if (!created) return std::unexpected(created.error());
  Expected<int> version = CurrentVersion(connection);
  if (!version) return std::unexpected(version.error());
  MigrationReport report{*version, *version};
  int latest = kMigrations.back().version;
  if (*version > latest) {
    return std::unexpected(Error::Conflict("the database schema is at version " +
                                           std::to_string(*version) + ", newer than this talky (" +
                                           std::to_string(latest) + "); upgrade talky"));
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= *version) continue;
    Expected<void> applied =
        connection.ExecuteScript(RenderMigration(migration.sql, connection.dialect()));
    if (!applied) return std::unexpected(applied.error());
    if (connection.dialect() == SqlDialect::kPostgres && !migration.postgres_only.empty()) {
      Expected<void> tuned = connection.ExecuteScript(migration.postgres_only);
      if (!tuned) return std::unexpected(tuned.error());
    }
    std::vector<SqlValue> row{int64_t{migration.version}, std::string(migration.name),
                              int64_t{now.time_since_epoch().count()}};
    Expected<SqlResult> recorded = connection.Execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", row);
    if (!recorded) return std::unexpected(recorded.error());
    report.to_version = migration.version;
  }
  return report;
}

}  // namespace

std::span<const Migration> AllMigrations() { return kMigrations; }

std::string RenderMigration(std::string_view sql, SqlDialect dialect) {
  bool postgres = dialect == SqlDialect::kPostgres;
  std::string text(sql);
  // Byte order for every text column, as SQLite's BINARY: the same ordering on both engines, and
  // PostgreSQL compares keys with memcmp instead of the locale's strcoll.
  if (postgres) ReplaceAll(text, " TEXT", " TEXT COLLATE \"C\"");
  ReplaceAll(text, "{json}", postgres ? "JSONB" : "TEXT");
  ReplaceAll(text, "{bool}", postgres ? "BOOLEAN" : "INTEGER");
  ReplaceAll(text, "{real}", postgres ? "DOUBLE PRECISION" : "REAL");
  // An increasing key given by the database.
  ReplaceAll(text, "{serial}", postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY");
  return text;
}

Expected<MigrationReport> Migrate(SqlConnection& connection, Instant now) {
  if (Expected<void> begun = connection.Begin(); !begun) return std::unexpected(begun.error());
  Expected<MigrationReport> report = MigrateLocked(connection, now);
  if (!report) {
    connection.Rollback();
    return report;
  }
  if (Expected<void> committed = connection.Commit(); !committed) {
    connection.Rollback();
    return std::unexpected(committed.error());
  }
  return report;
}

}  // namespace talky
