// How what the callee said is matched to the phrases a script expects. Offline recognition
// returns one of the phrases as it was given; a cloud recognizer returns free text, where a phrase
// said inside a longer reply ("yes that works for me") still counts, the longest phrase winning.
#pragma once

#include <string>
#include <string_view>

namespace talky {

// Lower case, letters, digits and apostrophes only, words single-spaced.
std::string NormalizedPhrase(std::string_view text);

// How well a normalized reply says a normalized phrase: 0 not at all; the phrase's word count when
// the reply holds it as whole words; far more when the reply is the phrase itself.
int PhraseMatchScore(std::string_view reply, std::string_view phrase);

}  // namespace talky
