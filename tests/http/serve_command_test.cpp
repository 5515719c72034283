// `talky serve` as an operator runs it: a real process on a SQLite file, asked for any free port,
// answering /health, stopped with SIGTERM.
#include "app/serve_command.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "app/cli.h"
#include "harness/test_servers.h"
#include "net/http_client.h"

namespace talky {
namespace {

using namespace std::chrono;

// Reads the child's output until `pattern` matches it or `bound` passes.
std::string ReadUntil(int fd, const std::regex& pattern, milliseconds bound) {
  std::string output;
  const auto deadline = steady_clock::now() + bound;
  char buffer[512];
  while (!std::regex_search(output, pattern) && steady_clock::now() < deadline) {
    pollfd ready{.fd = fd, .events = POLLIN};
    const auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    if (poll(&ready, 1, static_cast<int>(std::max<long>(left.count(), 0))) <= 0) break;
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  return output;
}

TEST(ServeCommand, ServesHealthOnAFreePortAndStopsCleanlyOnSigterm) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("serve");
  ASSERT_TRUE(dir);
  const std::string url = "sqlite:" + ((*dir)->path() / "talky.db").string();
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t child = fork();
  if (child == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    execl(TALKY_BINARY, TALKY_BINARY, "serve", "--listen", "127.0.0.1:0", "--database-url",
          url.c_str(), "--threads", "2", nullptr);
    _exit(127);
  }
  close(out[1]);
  (*dir)->Watch(child);

  const std::regex listening(R"(listening on http://127\.0\.0\.1:([0-9]+))");
  std::string output = ReadUntil(out[0], listening, 30s);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(output, match, listening)) << output;
  const int port = std::stoi(match[1]);
  EXPECT_GT(port, 0);
  EXPECT_NE(output.find("admin key (generated"), std::string::npos) << output;

  HttpClient client;
  Expected<HttpClientResponse> health =
      client.Send({.url = "http://127.0.0.1:" + std::to_string(port) + "/health"});
  ASSERT_TRUE(health) << health.error().Describe();
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(nlohmann::json::parse(health->body)["status"], "ok");

  ASSERT_EQ(kill(child, SIGTERM), 0);
  int status = 0;
  pid_t waited = 0;
  for (auto deadline = steady_clock::now() + 20s;
       (waited = waitpid(child, &status, WNOHANG)) == 0 && steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(waited, child) << "talky serve did not stop within 20 s of SIGTERM";
  (*dir)->Forget(child);
  output += ReadUntil(out[0], std::regex("stopped"), 5s);
  close(out[0]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  EXPECT_NE(output.find("SIGTERM: finishing requests in progress"), std::string::npos) << output;
}

// A port that was free a moment ago (bound to port 0, then released).
int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
  socklen_t size = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    if (fd >= 0) close(fd);
    return 0;
  }
  close(fd);
  return ntohs(address.sin_port);
}

// Without --media-websocket-uri, the answer NCCO points at the media WebSocket of this very
// server, wherever --listen put it.
TEST(ServeCommand, TheDefaultMediaUriFollowsListen) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("serve");
  ASSERT_TRUE(dir);
  const std::string url = "sqlite:" + ((*dir)->path() / "talky.db").string();
  const int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t child = fork();
  if (child == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    execl(TALKY_BINARY, TALKY_BINARY, "serve", "--listen", listen.c_str(), "--database-url",
          url.c_str(), "--threads", "2", "--admin-key", "admin-key-for-tests", nullptr);
    _exit(127);
  }
  close(out[1]);
  (*dir)->Watch(child);
  std::string output = ReadUntil(out[0], std::regex("listening on http://[0-9.:]+\n"), 30s);
  ASSERT_NE(output.find("listening on http://" + listen), std::string::npos) << output;

  HttpClient client;
  Expected<HttpClientResponse> answer =
      client.Send({.url = "http://" + listen + "/webhooks/vonage/answer?call_id=call-1"});
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  (*dir)->Forget(child);
  close(out[0]);
  ASSERT_TRUE(answer) << answer.error().Describe();
  EXPECT_EQ(answer->status, 200) << answer->body;
  EXPECT_NE(answer->body.find("ws://" + listen + "/media"), std::string::npos) << answer->body;
}

TEST(ServeCommand, DefaultMediaUriTable) {
  struct Row {
    ListenAddress listen;
    std::string uri;
  };
  const Row kRows[] = {
      {{"127.0.0.1", 9000}, "ws://127.0.0.1:9000/media"},
      {{"10.1.2.3", 80}, "ws://10.1.2.3:80/media"},
      {{"0.0.0.0", 8080}, "ws://127.0.0.1:8080/media"},
      {{"::1", 8081}, "ws://[::1]:8081/media"},
      {{"::", 8082}, "ws://[::1]:8082/media"},
      {{"fd00::5", 8083}, "ws://[fd00::5]:8083/media"},
  };
  for (const Row& row : kRows) {
    EXPECT_EQ(DefaultMediaWebSocketUri(row.listen), row.uri) << row.listen.host;
  }
}

TEST(ServeCommand, BadFlagsExitWithUsageAndAMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"serve", "--listen", "8080"}, "expected HOST:PORT"},
      {{"serve", "--listen", "127.0.0.1:99999"}, "from 0 to 65535"},
      {{"serve", "--listen", ":80"}, "the host is missing"},
      {{"serve", "--listen", "localhost:8080"}, "must be an IP address"},
      {{"serve", "--threads", "-1"}, "--threads"},
      {{"serve", "--body-limit", "0"}, "--body-limit"},
      {{"serve", "--database-url", "mysql://x"}, "database-url"},
      {{"serve", "--secrets-file", "/nonexistent/secrets.env"}, "--secrets-file"},
  };
  for (const Case& row : cases) {
    std::ostringstream out, err;
    EXPECT_EQ(RunCli(row.args, out, err), kExitUsage) << row.args[2] << " " << err.str();
    EXPECT_NE(err.str().find(row.message), std::string::npos) << err.str();
  }
}

TEST(ServeCommand, ListenAddressParsing) {
  EXPECT_EQ(ParseListenAddress("127.0.0.1:8080")->host, "127.0.0.1");
  EXPECT_EQ(ParseListenAddress("127.0.0.1:8080")->port, 8080);
  EXPECT_EQ(ParseListenAddress("[::1]:0")->host, "::1");
  EXPECT_EQ(ParseListenAddress("0.0.0.0:0")->port, 0);
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:"));
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:8x"));
}

}  // namespace
}  // namespace talky
