// Opens SQLite connections to one database file, set up for the store: WAL journal (readers do not
// block the writer), foreign keys on, and a busy timeout so writers from other threads and other
// processes wait for the write lock instead of failing. The C API stays in detail/.
//
// Connections of one process that share `writer` take it before SQLite's write lock: waiting
// writers then queue on the mutex and get the lock the moment it is free, instead of sleeping in
// SQLite's busy handler (whose naps of up to 100 ms left the lock idle under load).
//
// Connections given a `checkpointer` leave the WAL's checkpoints to its thread (WalCheckpointer).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "domain/error.h"
#include "store/sql/sql_connection.h"
#include "store/sqlite/wal_checkpointer.h"

namespace talky {

Expected<std::unique_ptr<SqlConnection>> OpenSqliteConnection(
    const std::filesystem::path& file, std::shared_ptr<std::mutex> writer = nullptr,
    std::shared_ptr<WalCheckpointer> checkpointer = nullptr);

}  // namespace talky
