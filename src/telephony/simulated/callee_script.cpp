#include "telephony/simulated/callee_script.h"

#include <random>

namespace talky {
namespace {

const std::string kYes = "yes";
const std::string kNo = "no";
const std::string kOptOut = "stop calling me";
const std::string kWhoIsThis = "who is this";
// Enough answers for the longest default script; a script that asks more hears silence, then
// re-prompts and says goodbye.
constexpr int kAnswers = 4;

std::vector<CalleeLine> Repeated(const std::string& text) {
  return std::vector<CalleeLine>(kAnswers, CalleeLine{.text = text});
}

}  // namespace

const std::vector<std::string>& CalleeLines() {
  static const std::vector<std::string> lines = {kYes, kNo, kOptOut, kWhoIsThis};
  return lines;
}

CalleeScript ScriptCallee(std::string_view e164, int attempt_number, CallOutcome planned,
                          uint64_t seed, int voices) {
  // std::hash of a string is stable within one build, which is all a simulation run needs.
  std::mt19937_64 draw(std::hash<std::string_view>{}(e164) ^ (seed * 0xD6E8FEB86659FD93ull) ^
                       static_cast<uint64_t>(attempt_number));
  const auto chance = [&draw](double p) { return std::bernoulli_distribution(p)(draw); };
  CalleeScript script;
  script.voice = voices > 0 ? static_cast<int>(draw() % static_cast<uint64_t>(voices)) : 0;
  const std::string_view suffix = e164.size() >= 3 ? e164.substr(e164.size() - 3) : e164;
  const bool test_number = suffix == "200" || suffix == "204" || suffix == "205" ||
                           suffix == "555" ||
                           (suffix.starts_with("48") && suffix != "486" && suffix != "480");
  if (planned == CallOutcome::kVoicemail) {
    script.answering_machine = true;
    script.beep = suffix == "555" || chance(0.5);
    return script;
  }
  if (planned == CallOutcome::kDoNotCall) {
    script.opts_out = true;
    script.replies = {{.text = kOptOut}};
    return script;
  }
  script.agrees = planned == CallOutcome::kGoalAchieved;
  script.replies = Repeated(script.agrees ? kYes : kNo);
  if (test_number) return script;
  if (chance(0.15)) {
    script.replies.insert(script.replies.begin(), CalleeLine{.text = kWhoIsThis});
  } else if (script.agrees && chance(0.2)) {
    script.replies.front().over_the_agent = true;
  }
  return script;
}

}  // namespace talky
