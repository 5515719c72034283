// Versioned schema migrations, the same logical schema on SQLite and PostgreSQL (docs/schema.md).
// Each migration is written once with type placeholders ({json}, {bool}, {real}) that each dialect
// fills in. Migrate() applies the missing ones in one transaction under a lock, so several
// processes starting at once apply each migration exactly once. Run by `talky migrate` and when a
// store opens.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "domain/instant.h"
#include "store/sql/sql_connection.h"

namespace talky {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;                 // with {json}, {bool}, {real}, {serial}
  std::string_view postgres_only = {};  // storage settings that only PostgreSQL has
};

std::span<const Migration> AllMigrations();

// The migration's SQL for one engine: {json} is JSONB on PostgreSQL and TEXT on SQLite, {bool}
// BOOLEAN and INTEGER, {real} DOUBLE PRECISION and REAL; TEXT is byte-ordered (COLLATE "C") on
// PostgreSQL, as it is on SQLite.
std::string RenderMigration(std::string_view sql, SqlDialect dialect);

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
};

// Brings the database up to the latest version. A database newer than this binary is an error.
Expected<MigrationReport> Migrate(SqlConnection& connection, Instant now);

}  // namespace talky
