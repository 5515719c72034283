// Instants: every moment inside Talky is UTC with microsecond precision (ARCHITECTURE.md defect 10:
// no naive times). On the wire they are ISO-8601 with an explicit offset.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

using Instant = std::chrono::sys_time<std::chrono::microseconds>;

// "2026-11-21T14:05:00Z", with a fraction (".250000") only when the instant has one.
std::string FormatIso8601(Instant instant);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction]" followed by "Z" or an offset "+HH:MM"/"-HH:MM", and
// returns the UTC instant. A time without an offset is rejected: it names no instant.
Expected<Instant> ParseIso8601(std::string_view text);

}  // namespace talky
