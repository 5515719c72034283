// Picks the job queue backend, the one place that names them: Redis when a URL is given (shared by
// every process), else the embedded queue rebuilt from the store's open dialer jobs (durable across
// restarts) and following the store's queue log (processes sharing the database cooperate).
#pragma once

#include <memory>
#include <string>

#include "domain/clock.h"
#include "domain/error.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace talky {

// The store and the clock must outlive the queue.
Expected<std::unique_ptr<JobQueue>> OpenQueue(const std::string& redis_url, Store& store,
                                              const Clock& clock);

}  // namespace talky
