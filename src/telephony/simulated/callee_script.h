// Who answers a simulated call when calls speak (talky run), and what they say, by the dialed
// number's test suffix (the README's table):
//   200 (and 48N once answered)  a person who agrees to everything ("yes")
//   204                          a person who declines ("no")
//   205                          a person who asks to be taken off the list
//   555                          an answering machine: a greeting, then a beep
// Other numbers that the outcome mix answers get a person who agrees (the mix said goal achieved)
// or declines, sometimes asking who is calling first or answering over the agent's first line, or
// a machine (the mix said voicemail), with a beep or without. The voice, the pauses and the extras
// are drawn from (seed, number, attempt), so a run repeats exactly. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/call_outcome.h"

namespace talky {

struct CalleeLine {
  std::string text;
  bool over_the_agent = false;  // said while the agent's line is still playing
};

struct CalleeScript {
  bool answering_machine = false;
  bool beep = false;                // a machine's tone after its greeting
  std::vector<CalleeLine> replies;  // a person's, one per agent turn; then silence
  int voice = 0;                    // which of the callee voices (simulated_callee_voices.h)
  // What the callee means, to compare with what the conversation concluded.
  bool agrees = false;
  bool opts_out = false;
};

// The lines callees say (so that their speech can be made before the calls): every text that a
// script's replies may hold.
const std::vector<std::string>& CalleeLines();

// `planned` is the simulated call plan's outcome for an answered call (goal_achieved,
// goal_not_achieved, do_not_call or voicemail).
CalleeScript ScriptCallee(std::string_view e164, int attempt_number, CallOutcome planned,
                          uint64_t seed, int voices);

}  // namespace talky
