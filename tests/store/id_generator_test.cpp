#include "store/id_generator.h"

#include <gtest/gtest.h>

#include <chrono>
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

// Version 7: the creation time in milliseconds leads, so later ids sort after earlier ones (rows
// made together share index pages), and the rest is random.
TEST(TimeOrderedIdGenerator, MakesVersion7UuidsThatSortByTheirMillisecond) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  TimeOrderedIdGenerator ids;
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  std::string previous_millis;
  for (int i = 0; i < 2000; ++i) {
    const int64_t before =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    std::string id = ids.Next();
    const int64_t after =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    ASSERT_TRUE(std::regex_match(id, uuid)) << id;
    const std::string millis_hex = id.substr(0, 8) + id.substr(9, 4);
    const int64_t millis = std::stoll(millis_hex, nullptr, 16);
    EXPECT_GE(millis, before) << id;
    EXPECT_LE(millis, after) << id;
    EXPECT_GE(millis_hex, previous_millis) << "ids made later sort before earlier ones";
    previous_millis = millis_hex;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 2000u);
}

}  // namespace
}  // namespace talky
