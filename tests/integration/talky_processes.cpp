#include "talky_processes.h"

#include <libpq-fe.h>

#include <regex>

namespace talky::testing {

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
    for (int c = 0; c < PQnfields(result.get()); ++c) {
      row.emplace_back(PQgetvalue(result.get(), r, c));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

int64_t Count(const std::string& url, const std::string& sql) {
  Rows rows = Query(url, sql);
  return rows.empty() ? -1 : std::stoll(rows[0][0]);
}

std::unique_ptr<ChildProcess> StartTalky(const std::vector<std::string>& args,
                                         ScratchDir& scratch) {
  Expected<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(TALKY_BINARY, args, &scratch);
  EXPECT_TRUE(child) << child.error().Describe();
  return child ? std::move(*child) : nullptr;
}

std::optional<int> WaitForListeningPort(ChildProcess& server, std::chrono::milliseconds limit) {
  const std::optional<std::string> line =
      server.WaitForLine("listening on http://127.0.0.1:", limit);
  const std::regex listening(R"(listening on http://127\.0\.0\.1:([0-9]+))");
  std::smatch match;
  if (!line || !std::regex_search(*line, match, listening)) return std::nullopt;
  return std::stoi(match[1]);
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
