// docs/openapi.yaml describes exactly the routes the server answers: the REST API's (AddApiRoutes),
// the operational ones (AddOperationalRoutes: /health, /metrics) and the Vonage webhooks. The file
// is read line by line: under `paths:`, a path is a key indented by two spaces and an operation a
// method key indented by four.
#include <fstream>
#include <regex>
#include <set>

#include "api_fixture.h"
#include "http/operational_routes.h"

namespace talky {
namespace {

using Operation = std::pair<std::string, std::string>;  // (method, path)

// Added by the webhook handlers (issue 7's webhook part), which are wired in elsewhere.
const std::set<Operation> kWebhookRoutes = {
    {"POST", "/webhooks/vonage/event"},
    {"GET", "/webhooks/vonage/answer"},
    {"POST", "/webhooks/vonage/answer"},
};

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
  Metrics metrics;
  AddOperationalRoutes(router_, metrics, queue_, *store_);
  std::set<Operation> served = kWebhookRoutes;
  for (const Route& route : router_.Routes()) served.insert({route.method, route.pattern});
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
