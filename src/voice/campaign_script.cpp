#include "voice/campaign_script.h"

#include "voice/phrase_match.h"

namespace talky {
namespace {

// Every script ends the same way when the callee has no time.
constexpr char kLater[] = R"("later": {"say": "No problem. We will call another time. Goodbye."})";

constexpr char kAppointment[] = R"({
  "goal_states": ["confirmed"],
  "states": {
    "greeting": {
      "say": "Hello {first_name}! This is {business}, calling about your upcoming appointment. Is now a good time to talk?",
      "again": "Is now a good time to talk?",
      "next": {"yes": "confirm", "no": "later"}},
    "confirm": {
      "say": "Great. Will you be able to make it to your appointment?",
      "next": {"yes": "confirmed", "no": "reschedule"}},
    "confirmed": {"say": "Thank you. We look forward to seeing you. Goodbye."},
    "reschedule": {"say": "Thank you for letting us know. We will call you to find a new time. Goodbye."},
    LATER}})";

constexpr char kReminder[] = R"({
  "goal_states": ["noted", "resend"],
  "states": {
    "greeting": {
      "say": "Hello {first_name}! This is {business} with a quick reminder. Is now a good time to talk?",
      "again": "Is now a good time to talk?",
      "next": {"yes": "remind", "no": "later"}},
    "remind": {
      "say": "You have a visit with us coming up soon. Did you get the details we sent you?",
      "next": {"yes": "noted", "no": "resend"}},
    "noted": {"say": "Thank you. Have a great day. Goodbye."},
    "resend": {"say": "We will send you the details again today. Thank you. Goodbye."},
    LATER}})";

constexpr char kQualification[] = R"({
  "goal_states": ["qualified"],
  "states": {
    "greeting": {
      "say": "Hello {first_name}! This is {business}. You asked us about our services. Is now a good time to talk?",
      "again": "Is now a good time to talk?",
      "next": {"yes": "interest", "no": "later"}},
    "interest": {
      "say": "Are you still interested in hearing how we can help you?",
      "next": {"yes": "timeline", "no": "not_interested"}},
    "timeline": {
      "say": "Are you looking to get started in the next three months?",
      "next": {"yes": "qualified", "no": "nurture"}},
    "qualified": {"say": "Wonderful. One of our team will call you about the next steps. Goodbye."},
    "nurture": {"say": "Thank you. We will send you some information for later. Goodbye."},
    "not_interested": {"say": "Thank you for your time. Goodbye."},
    LATER}})";

constexpr char kRenewal[] = R"({
  "goal_states": ["renewed"],
  "states": {
    "greeting": {
      "say": "Hello {first_name}! This is {business}, calling because your plan is up for renewal soon. Is now a good time to talk?",
      "again": "Is now a good time to talk?",
      "next": {"yes": "renew", "no": "later"}},
    "renew": {
      "say": "Would you like to renew your plan on the same terms?",
      "next": {"yes": "renewed", "no": "options"}},
    "options": {
      "say": "Would you like one of our team to call you about other options?",
      "next": {"yes": "callback", "no": "not_renewing"}},
    "renewed": {"say": "Thank you. Your renewal is noted and a confirmation is on its way. Goodbye."},
    "callback": {"say": "Thank you. One of our team will call you soon. Goodbye."},
    "not_renewing": {"say": "Thank you for letting us know. Goodbye."},
    LATER}})";

nlohmann::json WithLater(std::string text) {
  text.replace(text.find("LATER"), 5, kLater);
  return nlohmann::json::parse(text);
}

}  // namespace

GoalKind GoalKindOf(const std::optional<std::string>& goal) {
  const std::string words = " " + NormalizedPhrase(goal.value_or("")) + " ";
  const auto says = [&words](std::string_view stem) {
    return words.find(" " + std::string(stem)) != std::string::npos;
  };
  if (says("renew")) return GoalKind::kRenewal;
  if (says("remind")) return GoalKind::kReminder;
  if (says("qualif") || says("lead") || says("interest")) return GoalKind::kQualification;
  return GoalKind::kAppointment;
}

std::string_view ToString(GoalKind kind) {
  switch (kind) {
    case GoalKind::kAppointment:
      return "appointment";
    case GoalKind::kReminder:
      return "reminder";
    case GoalKind::kQualification:
      return "qualification";
    case GoalKind::kRenewal:
      return "renewal";
  }
  return "appointment";
}

nlohmann::json DefaultScriptConfig(GoalKind kind) {
  switch (kind) {
    case GoalKind::kAppointment:
      return WithLater(kAppointment);
    case GoalKind::kReminder:
      return WithLater(kReminder);
    case GoalKind::kQualification:
      return WithLater(kQualification);
    case GoalKind::kRenewal:
      return WithLater(kRenewal);
  }
  return WithLater(kAppointment);
}

Expected<ConversationScript> CampaignScript(const Campaign& campaign,
                                            std::string_view tenant_name) {
  return ParseConversationScript(campaign.script_config.is_null()
                                     ? DefaultScriptConfig(GoalKindOf(campaign.goal))
                                     : campaign.script_config,
                                 tenant_name);
}

}  // namespace talky
