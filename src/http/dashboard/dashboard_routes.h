// The operator's dashboard (web/): its files at their paths, and index.html also at `/`. The page
// talks to the REST API of the same server; it signs in through POST /v1/session.
//
// `directory`: when not empty, the files are read from there at each request instead of the copy
// compiled in (TALKY_DASHBOARD_DIR, for working on web/ without rebuilding); the paths are those
// found there when the routes are added.
#pragma once

#include <string>

#include "http/router.h"

namespace talky {

void AddDashboardRoutes(Router& router, const std::string& directory);

}  // namespace talky
