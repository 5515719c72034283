#include "domain/instant.h"

// g++ 12 reports a false -Wmaybe-uninitialized inside date::parse's own code; silence it for
// that header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <date/date.h>
#pragma GCC diagnostic pop

#include <sstream>

namespace talky {

std::string FormatIso8601(Instant instant) {
  if (instant.time_since_epoch() % std::chrono::seconds(1) == std::chrono::microseconds(0)) {
    return date::format("%FT%TZ", std::chrono::time_point_cast<std::chrono::seconds>(instant));
  }
  return date::format("%FT%TZ", instant);
}

namespace {

// date::parse applies a parsed offset to a sys_time itself.
bool ParseWithFormat(std::string_view text, const char* format, Instant& instant) {
  std::istringstream stream{std::string(text)};
  date::sys_time<std::chrono::microseconds> parsed;
  stream >> date::parse(format, parsed);
  if (stream.fail()) return false;
  // The whole text must be consumed: "2026-01-01T00:00:00Zjunk" is not an instant.
  if (stream.peek() != std::char_traits<char>::eof()) return false;
  instant = parsed;
  return true;
}

// "+HH:MM" or "-HH:MM" at the end; %Ez alone would also take "+5".
bool EndsWithOffset(std::string_view text) {
  if (text.size() < 6) return false;
  const std::string_view offset = text.substr(text.size() - 6);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return (offset[0] == '+' || offset[0] == '-') && digit(offset[1]) && digit(offset[2]) &&
         offset[3] == ':' && digit(offset[4]) && digit(offset[5]);
}

}  // namespace

Expected<Instant> ParseIso8601(std::string_view text) {
  Instant instant;
  if (!text.empty() && (text.back() == 'Z' || text.back() == 'z')) {
    if (ParseWithFormat(text.substr(0, text.size() - 1), "%FT%T", instant)) return instant;
  } else if (EndsWithOffset(text) && ParseWithFormat(text, "%FT%T%Ez", instant)) {
    return instant;
  }
  return std::unexpected(Error::InvalidArgument(
      "'" + std::string(text) +
      "' is not an ISO-8601 instant with an offset (e.g. 2026-11-21T14:05:00Z)"));
}

}  // namespace talky
