#include "app/worker_pool.h"

namespace talky {

WorkerPool::WorkerPool(JobQueue& queue, Store& store, const Clock& clock, IdGenerator& ids,
                       int count, DialerWorkerOptions options, const MakeProvider& make_provider)
    : queue_(queue),
      events_work_(boost::asio::make_work_guard(events_)),
      media_work_(boost::asio::make_work_guard(media_)) {
  for (int i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<DialerWorker>(queue, store, clock, ids, options));
    providers_.push_back(make_provider(events_, media_, *workers_.back()));
    workers_.back()->SetProvider(*providers_.back());
  }
  events_thread_ = std::thread([this] { events_.run(); });
  for (int i = 0; i < kMediaThreads; ++i) media_threads_.emplace_back([this] { media_.run(); });
  for (auto& worker : workers_) {
    loops_.emplace_back([&worker](std::stop_token stop) { worker->Run(stop); });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (std::jthread& loop : loops_) loop.request_stop();
  queue_.StopWaiting();  // idle loops see their stop now, not at the end of their wait
  loops_.clear();        // joins: each loop drains its calls
  events_work_.reset();
  events_.stop();
  events_thread_.join();
  media_work_.reset();
  media_.stop();
  for (std::thread& thread : media_threads_) thread.join();
}

WorkerPool::Totals WorkerPool::Stats() const {
  Totals totals;
  for (const auto& worker : workers_) {
    const DialerWorkerStats stats = worker->Stats();
    totals.calls_started += stats.calls_started;
    totals.calls_completed += stats.calls_completed + stats.calls_closed_elsewhere;
  }
  return totals;
}

WorkerPool::MakeProvider MakeSimulatedProviders(const Clock& clock,
                                                SimulatedTelephonyOptions options) {
  return [&clock, options](boost::asio::io_context& events, boost::asio::io_context& media,
                           CallEventSink& sink) -> std::unique_ptr<TelephonyProvider> {
    SimulatedTelephonyOptions own = options;
    if (own.media) own.media->io = &media;
    return std::make_unique<SimulatedTelephony>(events, clock, sink, own);
  };
}

}  // namespace talky
