// A lead's prior express consent to be called (TCPA): its kind, when it was given and where it
// came from (a web form, a signed contract). A call in an artificial voice (an AI agent's) needs
// consent; a telemarketing one needs it in writing, so a marketing campaign never dials a US
// number without written consent (scheduling/call_permission.h, reason no_consent).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/instant.h"

namespace talky {

enum class ConsentKind { kNone, kOral, kWritten };

std::string_view ToString(ConsentKind kind);
std::optional<ConsentKind> ParseConsentKind(std::string_view text);

struct Consent {
  ConsentKind kind = ConsentKind::kNone;
  std::optional<Instant> given_at;
  std::optional<std::string> source;

  bool operator==(const Consent&) const = default;
};

}  // namespace talky
