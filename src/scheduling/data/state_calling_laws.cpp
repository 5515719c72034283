// Calling hours and caps by law, in the called party's local time, one row per jurisdiction:
// "JURISDICTION,START,END,MAX_CALLS_PER_24H,CITATION". START/END are HH:MM, half-open
// [START, END); MAX_CALLS_PER_24H is 0 where the law sets no cap (the cap counts calls to one
// number for one campaign, i.e. one subject, within 24 hours). "US" is the federal floor for
// every number of the US and its territories; a state row applies to the area codes of that
// state (nanp_area_codes.cpp) and only ever narrows the federal floor.
// Sources (statutes as in force in 2026; check them before relying on this table):
//   US  47 CFR 64.1200(c)(1) (TCPA rules): no solicitation before 8 a.m. or after 9 p.m. local.
//   FL  Fla. Stat. 501.616(6)(a)-(b) (Florida Telephone Solicitation Act, 2021 amendments):
//       8 a.m.-8 p.m., at most 3 calls in 24 hours on the same subject.
//   OK  Okla. Stat. tit. 15 775C.4 (Oklahoma Telephone Solicitation Act of 2022): 8 a.m.-8 p.m.,
//       at most 3 calls in 24 hours on the same subject.
//   MD  Md. Code Com. Law 14-4503 (Stop the Spam Calls Act of 2023): 8 a.m.-8 p.m., at most 3
//       calls in 24 hours on the same subject.
//   WA  RCW 80.36.390(3): no calls before 8 a.m. or after 8 p.m.
// To add a state, add a row; nothing else changes.
#include "scheduling/data/embedded_tables.h"

namespace talky::data {

extern const char kStateCallingLawsCsv[] = R"(
US,08:00,21:00,0,47 CFR 64.1200(c)(1) (TCPA)
FL,08:00,20:00,3,Fla. Stat. 501.616(6)
OK,08:00,20:00,3,Okla. Stat. tit. 15 775C.4
MD,08:00,20:00,3,Md. Code Com. Law 14-4503
WA,08:00,20:00,0,RCW 80.36.390(3)
)";

}  // namespace talky::data
