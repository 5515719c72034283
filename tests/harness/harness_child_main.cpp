// A helper program for the harness's own test: starts both servers, reports their pids and folders
// on stdout, then waits to be killed. The test kills it with SIGKILL and checks that the servers
// and their folders disappear anyway.
#include <unistd.h>

#include <iostream>

#include "harness/test_servers.h"

int main() {
  auto redis = talky::testing::RedisServer::Start();
  auto postgres = talky::testing::PostgresServer::Start();
  if (!redis || !postgres) {
    std::cerr << (redis ? postgres.error().Describe() : redis.error().Describe()) << "\n";
    return 1;
  }
  std::cout << (*redis)->pid() << " " << (*redis)->dir().string() << "\n"
            << (*postgres)->pid() << " " << (*postgres)->dir().string() << std::endl;
  while (true) pause();
}
