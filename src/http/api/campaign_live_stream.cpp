#include "http/api/campaign_live_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>
#include <deque>
#include <map>

#include "http/api/api_auth.h"
#include "http/api/api_views.h"
#include "http/beast_request.h"
#include "http/request_target.h"

namespace talky {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

constexpr std::chrono::seconds kKeepAliveEvery{15};
constexpr int kRetriesShown = 20;
constexpr size_t kMaxQueuedEvents = 64;

// What the stream says when something changed: the stats, the instant, the next retries.
Expected<std::string> Snapshot(ApiContext& api, const TenantId& tenant,
                               const CampaignId& campaign) {
  Expected<CampaignStats> stats = api.campaigns.Stats(tenant, campaign);
  if (!stats) return std::unexpected(stats.error());
  Expected<Page<DialerJob>> waiting =
      api.store.ListJobs(tenant, campaign, JobStatus::kRetryScheduled, {.limit = kMaxPageSize});
  if (!waiting) return std::unexpected(waiting.error());
  std::vector<DialerJob>& jobs = waiting->items;
  std::ranges::sort(jobs, {}, &DialerJob::scheduled_at);
  nlohmann::json retries = nlohmann::json::array();
  for (size_t i = 0; i < jobs.size() && i < kRetriesShown; ++i) {
    retries.push_back({{"job_id", jobs[i].job_id.value},
                       {"lead_id", jobs[i].lead_id.value},
                       {"phone_number", jobs[i].phone_number},
                       {"attempt", jobs[i].attempt_number},
                       {"due_at", FormatIso8601(jobs[i].scheduled_at)}});
  }
  nlohmann::json body = CampaignStatsJson(*stats);
  body["retries"] = std::move(retries);
  // The instant goes out with the event, not into the comparison: only a change is news.
  return body.dump();
}

// `data` is a JSON object with members: "at" joins them.
std::string Event(const std::string& data, Instant at) {
  return "event: stats\ndata: {\"at\":\"" + FormatIso8601(at) + "\"," + data.substr(1) + "\n\n";
}

void AnswerError(asio::ip::tcp::socket& socket, const HttpResponse& answer, unsigned version) {
  beast::http::response<beast::http::string_body> response;
  response.version(version);
  response.result(static_cast<unsigned>(answer.status));
  response.set(beast::http::field::content_type, answer.content_type);
  for (const auto& [name, value] : answer.headers) response.set(name, value);
  response.body() = answer.body;
  response.keep_alive(false);
  response.prepare_payload();
  beast::error_code ignored;
  beast::http::write(socket, response, ignored);
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace

// One browser's stream. Writes are queued on the strand; a read that never expects data ends when
// the browser goes away.
struct CampaignLiveStream::Watcher : std::enable_shared_from_this<Watcher> {
  Watcher(asio::ip::tcp::socket s, TenantId t, CampaignId c)
      : strand(asio::make_strand(s.get_executor())),
        socket(std::move(s)),
        tenant(std::move(t)),
        campaign(std::move(c)) {}

  void Send(std::string text) {
    asio::post(strand, [self = shared_from_this(), text = std::move(text)]() mutable {
      if (self->closed) return;
      // A browser that stopped reading while a minute of events piled up is gone.
      if (self->outgoing.size() >= kMaxQueuedEvents) return self->Close();
      self->outgoing.push_back(std::move(text));
      if (self->outgoing.size() == 1) self->WriteNext();
    });
  }

  void WriteNext() {
    asio::async_write(
        socket, asio::buffer(outgoing.front()),
        asio::bind_executor(strand, [self = shared_from_this()](beast::error_code error, size_t) {
          if (error) return self->Close();
          self->outgoing.pop_front();
          if (!self->outgoing.empty()) self->WriteNext();
        }));
  }

  void AwaitHangUp() {
    socket.async_read_some(
        asio::buffer(sink),
        asio::bind_executor(strand, [self = shared_from_this()](beast::error_code error, size_t) {
          if (error) return self->Close();
          self->AwaitHangUp();  // the browser sends nothing; ignore it
        }));
  }

  void Close() {
    if (closed) return;
    closed = true;
    gone = true;
    beast::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    outgoing.clear();
  }

  asio::strand<asio::any_io_executor> strand;
  asio::ip::tcp::socket socket;
  const TenantId tenant;
  const CampaignId campaign;
  std::array<char, 256> sink{};
  std::deque<std::string> outgoing;  // strand only
  bool closed = false;               // strand only
  std::atomic<bool> gone = false;    // read by the watching thread
  // The watching thread's own.
  std::string last_sent;
  std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
};

CampaignLiveStream::CampaignLiveStream(ApiContext& api, std::chrono::milliseconds interval)
    : api_(api), interval_(interval), thread_([this](std::stop_token stop) { Watch(stop); }) {}

void CampaignLiveStream::TakeOver(asio::ip::tcp::socket socket,
                                  beast::http::request<beast::http::string_body> message) {
  const unsigned version = message.version();
  HttpRequest request = ToHttpRequest(std::move(message));
  Expected<RequestTarget> target = ParseRequestTarget(request.target);
  if (!target) return AnswerError(socket, ErrorResponse(target.error()), version);
  request.path = target->path;
  request.query = target->query;
  MatchesPattern(kPattern, request.path, request.path_params);
  Expected<Tenant> tenant = AuthenticateTenant(request, api_.store);
  if (!tenant) return AnswerError(socket, ErrorResponse(tenant.error()), version);
  if (!request.query.empty()) {
    std::vector<FieldError> fields;
    for (const auto& [name, value] : request.query) fields.push_back({name, "unknown parameter"});
    return AnswerError(
        socket, ErrorResponse(Error::InvalidArgument("unknown query parameter", fields)), version);
  }
  const CampaignId campaign{request.path_params["id"]};
  Expected<std::string> first = Snapshot(api_, tenant->id, campaign);
  if (!first) return AnswerError(socket, ErrorResponse(first.error()), version);

  auto watcher = std::make_shared<Watcher>(std::move(socket), tenant->id, campaign);
  watcher->last_sent = *first;
  // The stream's length is unknown: it ends when the connection does. `retry` is how long the
  // browser waits before it reconnects after a break.
  watcher->Send(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
      "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\nretry: 2000\n\n" +
      Event(*first, api_.clock.Now()));
  asio::post(watcher->strand, [watcher] { watcher->AwaitHangUp(); });
  std::lock_guard lock(mutex_);
  watchers_.push_back(std::move(watcher));
}

void CampaignLiveStream::Watch(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    changed_.wait_for(lock, stop, interval_, [] { return false; });
    if (stop.stop_requested()) return;
    std::erase_if(watchers_, [](const auto& watcher) { return watcher->gone.load(); });
    std::vector<std::shared_ptr<Watcher>> watching = watchers_;
    lock.unlock();
    // One read per campaign, however many browsers watch it.
    std::map<std::pair<std::string, std::string>, Expected<std::string>> snapshots;
    const auto now = std::chrono::steady_clock::now();
    for (const std::shared_ptr<Watcher>& watcher : watching) {
      auto key = std::pair{watcher->tenant.value, watcher->campaign.value};
      auto it = snapshots.find(key);
      if (it == snapshots.end()) {
        it = snapshots.emplace(key, Snapshot(api_, watcher->tenant, watcher->campaign)).first;
        if (!it->second && it->second.error().code != ErrorCode::kNotFound) {
          spdlog::warn("live: campaign {}: {}", watcher->campaign.value,
                       it->second.error().Describe());
        }
      }
      if (!it->second && it->second.error().code == ErrorCode::kNotFound) {
        // The campaign was deleted: nothing more will come.
        asio::post(watcher->strand, [watcher] { watcher->Close(); });
      } else if (it->second && *it->second != watcher->last_sent) {
        watcher->last_sent = *it->second;
        watcher->last_write = now;
        watcher->Send(Event(*it->second, api_.clock.Now()));
      } else if (now - watcher->last_write >= kKeepAliveEvery) {
        watcher->last_write = now;
        watcher->Send(": keep-alive\n\n");
      }
    }
    lock.lock();
  }
}

void CampaignLiveStream::CloseAll(std::chrono::milliseconds grace) {
  thread_.request_stop();
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::shared_ptr<Watcher>> open;
  {
    std::lock_guard lock(mutex_);
    open.swap(watchers_);
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (const auto& watcher : open) {
    asio::post(watcher->strand, [watcher] { watcher->Close(); });
  }
  for (const auto& watcher : open) {
    while (!watcher->gone && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

}  // namespace talky
