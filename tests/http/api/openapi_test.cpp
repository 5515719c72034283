// docs/openapi.yaml describes exactly the routes the server answers, as `talky serve` assembles
// them (TalkyServer): the REST API's, the operational ones (/health, /metrics) and the Vonage
// webhooks. The file
// is read line by line: under `paths:`, a path is a key indented by two spaces and an operation a
// method key indented by four.
#include <fstream>
#include <regex>
#include <set>

#include "api_fixture.h"
#include "app/talky_server.h"
#include "http/api/campaign_live_stream.h"
#include "http/dashboard/dashboard_files.h"

namespace talky {
namespace {

using Operation = std::pair<std::string, std::string>;  // (method, path)

std::set<Operation> DocumentedOperations(const std::string& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in) << "cannot read " << file;
  const std::regex path_line(R"(^  (/\S*):\s*$)");
  const std::regex method_line(R"(^    (get|put|post|delete|patch|head|options):\s*$)");
  std::set<Operation> operations;
  bool in_paths = false;
  std::string path;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      in_paths = line.starts_with("paths:");
      continue;
    }
    if (!in_paths) continue;
    std::smatch match;
    if (std::regex_match(line, match, path_line)) {
      path = match[1];
    } else if (std::regex_match(line, match, method_line)) {
      std::string method = match[1];
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      EXPECT_TRUE(operations.insert({method, path}).second) << method << " " << path << " twice";
    }
  }
  return operations;
}

TEST_F(ApiTest, OpenApiDescribesEveryRouteAndNoOther) {
  TalkyServer server(*store_, queue_, clock_, ids_, TalkyServerOptions{});
  std::set<Operation> served;
  // The dashboard's page is documented; the files it loads beside it are not API.
  std::set<std::string> dashboard_files;
  for (const EmbeddedFile& file : DashboardFiles()) dashboard_files.insert(std::string(file.path));
  for (const Route& route : server.router().Routes()) {
    if (!dashboard_files.contains(route.pattern)) served.insert({route.method, route.pattern});
  }
  served.insert({"GET", CampaignLiveStream::kPattern});  // a stream the server hands over
  const std::set<Operation> documented = DocumentedOperations(TALKY_OPENAPI_FILE);
  for (const Operation& operation : served) {
    EXPECT_TRUE(documented.contains(operation))
        << operation.first << " " << operation.second << " is served but not in openapi.yaml";
  }
  for (const Operation& operation : documented) {
    EXPECT_TRUE(served.contains(operation))
        << operation.first << " " << operation.second << " is in openapi.yaml but not served";
  }
  EXPECT_GE(documented.size(), 20u);  // the reader found the paths at all
}

}  // namespace
}  // namespace talky
