#include "store/id_generator.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace talky {
namespace {

TEST(RandomIdGenerator, MakesVersion4UuidsRepeatablyFromASeed) {
  RandomIdGenerator a(42);
  RandomIdGenerator b(42);
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = a.Next();
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    EXPECT_EQ(id, b.Next());
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_NE(RandomIdGenerator(1).Next(), RandomIdGenerator(2).Next());
}

}  // namespace
}  // namespace talky
