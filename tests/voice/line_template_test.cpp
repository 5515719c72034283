#include "voice/line_template.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

TEST(LineTemplateTest, FieldsAreFilledInAndMissingOnesLeaveNoGap) {
  const LineFields fields{{"first_name", "Ada"}, {"business", "Acme"}, {"custom.plan", "Gold"}};
  EXPECT_EQ(RenderLine("Hello {first_name}! {business} here about {custom.plan}.", fields),
            "Hello Ada! Acme here about Gold.");
  EXPECT_EQ(RenderLine("Hello {last_name}! Hi {last_name}, {business} here.", fields),
            "Hello! Hi, Acme here.");
  EXPECT_EQ(RenderLine("{first_name}, hello.", {}), "hello.");
}

TEST(LineTemplateTest, OnlyOurPlaceholdersAreAccepted) {
  EXPECT_TRUE(LineTemplateProblems("Hi {first_name} {last_name} {business} {custom.x}").empty());
  ASSERT_EQ(LineTemplateProblems("Hi {name}").size(), 1u);
  EXPECT_NE(LineTemplateProblems("Hi {name}")[0].find("{name}"), std::string::npos);
  EXPECT_EQ(LineTemplateProblems("Hi {custom.}").size(), 1u);
  EXPECT_EQ(LineTemplateProblems("Hi {first_name").size(), 1u);
}

}  // namespace
}  // namespace talky
