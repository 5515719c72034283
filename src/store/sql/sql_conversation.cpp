// SqlStore, one role: conversation turns (store/conversation_store.h).

#include "store/sql/sql_store.h"
#include "store/sql/sql_store_support.h"

namespace talky {

using namespace sql_support;

Expected<void> SqlStore::AppendConversationTurn(const TenantId& tenant,
                                                const ConversationTurn& turn) {
  std::vector<FieldError> errors;
  if (turn.turn_index < 0) errors.push_back({"turn_index", "must not be negative"});
  for (auto [name, value] : {std::pair{"stt_latency_ms", turn.stt_latency_ms},
                             std::pair{"llm_latency_ms", turn.llm_latency_ms},
                             std::pair{"tts_latency_ms", turn.tts_latency_ms}}) {
    if (value && *value < 0) errors.push_back({name, "must not be negative"});
  }
  for (auto [name, value] : {std::pair{"prompt_tokens", turn.prompt_tokens},
                             std::pair{"completion_tokens", turn.completion_tokens}}) {
    if (value && *value < 0) errors.push_back({name, "must not be negative"});
  }
  if (!errors.empty()) return std::unexpected(Error::InvalidArgument("invalid turn", errors));
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  Expected<SqlResult> call =
      connection.Execute("SELECT 1 FROM calls WHERE tenant_id = $1 AND id = $2",
                         std::vector<SqlValue>{tenant.value, turn.call_id.value});
  if (!call) return std::unexpected(call.error());
  if (call->rows.empty()) {
    return std::unexpected(Error::InvalidArgument(
        "unknown call", {{"call_id", "no call '" + turn.call_id.value + "' for this tenant"}}));
  }
  return Void(connection.Execute(
      Concat({"INSERT INTO conversation_turns (", sql_rows::kTurnColumns, ") VALUES (",
              sql_rows::Placeholders(sql_rows::kTurnColumns), ")"}),
      sql_rows::TurnRow(turn, tenant)));
}

Expected<std::vector<ConversationTurn>> SqlStore::ListConversationTurns(const TenantId& tenant,
                                                                        const CallId& call) {
  Expected<ConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection) return std::unexpected(connection.error());
  return All<ConversationTurn>(
      (*connection)
          ->Execute(Concat({"SELECT ", sql_rows::kTurnColumns,
                            " FROM conversation_turns WHERE tenant_id = $1 AND call_id = $2 "
                            "ORDER BY turn_index"}),
                    std::vector<SqlValue>{tenant.value, call.value}),
      sql_rows::ReadTurn);
}

}  // namespace talky
