#include "store/postgres/detail/postgres_connection.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <string>

#include "store/postgres/postgres_connection_factory.h"
#include "store/store_connection_health.h"

namespace talky {
namespace postgres_detail {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

std::string ToText(const SqlValue& value) {
  if (const int64_t* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (const double* real = std::get_if<double>(&value)) {
    char buffer[64];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), *real);
    (void)error;
    return std::string(buffer, end);
  }
  if (const bool* flag = std::get_if<bool>(&value)) return *flag ? "t" : "f";
  return std::get<std::string>(value);
}

// "Key (campaign_id, phone_number)=(...) already exists." -> "phone_number".
std::string KeyField(std::string_view detail) {
  size_t open = detail.find("Key (");
  size_t close = detail.find(")=", open);
  if (open == std::string_view::npos || close == std::string_view::npos) return "";
  std::string_view columns = detail.substr(open + 5, close - open - 5);
  size_t comma = columns.rfind(", ");
  if (comma != std::string_view::npos) columns = columns.substr(comma + 2);
  return std::string(columns);
}

void AppendCopyText(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out.push_back(c);
    }
  }
}

void IgnoreNotice(void*, const char*) {}

}  // namespace

Error ToError(PGconn* connection, const PGresult* result, std::string_view doing) {
  std::string detail = result != nullptr ? PQresultErrorMessage(result) : "";
  if (detail.empty() && connection != nullptr) detail = PQerrorMessage(connection);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  std::string message = std::string(doing) + ": " + detail;
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state != nullptr ? state : "";
  if (sqlstate.empty() || (connection != nullptr && PQstatus(connection) != CONNECTION_OK)) {
    // Named, so that an API client's 503 says which backend is down.
    return Error::Unavailable("PostgreSQL is unavailable: " + message);
  }
  const char* key_detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
  const char* column = PQresultErrorField(result, PG_DIAG_COLUMN_NAME);
  if (sqlstate == "23505") {  // unique_violation
    Error error = Error::Conflict(message);
    std::string field = KeyField(key_detail != nullptr ? key_detail : "");
    if (!field.empty()) error.fields.push_back({field, "already exists"});
    return error;
  }
  if (sqlstate == "23503") {  // foreign_key_violation
    return Error::InvalidArgument(message, {{"reference", "refers to nothing"}});
  }
  if (sqlstate.starts_with("23") || sqlstate.starts_with("22")) {  // integrity, data exception
    return Error::InvalidArgument(
        message, column != nullptr ? std::vector<FieldError>{{column, "violates a constraint"}}
                                   : std::vector<FieldError>{});
  }
  // Connection trouble, shutdown, serialization failure and deadlock: retrying may help.
  if (sqlstate.starts_with("08") || sqlstate.starts_with("57") || sqlstate.starts_with("53") ||
      sqlstate == "40001" || sqlstate == "40P01") {
    return Error::Unavailable("PostgreSQL: " + message);
  }
  return Error::Internal(message);
}

Expected<void> PostgresConnection::EnsureConnected() {
  if (PQstatus(connection_.get()) == CONNECTION_OK) return {};
  StoreConnectionHealth& health = StoreConnectionHealthCounters();
  const auto now = std::chrono::steady_clock::now();
  if (backoff_.count() == 0) {
    ++health.connections_lost;
    spdlog::warn("store: the connection to PostgreSQL was lost; reconnecting");
  } else if (now < next_attempt_) {
    return std::unexpected(Error::Unavailable(fmt::format(
        "PostgreSQL is unreachable ({}); next reconnect attempt in {} ms", last_error_,
        std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now).count())));
  }
  statement_names_.clear();
  PQreset(connection_.get());
  if (PQstatus(connection_.get()) != CONNECTION_OK) {
    ++health.reconnect_failures;
    backoff_ = std::clamp(backoff_ * 2, kFirstBackoff, kMaxBackoff);
    next_attempt_ = std::chrono::steady_clock::now() + backoff_;
    Error error = ToError(connection_.get(), nullptr, "reconnecting to PostgreSQL");
    last_error_ = error.message;
    return std::unexpected(std::move(error));
  }
  ++health.reconnects;
  spdlog::info("store: reconnected to PostgreSQL");
  backoff_ = std::chrono::milliseconds{0};
  return {};
}

Expected<std::string> PostgresConnection::Prepare(std::string_view sql, int parameter_count) {
  std::string key(sql);
  auto found = statement_names_.find(key);
  if (found != statement_names_.end()) return found->second;
  std::string name = "talky_" + std::to_string(statement_names_.size() + 1);
  ResultHandle result(
      PQprepare(connection_.get(), name.c_str(), key.c_str(), parameter_count, nullptr));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return std::unexpected(ToError(connection_.get(), result.get(), "preparing a statement"));
  }
  statement_names_.emplace(std::move(key), name);
  return name;
}

