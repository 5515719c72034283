#include "domain/consent.h"

#include "domain/enum_names.h"

namespace talky {
namespace {

constexpr EnumNames<ConsentKind, 3> kConsentKindNames{{
    {ConsentKind::kNone, "none"},
    {ConsentKind::kOral, "oral"},
    {ConsentKind::kWritten, "written"},
}};

}  // namespace

std::string_view ToString(ConsentKind kind) { return NameOf(kConsentKindNames, kind); }
std::optional<ConsentKind> ParseConsentKind(std::string_view text) {
  return ValueOf(kConsentKindNames, text);
}

}  // namespace talky
