#include "domain/instant.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono;

Instant At(sys_days day, microseconds since_midnight = {}) { return day + since_midnight; }

struct ParseCase {
  const char* text;
  Instant expected;
};

const ParseCase kValid[] = {
    {"2026-11-21T14:05:00Z", At(sys_days{2026y / 11 / 21}, 14h + 5min)},
    {"2026-11-21T14:05:00z", At(sys_days{2026y / 11 / 21}, 14h + 5min)},
    {"2026-11-21T14:05:00.250Z", At(sys_days{2026y / 11 / 21}, 14h + 5min + 250ms)},
    {"2026-11-21T14:05:00.123456Z", At(sys_days{2026y / 11 / 21}, 14h + 5min + 123456us)},
    {"2026-11-21T14:05:00+00:00", At(sys_days{2026y / 11 / 21}, 14h + 5min)},
    {"2026-11-21T09:05:00-05:00", At(sys_days{2026y / 11 / 21}, 14h + 5min)},
    {"2026-11-22T00:35:00+10:30", At(sys_days{2026y / 11 / 21}, 14h + 5min)},
    {"2026-03-08T06:59:59Z", At(sys_days{2026y / 3 / 8}, 6h + 59min + 59s)},
    {"1970-01-01T00:00:00Z", Instant{}},
    {"2028-02-29T23:59:59.999999Z", At(sys_days{2028y / 2 / 29}, 23h + 59min + 59s + 999999us)},
    {"2026-11-21t14:05:00.1234567891Z", At(sys_days{2026y / 11 / 21}, 14h + 5min + 123456us)},
};

TEST(Instant, ParsesIso8601WithOffset) {
  for (const ParseCase& c : kValid) {
    Expected<Instant> parsed = ParseIso8601(c.text);
    ASSERT_TRUE(parsed) << c.text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
}

TEST(Instant, RejectsTextThatNamesNoInstant) {
  for (const char* text :
       {"", "2026-11-21", "2026-11-21T14:05:00", "2026-11-21 14:05:00Z", "2026-13-01T00:00:00Z",
        "2026-11-21T25:00:00Z", "2026-11-21T14:05:00Zx", "yesterday", "2026-11-21T14:05:00+5", "Z",
        "2026-02-30T00:00:00Z", "2026-11-21T14:05:00.Z", "2026-11-21T14:05:60Z",
        "2026-11-21T14:05:00+24:00", "+026-11-21T14:05:00Z",
        // found by fuzz/instant_fuzzer: date::parse overflowed on it
        "2044-11-44T00:35:26-\377\377\377\377\377\377\3770+10:30"}) {
    Expected<Instant> parsed = ParseIso8601(text);
    ASSERT_FALSE(parsed) << "accepted '" << text << "'";
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("ISO-8601"), std::string::npos);
  }
}

TEST(Instant, FormatsAsUtcWithFractionOnlyWhenPresent) {
  EXPECT_EQ(FormatIso8601(At(sys_days{2026y / 11 / 21}, 14h + 5min)), "2026-11-21T14:05:00Z");
  EXPECT_EQ(FormatIso8601(At(sys_days{2026y / 11 / 21}, 14h + 5min + 250ms)),
            "2026-11-21T14:05:00.250000Z");
}

TEST(Instant, RoundTripsThroughText) {
  for (const ParseCase& c : kValid) {
    EXPECT_EQ(ParseIso8601(FormatIso8601(c.expected)).value(), c.expected) << c.text;
  }
}

}  // namespace
}  // namespace talky
