// The dashboard's files (web/, built by web/build.mjs), compiled into the binary at build time by
// cmake/embed_directory.cmake: paths from the site's root ("/index.html", "/js/app.js").
#pragma once

#include <span>
#include <string_view>

namespace talky {

struct EmbeddedFile {
  std::string_view path;
  std::string_view content;
};

std::span<const EmbeddedFile> DashboardFiles();

}  // namespace talky
