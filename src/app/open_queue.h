// Picks the job queue backend, the one place that names them: Redis when a URL is given (shared by
// every process), else the embedded queue rebuilt from the store's open dialer jobs, which is what
// makes the embedded queue durable across restarts.
#pragma once

#include <memory>
#include <string>

#include "domain/clock.h"
#include "domain/error.h"
#include "queue/job_queue.h"
#include "queue/local/local_job_queue.h"
#include "store/store.h"

namespace talky {

// The clock must outlive the queue.
Expected<std::unique_ptr<JobQueue>> OpenQueue(const std::string& redis_url, Store& store,
                                              const Clock& clock);

// Every open job of every tenant, read page by page, rebuilt into an embedded queue.
Expected<std::unique_ptr<LocalJobQueue>> RebuildEmbeddedQueue(Store& store, const Clock& clock,
                                                              int page_size = kMaxPageSize);

}  // namespace talky
