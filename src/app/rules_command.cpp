#include "app/rules_command.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli.h"
#include "domain/calling_rules.h"
#include "http/api/api_views.h"
#include "scheduling/call_permission.h"
#include "scheduling/local_time_sets.h"

namespace talky {
namespace {

Expected<CallingRules> ReadRulesFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::unexpected(Error::InvalidArgument("cannot read '" + path + "'"));
  std::stringstream text;
  text << file.rdbuf();
  Expected<CallingRules> rules = ParseCallingRules(text.str());
  if (!rules) {
    return std::unexpected(Error::InvalidArgument(path + ": " + rules.error().Describe()));
  }
  return rules;
}

Expected<date::local_days> ParseDate(const std::string& text) {
  std::optional<date::local_days> day = ParseLocalDate(text);
  if (!day) {
    return std::unexpected(
        Error::InvalidArgument("--holiday '" + text + "' is not a date as YYYY-MM-DD"));
  }
  return *day;
}

Expected<Instant> ParseFlagInstant(const char* flag, const std::string& text) {
  Expected<Instant> instant = ParseIso8601(text);
  if (!instant) {
    return std::unexpected(
        Error::InvalidArgument(std::string(flag) + " '" + text + "': " + instant.error().message));
  }
  return instant;
}

}  // namespace

RulesCommand::RulesCommand(CLI::App& app) {
  rules_ = app.add_subcommand("rules", "Check and explain a tenant's calling rules");
  rules_->require_subcommand(1);
  validate_ = rules_->add_subcommand(
      "validate", "Check a calling-rules JSON file and print it with every default filled in");
  validate_->add_option("file", rules_file_, "The calling rules, as JSON")->required();

  explain_ = rules_->add_subcommand(
      "explain",
      "Say whether a call to a number may go out at an instant, and if not, why and when");
  ExplainOptions& o = explain_options_;
  explain_->add_option("--phone", o.phone, "The number to call (E.164, or national in --region)")
      ->required();
  explain_->add_option("--at", o.at, "The instant to check, ISO-8601 with an offset")->required();
  explain_->add_option("--rules", o.rules_file,
                       "The tenant's calling rules, as JSON (default: the built-in defaults)");
  explain_->add_option("--last-called", o.last_called, "When the lead was last called (ISO-8601)");
  explain_
      ->add_option("--calls-24h", o.calls_24h,
                   "Calls to this number for this campaign in the 24 h before --at; taken "
                   "to be at --last-called, which is then required")
      ->check(CLI::Range(0, 1000));
  explain_->add_option("--region", o.region, "The tenant's default region for national numbers")
      ->default_str("US");
  explain_->add_option("--time-zone", o.time_zone, "The lead's own time zone (IANA name)");
  explain_->add_option("--attempt", o.attempt, "The job's attempt number (1-based)")
      ->check(CLI::Range(1, 1000))
      ->default_str("1");
  explain_->add_flag("--dnc", o.dnc, "The number is on the tenant's Do-Not-Call list");
  explain_->add_flag("--marketing", o.marketing,
                     "The call is for a telemarketing campaign (needs written consent)");
  explain_->add_option("--consent", o.consent, "The lead's consent: none, oral or written")
      ->check(CLI::IsMember({"none", "oral", "written"}));
  explain_->add_option("--holiday", o.holidays, "A tenant holiday, YYYY-MM-DD (repeatable)");
}

bool RulesCommand::Selected() const { return rules_->parsed(); }

int RulesCommand::Run(std::ostream& out, std::ostream& err) const {
  if (explain_->parsed()) return RunExplain(out, err);
  return RunValidate(out, err);
}

int RulesCommand::RunValidate(std::ostream& out, std::ostream& err) const {
  Expected<CallingRules> rules = ReadRulesFile(rules_file_);
  if (!rules) {
    err << "talky rules validate: " << rules.error().message << "\n";
    return kExitUsage;
  }
  out << ToJson(*rules).dump(2) << "\n";
  return kExitOk;
}

int RulesCommand::RunExplain(std::ostream& out, std::ostream& err) const {
  const ExplainOptions& o = explain_options_;
  auto usage = [&err](const Error& error) {
    err << "talky rules explain: " << error.Describe() << "\n";
    return kExitUsage;
  };

  TenantCallingPolicy policy;
  policy.default_region = o.region;
  policy.marketing = o.marketing;
  if (!o.rules_file.empty()) {
    Expected<CallingRules> rules = ReadRulesFile(o.rules_file);
    if (!rules) return usage(rules.error());
    policy.rules = *rules;
  }
  for (const std::string& text : o.holidays) {
    Expected<date::local_days> day = ParseDate(text);
    if (!day) return usage(day.error());
    policy.holidays.insert(*day);
  }
  Expected<Instant> at = ParseFlagInstant("--at", o.at);
  if (!at) return usage(at.error());

  Lead lead;
  lead.phone_number = o.phone;
  if (!o.time_zone.empty()) lead.time_zone = o.time_zone;
  lead.consent.kind = ParseConsentKind(o.consent).value_or(ConsentKind::kNone);
  CallHistory history{.on_dnc_list = o.dnc};
  if (!o.last_called.empty()) {
    Expected<Instant> last = ParseFlagInstant("--last-called", o.last_called);
    if (!last) return usage(last.error());
    if (*last > *at) return usage(Error::InvalidArgument("--last-called is after --at"));
    lead.last_called_at = *last;
  }
  if (o.calls_24h > 0) {
    if (!lead.last_called_at) {
      return usage(
          Error::InvalidArgument("--calls-24h needs --last-called (the newest of those calls)"));
    }
    if (*lead.last_called_at <= *at - std::chrono::hours(24)) {
      return usage(Error::InvalidArgument(
          "--calls-24h counts calls in the 24 h before --at, but --last-called is older"));
    }
    // Their exact instants are unknown: taking them all at the newest is the latest the cap
    // could free, so the answer never allows a call too early.
    history.recent_calls.assign(static_cast<size_t>(o.calls_24h), *lead.last_called_at);
  }

  DialerJob job;
  job.phone_number = o.phone;
  job.attempt_number = o.attempt;
  Expected<CallDecision> decision = CanCall(job, lead, policy, history, *at);
  if (!decision) return usage(decision.error());
  if (decision->reason == kReasonInvalidPhoneNumber || decision->reason == kReasonInvalidTimeZone) {
    // The operator's input is what is wrong: say so as a usage error, with the decision.
    err << "talky rules explain: " << decision->message << "\n";
    out << CallDecisionJson(*decision, *at).dump() << "\n";
    return kExitUsage;
  }
  out << CallDecisionJson(*decision, *at).dump() << "\n";
  return kExitOk;
}

}  // namespace talky
