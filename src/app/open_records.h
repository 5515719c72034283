// The store and the queue a command works on, opened together: `talky serve`, `talky worker`,
// `talky run` and the benchmarks all take --database-url (open_store.h) and --redis-url
// (open_queue.h).
#pragma once

#include <memory>
#include <string>

#include "domain/clock.h"
#include "domain/error.h"
#include "queue/job_queue.h"
#include "store/id_generator.h"
#include "store/store.h"

namespace talky {

struct Records {
  std::unique_ptr<Store> store;
  std::unique_ptr<JobQueue> queue;  // declared after the store it uses: it goes first
};

// `connections`: the store's pool size. InvalidArgument for a URL that names no backend (a usage
// error); otherwise what the store or the queue said when opened. The clock and the ids must
// outlive the records.
Expected<Records> OpenRecords(const std::string& database_url, const std::string& redis_url,
                              Clock& clock, IdGenerator& ids, int connections);

}  // namespace talky
