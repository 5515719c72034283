#include "store/sqlite/detail/sqlite_connection.h"

#include <charconv>
#include <cstring>
#include <string>

#include "store/sqlite/sqlite_connection_factory.h"

namespace talky {
namespace sqlite_detail {
namespace {

// "$12" -> "?12": SQLite's numbered parameters, so the shared SQL can keep PostgreSQL's spelling.
std::string ToSqliteParameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool in_string = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'') in_string = !in_string;
    if (!in_string && c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// "UNIQUE constraint failed: leads.campaign_id, leads.phone_number" -> "phone_number".
std::string ConstraintField(std::string_view message) {
  size_t colon = message.find(": ");
  if (colon == std::string_view::npos) return "";
  std::string_view columns = message.substr(colon + 2);
  size_t comma = columns.rfind(", ");
  if (comma != std::string_view::npos) columns = columns.substr(comma + 2);
  size_t dot = columns.rfind('.');
  if (dot != std::string_view::npos) columns = columns.substr(dot + 1);
  return std::string(columns);
}

// SQLite's WAL hook, after each commit of a connection with a checkpointer.
int OnWalCommit(void* checkpointer, sqlite3* db, const char* database, int pages) {
  if (pages >= WalCheckpointer::kPagesBeforeInlineCheckpoint) {
    (void)sqlite3_wal_checkpoint_v2(db, database, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else {
    static_cast<WalCheckpointer*>(checkpointer)->Committed(pages);
  }
  return SQLITE_OK;
}

}  // namespace

SqliteConnection::SqliteConnection(DatabaseHandle db, std::shared_ptr<std::mutex> writer,
                                   std::shared_ptr<WalCheckpointer> checkpointer)
    : db_(std::move(db)), writer_(std::move(writer)), checkpointer_(std::move(checkpointer)) {
  // Replaces SQLite's own hook, which is its automatic checkpoint.
  if (checkpointer_) sqlite3_wal_hook(db_.get(), OnWalCommit, checkpointer_.get());
}

Error ToError(sqlite3* db, int code, std::string_view doing) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string message = std::string(doing) + ": " + detail;
  switch (code & 0xFF) {
    case SQLITE_CONSTRAINT: {
      std::string field = ConstraintField(detail);
      int extended = db != nullptr ? sqlite3_extended_errcode(db) : code;
      if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
        Error error = Error::Conflict(message);
        if (!field.empty()) error.fields.push_back({field, "already exists"});
        return error;
      }
      if (extended == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return Error::InvalidArgument(message, {{"reference", "refers to nothing"}});
      }
      return Error::InvalidArgument(
          message, field.empty() ? std::vector<FieldError>{}
                                 : std::vector<FieldError>{{field, "violates a constraint"}});
    }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
      return Error::Unavailable(message);
    default:
      return Error::Internal(message);
  }
}

Expected<sqlite3_stmt*> SqliteConnection::Prepare(std::string_view sql) {
  auto found = statements_.find(std::string(sql));
  if (found != statements_.end()) return found->second.get();
  std::string text = ToSqliteParameters(sql);
  sqlite3_stmt* raw = nullptr;
  int code = sqlite3_prepare_v3(db_.get(), text.c_str(), static_cast<int>(text.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (code != SQLITE_OK) return std::unexpected(ToError(db_.get(), code, "preparing a statement"));
  StatementHandle statement(raw);
  sqlite3_stmt* result = statement.get();
  statements_.emplace(std::string(sql), std::move(statement));
  return result;
}

Expected<void> SqliteConnection::Bind(sqlite3_stmt* statement, std::span<const SqlValue> params) {
  for (size_t i = 0; i < params.size(); ++i) {
    int index = static_cast<int>(i + 1);
    const SqlValue& value = params[i];
    int code = SQLITE_OK;
    if (std::holds_alternative<std::monostate>(value)) {
      code = sqlite3_bind_null(statement, index);
    } else if (const int64_t* integer = std::get_if<int64_t>(&value)) {
      code = sqlite3_bind_int64(statement, index, *integer);
    } else if (const double* real = std::get_if<double>(&value)) {
      code = sqlite3_bind_double(statement, index, *real);
    } else if (const bool* flag = std::get_if<bool>(&value)) {
      code = sqlite3_bind_int(statement, index, *flag ? 1 : 0);
    } else {
      const std::string& text = std::get<std::string>(value);
      // SQLITE_STATIC: the caller's values outlive the step, and bindings are cleared after it.
      code = sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
    }
    if (code != SQLITE_OK) return std::unexpected(ToError(db_.get(), code, "binding a parameter"));
  }
  return {};
}

Expected<SqlResult> SqliteConnection::Execute(std::string_view sql,
                                              std::span<const SqlValue> params) {
  Expected<sqlite3_stmt*> statement = Prepare(sql);
  if (!statement) return std::unexpected(statement.error());
  sqlite3_stmt* stmt = *statement;
  // Reset on every path, so the statement holds no read lock once we return.
  struct Resetter {
    sqlite3_stmt* stmt;
    ~Resetter() {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
  } resetter{stmt};
  if (Expected<void> bound = Bind(stmt, params); !bound) return std::unexpected(bound.error());
  std::unique_lock<std::mutex> write_lock = LockForWrite(stmt);

  SqlResult result;
  int columns = sqlite3_column_count(stmt);
  for (;;) {
    int code = sqlite3_step(stmt);
    if (code == SQLITE_DONE) break;
    if (code != SQLITE_ROW) return std::unexpected(ToError(db_.get(), code, "running a statement"));
    std::vector<std::optional<std::string>> row;
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      int type = sqlite3_column_type(stmt, c);
      if (type == SQLITE_NULL) {
        row.emplace_back(std::nullopt);
      } else if (type == SQLITE_FLOAT) {
        // SQLite's own text form keeps 15 digits; the shortest exact form round-trips.
        char buffer[64];
        auto [end, error] =
            std::to_chars(buffer, buffer + sizeof(buffer), sqlite3_column_double(stmt, c));
        (void)error;
        row.emplace_back(std::string(buffer, end));
      } else {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        int size = sqlite3_column_bytes(stmt, c);
        row.emplace_back(
            std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size)));
      }
    }
    result.rows.push_back(std::move(row));
  }
  result.affected = sqlite3_changes64(db_.get());
  return result;
}

Expected<void> SqliteConnection::ExecuteScript(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int code = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (code != SQLITE_OK) return std::unexpected(ToError(db_.get(), code, "running a script"));
  return {};
}

std::unique_lock<std::mutex> SqliteConnection::LockForWrite(sqlite3_stmt* statement) {
  if (!writer_ || transaction_lock_.owns_lock() || sqlite3_stmt_readonly(statement) != 0) {
    return {};
  }
  return std::unique_lock(*writer_);
}

Expected<void> SqliteConnection::Begin() {
  if (writer_) transaction_lock_ = std::unique_lock(*writer_);
  Expected<SqlResult> result = Execute("BEGIN IMMEDIATE", {});
  if (!result) {
    if (transaction_lock_.owns_lock()) transaction_lock_.unlock();
    return std::unexpected(result.error());
  }
  return {};
}

Expected<void> SqliteConnection::Commit() {
  Expected<SqlResult> result = Execute("COMMIT", {});
  if (!result) return std::unexpected(result.error());  // the caller rolls back
  if (transaction_lock_.owns_lock()) transaction_lock_.unlock();
  return {};
}

void SqliteConnection::Rollback() {
  if (sqlite3_get_autocommit(db_.get()) == 0) (void)Execute("ROLLBACK", {});
  if (transaction_lock_.owns_lock()) transaction_lock_.unlock();
}

Expected<void> SqliteConnection::BulkInsert(std::string_view table,
                                            std::span<const std::string> columns,
                                            std::span<const std::vector<SqlValue>> rows) {
  std::string sql = "INSERT INTO " + std::string(table) + " (";
  std::string values;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) {
      sql += ", ";
      values += ", ";
    }
    sql += columns[i];
    values += "$" + std::to_string(i + 1);
  }
  sql += ") VALUES (" + values + ")";
  Expected<sqlite3_stmt*> statement = Prepare(sql);
  if (!statement) return std::unexpected(statement.error());
  sqlite3_stmt* stmt = *statement;
  struct ClearBindings {
    sqlite3_stmt* stmt;
    ~ClearBindings() { sqlite3_clear_bindings(stmt); }
  } clear{stmt};
  std::unique_lock<std::mutex> write_lock = LockForWrite(stmt);
  // One prepared statement, bound and stepped per row: no per-row lookups or result rows.
  for (const std::vector<SqlValue>& row : rows) {
    Expected<void> bound = Bind(stmt, row);
    int code = bound ? sqlite3_step(stmt) : SQLITE_OK;
    sqlite3_reset(stmt);
    if (!bound) return std::unexpected(bound.error());
    if (code != SQLITE_DONE) return std::unexpected(ToError(db_.get(), code, "inserting rows"));
  }
  return {};
}

}  // namespace sqlite_detail

Expected<std::unique_ptr<SqlConnection>> OpenSqliteConnection(
    const std::filesystem::path& file, std::shared_ptr<std::mutex> writer,
    std::shared_ptr<WalCheckpointer> checkpointer) {
  sqlite3* raw = nullptr;
  int code =
      sqlite3_open_v2(file.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  sqlite_detail::DatabaseHandle db(raw);
  if (code != SQLITE_OK) {
    return std::unexpected(
        sqlite_detail::ToError(raw, code, "opening SQLite database '" + file.string() + "'"));
  }
  // Other writers (threads or processes) hold the write lock only for one short transaction.
  sqlite3_busy_timeout(db.get(), 30'000);
  auto connection = std::make_unique<sqlite_detail::SqliteConnection>(
      std::move(db), std::move(writer), std::move(checkpointer));
  // WAL: readers never block the writer; synchronous=NORMAL is durable across a process crash,
  // which is what WAL promises. The page cache (grown on demand, up to 256 MiB) keeps the indexes
  // of a large import in memory; SQLite's default of 2 MiB makes a million-row import crawl.
  Expected<void> setup = connection->ExecuteScript(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
      "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;");
  if (!setup) return std::unexpected(setup.error());
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace talky
