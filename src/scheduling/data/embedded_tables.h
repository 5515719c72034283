// Data tables compiled into the binary as CSV text (see README.md in this folder for sources).
// Parsed once by scheduling/lead_location.cpp and scheduling/calling_laws.cpp; immutable, so any
// thread may read them.
#pragma once

namespace talky::data {

extern const char kNanpAreaCodesCsv[];     // "NPA,REGION,SUBDIVISION,ZONE ZONE ..." per line
extern const char kCountryZonesCsv[];      // "CC,ZONE ZONE ..." per line
extern const char kStateCallingLawsCsv[];  // "JURISDICTION,START,END,MAX_PER_24H,CITATION"

}  // namespace talky::data
