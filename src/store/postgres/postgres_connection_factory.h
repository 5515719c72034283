// Opens PostgreSQL connections (libpq) from a `postgresql://` URL. Each connection prepares its
// statements once and runs them by name; bulk inserts use COPY. The C API stays in detail/.
#pragma once

#include <memory>
#include <string>

#include "domain/error.h"
#include "store/sql/sql_connection.h"

namespace talky {

Expected<std::unique_ptr<SqlConnection>> OpenPostgresConnection(const std::string& url);

}  // namespace talky
