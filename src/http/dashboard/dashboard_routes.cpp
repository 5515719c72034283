#include "http/dashboard/dashboard_routes.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "http/dashboard/dashboard_files.h"

namespace talky {
namespace {

std::string ContentTypeOf(const std::string& path) {
  static const std::map<std::string, std::string> kTypes{{".html", "text/html; charset=utf-8"},
                                                         {".js", "text/javascript; charset=utf-8"},
                                                         {".mjs", "text/javascript; charset=utf-8"},
                                                         {".css", "text/css; charset=utf-8"},
                                                         {".svg", "image/svg+xml"},
                                                         {".png", "image/png"},
                                                         {".json", "application/json"},
                                                         {".map", "application/json"},
                                                         {".ico", "image/x-icon"},
                                                         {".txt", "text/plain; charset=utf-8"}};
  auto it = kTypes.find(std::filesystem::path(path).extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

HttpResponse FileResponse(const std::string& path, std::string body) {
  HttpResponse response{
      .status = 200, .content_type = ContentTypeOf(path), .body = std::move(body)};
  // Small files, and a new binary may bring new ones: the browser asks again each time.
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  // Only our own scripts run, and the page talks only to this server; no one may frame it.
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
      "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  return response;
}

void AddFile(Router& router, const std::string& path, std::function<std::string()> read) {
  auto handler = [path, read](const HttpRequest&) { return FileResponse(path, read()); };
  router.Add("GET", path, handler);
  if (path == "/index.html") router.Add("GET", "/", handler);
}

}  // namespace

void AddDashboardRoutes(Router& router, const std::string& directory) {
  if (directory.empty()) {
    for (const EmbeddedFile& file : DashboardFiles()) {
      AddFile(router, std::string(file.path),
              [content = file.content] { return std::string(content); });
    }
    return;
  }
  namespace fs = std::filesystem;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = "/" + fs::relative(entry.path(), directory).generic_string();
    AddFile(router, path, [file = entry.path()] {
      std::ifstream in(file, std::ios::binary);
      std::ostringstream content;
      content << in.rdbuf();
      return content.str();
    });
  }
}

}  // namespace talky
