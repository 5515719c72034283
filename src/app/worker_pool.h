// Dialer workers with their telephony providers, as `talky run` and `talky worker` run them: each
// worker loop on a thread of its own, the providers' events on one io_context thread, and the media
// of simulated calls that speak (their callees' sockets and clocks) on two threads of their own,
// so that the dialer's store writes on the event thread never hold back the audio.
//
// Stop takes no more jobs, lets calls in flight end (up to the workers' drain timeout) and joins
// everything; the destructor stops. The queue, the store, the clock and the ids must outlive the
// pool.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "dialer/dialer_worker.h"
#include "queue/job_queue.h"
#include "store/id_generator.h"
#include "store/store.h"
#include "telephony/simulated/simulated_telephony.h"
#include "telephony/telephony_provider.h"

namespace talky {

// A provider that could not start (a port taken, a stack that failed): thrown by a MakeProvider,
// out of the pool's constructor. A startup mistake, so an exception (STYLE.md).
class ProviderStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WorkerPool {
 public:
  // Makes worker i's provider: `events` is where provider events run, `media` where simulated
  // callees talk, `sink` the worker that hears the events.
  using MakeProvider = std::function<std::unique_ptr<TelephonyProvider>(
      boost::asio::io_context& events, boost::asio::io_context& media, CallEventSink& sink)>;

  WorkerPool(JobQueue& queue, Store& store, const Clock& clock, IdGenerator& ids, int count,
             DialerWorkerOptions options, const MakeProvider& make_provider);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Stop();

  struct Totals {
    int64_t calls_started = 0;
    int64_t calls_completed = 0;  // here or by another process (a webhook elsewhere)
  };
  Totals Stats() const;

 private:
  JobQueue& queue_;
  boost::asio::io_context events_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> events_work_;
  boost::asio::io_context media_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> media_work_;
  std::vector<std::unique_ptr<DialerWorker>> workers_;
  std::vector<std::unique_ptr<TelephonyProvider>> providers_;
  std::thread events_thread_;
  static constexpr int kMediaThreads = 2;  // each callee runs on a strand
  std::vector<std::thread> media_threads_;
  std::vector<std::jthread> loops_;
  bool stopped_ = false;
};

// Simulated providers with `options`; those of calls that speak (options.media) talk on the pool's
// media threads.
WorkerPool::MakeProvider MakeSimulatedProviders(const Clock& clock,
                                                SimulatedTelephonyOptions options);

}  // namespace talky
