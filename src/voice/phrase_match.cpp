#include "voice/phrase_match.h"

#include <algorithm>
#include <cctype>

namespace talky {

std::string NormalizedPhrase(std::string_view text) {
  std::string normalized;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '\'') {
      normalized += static_cast<char>(std::tolower(byte));
    } else if (!normalized.empty() && normalized.back() != ' ') {
      normalized += ' ';
    }
  }
  if (!normalized.empty() && normalized.back() == ' ') normalized.pop_back();
  return normalized;
}

int PhraseMatchScore(std::string_view reply, std::string_view phrase) {
  if (phrase.empty()) return 0;
  const int words = static_cast<int>(std::ranges::count(phrase, ' ')) + 1;
  if (reply == phrase) return 1000 + words;
  const std::string padded_reply = " " + std::string(reply) + " ";
  const std::string padded_phrase = " " + std::string(phrase) + " ";
  return padded_reply.find(padded_phrase) != std::string::npos ? words : 0;
}

}  // namespace talky
