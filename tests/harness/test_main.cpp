// The main() of every test binary: GoogleTest, plus stopping the shared servers after the last
// test (a killed binary's servers are removed by their reaper instead).
#include <gtest/gtest.h>

#include "harness/test_servers.h"

namespace {

class SharedServersEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { talky::testing::StopSharedServers(); }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new SharedServersEnvironment);
  return RUN_ALL_TESTS();
}
