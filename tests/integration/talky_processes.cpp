#include "talky_processes.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace talky::testing {

using namespace std::chrono;
using nlohmann::json;

Rows Query(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(url.c_str()), &PQfinish);
  EXPECT_EQ(PQstatus(connection.get()), CONNECTION_OK) << PQerrorMessage(connection.get());
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()),
                                                       &PQclear);
  EXPECT_EQ(PQresultStatus(result.get()), PGRES_TUPLES_OK) << PQerrorMessage(connection.get());
  Rows rows;
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(result.get()); ++c)
      row.emplace_back(PQgetvalue(result.get(), r, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

int64_t Count(const std::string& url, const std::string& sql) {
  Rows rows = Query(url, sql);
  return rows.empty() ? -1 : std::stoll(rows[0][0]);
}

pid_t StartTalky(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(TALKY_BINARY));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t child = fork();
  if (child == 0) {
    const int fd = ::open(log.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(TALKY_BINARY, argv.data());
    _exit(127);
  }
  return child;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<int> WaitFor(pid_t pid, milliseconds limit) {
  const auto deadline = steady_clock::now() + limit;
  int status = 0;
  while (steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

std::optional<int> WaitForListeningPort(pid_t server, const std::filesystem::path& log,
                                        milliseconds limit) {
  const std::regex listening(R"(listening on http://127\.0\.0\.1:([0-9]+))");
  const auto deadline = steady_clock::now() + limit;
  while (steady_clock::now() < deadline) {
    const std::string output = ReadFile(log);
    std::smatch match;
    if (std::regex_search(output, match, listening)) return std::stoi(match[1]);
    int status = 0;
    if (waitpid(server, &status, WNOHANG) == server) return std::nullopt;
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

std::pair<int, json> Api::Send(const std::string& method, const std::string& path,
                               const std::string& key, const std::string& body,
                               const std::string& content_type) {
  HttpClientRequest request{.method = method, .url = base_ + path};
  request.headers.emplace_back("Authorization", "Bearer " + key);
  if (!body.empty()) request.headers.emplace_back("Content-Type", content_type);
  request.body = body;
  Expected<HttpClientResponse> response = client_.Send(request);
  if (!response) {
    ADD_FAILURE() << method << " " << path << ": " << response.error().Describe();
    return {0, json()};
  }
  json parsed = response->body.empty() ? json() : json::parse(response->body, nullptr, false);
  return {response->status, std::move(parsed)};
}

std::string Api::Text(const std::string& path) {
  Expected<HttpClientResponse> response = client_.Send({.method = "GET", .url = base_ + path});
  if (!response) {
    ADD_FAILURE() << "GET " << path << ": " << response.error().Describe();
    return "";
  }
  return response->body;
}

}  // namespace talky::testing
