// SqlStore, one role: call recordings (store/recording_store.h).

#include "net/base64.h"
#include "store/sql/sql_store.h"
#include "store/sql/sql_store_support.h"

namespace talky {

using namespace sql_support;

namespace {

Expected<std::string> FromBase64(std::string_view text) {
  std::optional<std::string> bytes = Base64Decode(text);
  if (!bytes) return std::unexpected(Error::Internal("a stored recording is not valid base64"));
  return std::move(*bytes);
}

}  // namespace

Expected<void> SqlStore::SaveCallRecording(const TenantId& tenant, const CallId& call,
                                           std::string_view wav, Instant at) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  SqlConnection& connection = **lease;
  Expected<SqlResult> known =
      connection.Execute("SELECT 1 FROM calls WHERE tenant_id = $1 AND id = $2",
                         std::vector<SqlValue>{tenant.value, call.value});
  if (!known) return std::unexpected(known.error());
  if (known->rows.empty()) {
    return std::unexpected(Error::InvalidArgument(
        "unknown call", {{"call_id", "no call '" + call.value + "' for this tenant"}}));
  }
  return Void(connection.Execute(
      "INSERT INTO call_recordings (call_id, tenant_id, wav_base64, recorded_at) "
      "VALUES ($1, $2, $3, $4)",
      std::vector<SqlValue>{call.value, tenant.value, Base64Encode(wav),
                            int64_t{at.time_since_epoch().count()}}));
}

Expected<std::string> SqlStore::GetCallRecording(const TenantId& tenant, const CallId& call) {
  Expected<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease) return std::unexpected(lease.error());
  Expected<SqlResult> found = (*lease)->Execute(
      "SELECT wav_base64 FROM call_recordings WHERE tenant_id = $1 AND call_id = $2",
      std::vector<SqlValue>{tenant.value, call.value});
  if (!found) return std::unexpected(found.error());
  if (found->rows.empty() || !found->rows[0][0]) {
    return std::unexpected(Error::NotFound("no recording of call " + call.value));
  }
  return FromBase64(*found->rows[0][0]);
}

}  // namespace talky
