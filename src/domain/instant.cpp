#include "domain/instant.h"

// g++ 12 reports a false -Wmaybe-uninitialized inside date::parse's own code; silence it for
// that header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <date/date.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <optional>

namespace talky {

std::string FormatIso8601(Instant instant) {
  if (instant.time_since_epoch() % std::chrono::seconds(1) == std::chrono::microseconds(0)) {
    return date::format("%FT%TZ", std::chrono::time_point_cast<std::chrono::seconds>(instant));
  }
  return date::format("%FT%TZ", instant);
}

namespace {

// Reads `count` digits at `pos` as a number; false if any is not a digit.
bool ReadDigits(std::string_view text, size_t pos, size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

// The strict shape YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), read by hand: date::parse
// accepts looser text and, on some garbage, overflows internally (found by fuzz/instant_fuzzer).
std::optional<Instant> ParseStrict(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, month) || text[7] != '-' || !ReadDigits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !ReadDigits(text, 11, 2, hour) || text[13] != ':' ||
      !ReadDigits(text, 14, 2, minute) || text[16] != ':' || !ReadDigits(text, 17, 2, second)) {
    return std::nullopt;
  }
  const date::year_month_day calendar{date::year{year}, date::month{static_cast<unsigned>(month)},
                                      date::day{static_cast<unsigned>(day)}};
  if (!calendar.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;

  size_t pos = 19;
  std::chrono::microseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    long long scale = 100'000;  // the first fraction digit is tenths: 100,000 microseconds
    const size_t first = pos;
    // Digits past microseconds are read and dropped.
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += std::chrono::microseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }

  std::chrono::minutes offset{0};
  const std::string_view zone = text.substr(pos);
  int offset_hours, offset_minutes;
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
             ReadDigits(zone, 1, 2, offset_hours) && zone[3] == ':' &&
             ReadDigits(zone, 4, 2, offset_minutes) && offset_hours <= 23 && offset_minutes <= 59) {
    offset = std::chrono::minutes(offset_hours * 60 + offset_minutes);
    if (zone[0] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  const auto local = date::sys_days{calendar} + std::chrono::hours(hour) +
                     std::chrono::minutes(minute) + std::chrono::seconds(second) + fraction;
  return Instant{local - offset};
}

}  // namespace

Expected<Instant> ParseIso8601(std::string_view text) {
  if (std::optional<Instant> instant = ParseStrict(text)) return *instant;
  return std::unexpected(Error::InvalidArgument(
      "'" + std::string(text) +
      "' is not an ISO-8601 instant with an offset (e.g. 2026-11-21T14:05:00Z)"));
}

}  // namespace talky
