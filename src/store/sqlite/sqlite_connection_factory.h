// Opens SQLite connections to one database file, set up for the store: WAL journal (readers do not
// block the writer), foreign keys on, and a busy timeout so writers from other threads and other
// processes wait for the write lock instead of failing. The C API stays in detail/.
#pragma once

#include <filesystem>
#include <memory>

#include "domain/error.h"
#include "store/sql/sql_connection.h"

namespace talky {

Expected<std::unique_ptr<SqlConnection>> OpenSqliteConnection(const std::filesystem::path& file);

}  // namespace talky
