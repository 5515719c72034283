#include "app/calls_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <vector>

#include "app/cli.h"
#include "app/open_store.h"
#include "domain/transcript.h"

namespace talky {
namespace {

std::string OrDash(const std::optional<Instant>& instant) {
  return instant ? FormatIso8601(*instant) : "-";
}

void PrintCall(std::ostream& out, const CallRecord& call,
               const std::vector<ConversationTurn>& turns) {
  const auto field = [&out](std::string_view name, std::string_view value) {
    out << fmt::format("{:<10} {}\n", name, value);
  };
  field("call", call.id.value);
  field("tenant", call.tenant_id.value);
  field("campaign", call.campaign_id.value);
  field("lead", call.lead_id.value);
  field("number", call.to_number.empty() ? "- (erased)" : call.to_number);
  field("status", ToString(call.status));
  field("outcome", call.outcome ? ToString(*call.outcome) : "-");
  field("created", FormatIso8601(call.created_at));
  field("answered", OrDash(call.answered_at));
  field("ended", OrDash(call.ended_at));
  field("duration",
        call.duration_seconds ? fmt::format("{} s", *call.duration_seconds) : std::string("-"));
  if (turns.empty()) {
    out << "transcript: no turns kept\n";
    return;
  }
  out << fmt::format("transcript ({} turn{}, seconds from {}):\n", turns.size(),
                     turns.size() == 1 ? "" : "s", call.answered_at ? "the answer" : "the dial");
  out << TranscriptLines(call, turns);
}

}  // namespace

CallsCommand::CallsCommand(CLI::App& app) {
  calls_ = app.add_subcommand("calls", "Look at calls in the store");
  calls_->require_subcommand(1);
  show_ = calls_->add_subcommand("show", "Print one call (any tenant's) and its transcript");
  show_->add_option("id", call_id_, "The call's id")->required();
  show_->add_option("--database-url", database_url_, DatabaseUrlHelp());
}

bool CallsCommand::Selected() const { return calls_->parsed(); }

int CallsCommand::Run(std::ostream& out, std::ostream& err) const {
  Expected<DatabaseTarget> target = ParseDatabaseUrl(database_url_);
  if (!target) {
    err << "talky calls show: " << target.error().Describe() << "\n";
    return kExitUsage;
  }
  // Opening a SQLite path creates the file: a look must not leave an empty database behind.
  if (target->dialect == SqlDialect::kSqlite && !std::filesystem::exists(target->location)) {
    err << "talky calls show: no database file '" << target->location
        << "' (give --database-url)\n";
    return kExitFailure;
  }
  SystemClock clock;
  TimeOrderedIdGenerator ids;
  Expected<std::unique_ptr<Store>> store = OpenStore(*target, clock, ids, 1);
  if (!store) {
    err << "talky calls show: " << store.error().Describe() << "\n";
    return kExitFailure;
  }
  Expected<CallRecord> call = (*store)->FindCall(CallId{call_id_});
  if (!call) {
    err << "talky calls show: " << call.error().Describe() << "\n";
    return kExitFailure;
  }
  Expected<std::vector<ConversationTurn>> turns =
      (*store)->ListConversationTurns(call->tenant_id, call->id);
  if (!turns) {
    err << "talky calls show: " << turns.error().Describe() << "\n";
    return kExitFailure;
  }
  PrintCall(out, *call, *turns);
  return kExitOk;
}

}  // namespace talky
