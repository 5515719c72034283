#include "harness/test_servers.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

namespace talky::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

bool ProcessAlive(pid_t pid) {
  std::FILE* status = std::fopen(("/proc/" + std::to_string(pid) + "/status").c_str(), "r");
  if (status == nullptr) return false;
  char line[256];
  bool zombie = false;
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::string_view(line).starts_with("State:"))
      zombie = std::string_view(line).find('Z') != std::string_view::npos;
  }
  std::fclose(status);
  return !zombie;
}

std::string RedisCommand(int port, const std::string& command) {
  std::string cli = "redis-cli -p " + std::to_string(port) + " " + command;
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(cli.c_str(), "r"), &pclose);
  std::string reply;
  char buffer[256];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) reply += buffer;
  return reply;
}

TEST(TestServers, SharedRedisAnswersCommands) {
  Expected<RedisServer*> redis = SharedRedis();
  ASSERT_TRUE(redis) << redis.error().Describe();
  EXPECT_EQ(RedisCommand((*redis)->port(), "SET harness ok"), "OK\n");
  EXPECT_EQ(RedisCommand((*redis)->port(), "GET harness"), "ok\n");
}

TEST(TestServers, SharedRedisIsStartedOncePerBinary) {
  Expected<RedisServer*> first = SharedRedis();
  Expected<RedisServer*> second = SharedRedis();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
}

TEST(TestServers, SharedPostgresRunsQueries) {
  Expected<PostgresServer*> postgres = SharedPostgres();
  ASSERT_TRUE(postgres) << postgres.error().Describe();
  Expected<std::string> url = (*postgres)->CreateDatabase("harness_check");
  ASSERT_TRUE(url) << url.error().Describe();
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(url->c_str()), &PQfinish);
  ASSERT_EQ(PQstatus(connection.get()), CONNECTION_OK) << PQerrorMessage(connection.get());
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexec(connection.get(), "SELECT current_database(), 6 * 7"), &PQclear);
  ASSERT_EQ(PQresultStatus(result.get()), PGRES_TUPLES_OK);
  EXPECT_STREQ(PQgetvalue(result.get(), 0, 0), "harness_check");
  EXPECT_STREQ(PQgetvalue(result.get(), 0, 1), "42");
}

TEST(TestServers, RedisRestartKeepsAppendOnlyData) {
  auto redis = RedisServer::Start({.append_only = true});
  ASSERT_TRUE(redis) << redis.error().Describe();
  const int port = (*redis)->port();
  ASSERT_EQ(RedisCommand(port, "SET durable yes"), "OK\n");
  (*redis)->Stop();
  EXPECT_EQ(RedisCommand(port, "PING"), "");  // nobody listens while it is down
  Expected<void> restarted = (*redis)->Restart();
  ASSERT_TRUE(restarted) << restarted.error().Describe();
  EXPECT_EQ((*redis)->port(), port);
  EXPECT_EQ(RedisCommand(port, "GET durable"), "yes\n");
}

TEST(TestServers, ServersAndFoldersGoAwayWithTheirOwner) {
  fs::path dir;
  pid_t pid = -1;
  {
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis) << redis.error().Describe();
    dir = (*redis)->dir();
    pid = (*redis)->pid();
    EXPECT_TRUE(fs::exists(dir));
  }
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(ProcessAlive(pid));
}

TEST(TestServers, ServerThatCannotStartSaysWhy) {
  // Hold a port so the server cannot bind it.
  const int holder = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);

  auto redis = RedisServer::Start({.port = ntohs(address.sin_port)});
  close(holder);
  ASSERT_FALSE(redis);
  EXPECT_EQ(redis.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(redis.error().message.find("Address already in use"), std::string::npos)
      << redis.error().message;
}

TEST(TestServers, KilledBinaryLeavesNoServerOrFolderBehind) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t child = fork();
  if (child == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(TALKY_HARNESS_CHILD, TALKY_HARNESS_CHILD, nullptr);
    _exit(127);
  }
  close(out[1]);
  std::unique_ptr<FILE, decltype(&fclose)> report(fdopen(out[0], "r"), &fclose);
  long redis_pid = 0, postgres_pid = 0;
  char redis_dir[512] = {}, postgres_dir[512] = {};
  ASSERT_EQ(std::fscanf(report.get(), "%ld %511s %ld %511s", &redis_pid, redis_dir, &postgres_pid,
                        postgres_dir),
            4)
      << "the child did not report its servers";
  ASSERT_TRUE(ProcessAlive(static_cast<pid_t>(redis_pid)));
  ASSERT_TRUE(ProcessAlive(static_cast<pid_t>(postgres_pid)));
  ASSERT_TRUE(fs::exists(redis_dir));
  ASSERT_TRUE(fs::exists(postgres_dir));

  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);

  // The reaper needs a moment; poll, with a generous bound, rather than sleep a fixed time.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  auto gone = [&] {
    return !ProcessAlive(static_cast<pid_t>(redis_pid)) &&
           !ProcessAlive(static_cast<pid_t>(postgres_pid)) && !fs::exists(redis_dir) &&
           !fs::exists(postgres_dir);
  };
  while (!gone() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(ProcessAlive(static_cast<pid_t>(redis_pid)));
  EXPECT_FALSE(ProcessAlive(static_cast<pid_t>(postgres_pid)));
  EXPECT_FALSE(fs::exists(redis_dir)) << redis_dir;
  EXPECT_FALSE(fs::exists(postgres_dir)) << postgres_dir;
}

}  // namespace
}  // namespace talky::testing