Expected<SqlResult> PostgresConnection::Execute(std::string_view sql,
                                                std::span<const SqlValue> params) {
  if (Expected<void> connected = EnsureConnected(); !connected) {
    return std::unexpected(connected.error());
  }
  Expected<std::string> name = Prepare(sql, static_cast<int>(params.size()));
  if (!name) return std::unexpected(name.error());

  std::vector<std::string> texts(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  for (size_t i = 0; i < params.size(); ++i) {
    if (std::holds_alternative<std::monostate>(params[i])) continue;
    texts[i] = ToText(params[i]);
    values[i] = texts[i].c_str();
  }
  ResultHandle result(PQexecPrepared(connection_.get(), name->c_str(),
                                     static_cast<int>(params.size()), values.data(), nullptr,
                                     nullptr, 0));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(ToError(connection_.get(), result.get(), "running a statement"));
  }
  SqlResult out;
  int rows = PQntuples(result.get());
  int columns = PQnfields(result.get());
  out.rows.reserve(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    std::vector<std::optional<std::string>> row;
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                     static_cast<size_t>(PQgetlength(result.get(), r, c))));
      }
    }
    out.rows.push_back(std::move(row));
  }
  const char* affected = PQcmdTuples(result.get());
  if (affected != nullptr && *affected != '\0') out.affected = std::stoll(affected);
  return out;
}

Expected<void> PostgresConnection::ExecuteScript(std::string_view sql) {
  if (Expected<void> connected = EnsureConnected(); !connected) {
    return std::unexpected(connected.error());
  }
  std::string text(sql);
  ResultHandle result(PQexec(connection_.get(), text.c_str()));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return std::unexpected(ToError(connection_.get(), result.get(), "running a script"));
  }
  return {};
}

Expected<void> PostgresConnection::Begin() { return ExecuteScript("BEGIN"); }
Expected<void> PostgresConnection::Commit() { return ExecuteScript("COMMIT"); }

void PostgresConnection::Rollback() {
  if (PQtransactionStatus(connection_.get()) != PQTRANS_IDLE) (void)ExecuteScript("ROLLBACK");
}

Expected<void> PostgresConnection::BulkInsert(std::string_view table,
                                              std::span<const std::string> columns,
                                              std::span<const std::vector<SqlValue>> rows) {
  std::string sql = "COPY " + std::string(table) + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += columns[i];
  }
  sql += ") FROM STDIN";
  ResultHandle start(PQexec(connection_.get(), sql.c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
    return std::unexpected(ToError(connection_.get(), start.get(), "starting COPY"));
  }
  constexpr size_t kChunk = 1 << 20;
  std::string buffer;
  buffer.reserve(kChunk + 4096);
  bool sent = true;
  for (const std::vector<SqlValue>& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) buffer.push_back('\t');
      if (std::holds_alternative<std::monostate>(row[i])) {
        buffer += "\\N";
      } else if (const std::string* text = std::get_if<std::string>(&row[i])) {
        AppendCopyText(buffer, *text);
      } else {
        buffer += ToText(row[i]);
      }
    }
    buffer.push_back('\n');
    if (buffer.size() >= kChunk) {
      sent = PQputCopyData(connection_.get(), buffer.data(), static_cast<int>(buffer.size())) == 1;
      buffer.clear();
      if (!sent) break;
    }
  }
  if (sent && !buffer.empty()) {
    sent = PQputCopyData(connection_.get(), buffer.data(), static_cast<int>(buffer.size())) == 1;
  }
  PQputCopyEnd(connection_.get(), sent ? nullptr : "client failed to send rows");
  Expected<void> outcome;
  while (PGresult* raw = PQgetResult(connection_.get())) {
    ResultHandle result(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && outcome) {
      outcome = std::unexpected(ToError(connection_.get(), raw, "copying rows"));
    }
  }
  return outcome;
}

}  // namespace postgres_detail

Expected<std::unique_ptr<SqlConnection>> OpenPostgresConnection(const std::string& url) {
  postgres_detail::ConnectionHandle connection(PQconnectdb(url.c_str()));
  if (connection == nullptr || PQstatus(connection.get()) != CONNECTION_OK) {
    std::string detail = connection != nullptr ? PQerrorMessage(connection.get()) : "out of memory";
    while (!detail.empty() && detail.back() == '\n') detail.pop_back();
    return std::unexpected(Error::Unavailable("cannot connect to PostgreSQL: " + detail));
  }
  // CREATE ... IF NOT EXISTS and friends print notices; they are not errors.
  PQsetNoticeProcessor(connection.get(), postgres_detail::IgnoreNotice, nullptr);
  return std::unique_ptr<SqlConnection>(
      std::make_unique<postgres_detail::PostgresConnection>(std::move(connection)));
}

}  // namespace talky
