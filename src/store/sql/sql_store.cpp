// SqlStore: the constructor; each role is in its own file (sql_tenants.cpp, sql_campaigns.cpp,
// sql_jobs.cpp, sql_calls.cpp, sql_do_not_call.cpp, sql_conversation.cpp, sql_statistics.cpp,
// sql_queue_log.cpp), their shared pieces in sql_store_support.h.
#include "store/sql/sql_store.h"

namespace talky {

SqlStore::SqlStore(std::unique_ptr<ConnectionPool> pool, Clock& clock, IdGenerator& ids)
    : pool_(std::move(pool)), clock_(clock), ids_(ids) {}

}  // namespace talky
