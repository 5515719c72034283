#include "domain/transcript.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono;

const Instant kCreated = sys_days{2026y / 11 / 21} + 14h;

struct OffsetCase {
  const char* name;
  std::optional<microseconds> answered_after_creation;
  microseconds turn_after_creation;
  milliseconds offset;
};

const OffsetCase kOffsets[] = {
    {"from_the_answer", 4s, 7s + 200ms, 3200ms},
    {"from_the_creation_when_never_answered", std::nullopt, 7s + 200ms, 7200ms},
    {"at_the_answer", 4s, 4s, 0ms},
    {"before_the_answer_is_negative", 4s, 3s + 500ms, -500ms},
    {"rounded_down_to_the_millisecond", 0s, 1s + 1400us, 1001ms},
    {"rounded_up_to_the_millisecond", 0s, 1s + 1600us, 1002ms},
};

TEST(Transcript, OffsetsCountFromTheAnswerOrTheCreation) {
  for (const OffsetCase& c : kOffsets) {
    CallRecord call{.created_at = kCreated};
    if (c.answered_after_creation) call.answered_at = kCreated + *c.answered_after_creation;
    EXPECT_EQ(OffsetInCall(call, kCreated + c.turn_after_creation), c.offset) << c.name;
  }
}

}  // namespace
}  // namespace talky
