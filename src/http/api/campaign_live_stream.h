// GET /v1/campaigns/{id}/live: a campaign's figures as Server-Sent Events, for the dashboard (the
// browser's EventSource; the session cookie or a bearer key authenticates it as any /v1 route).
// Each event is `event: stats` with the JSON of GET /v1/campaigns/{id}/stats plus "at" and
// "retries" (the next retries waiting, soonest first, at most 20): one at once, then one whenever
// the figures change. A thread reads each watched campaign's figures once per `interval` (the
// workers may be other processes: the store is where their progress shows), and a comment line
// every 15 s finds connections that went away; the stream ends when its campaign is deleted. A bad
// key, an unknown campaign or a bad query are answered as JSON errors, as the REST API answers
// them, before any stream begins.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/api/api_context.h"
#include "http/connection_endpoint.h"

namespace talky {

class CampaignLiveStream final : public ConnectionEndpoint {
 public:
  static constexpr const char* kPattern = "/v1/campaigns/{id}/live";

  explicit CampaignLiveStream(ApiContext& api,
                              std::chrono::milliseconds interval = std::chrono::seconds(1));

  void TakeOver(boost::asio::ip::tcp::socket socket,
                boost::beast::http::request<boost::beast::http::string_body> request) override;
  void CloseAll(std::chrono::milliseconds grace) override;

 private:
  struct Watcher;
  void Watch(std::stop_token stop);

  ApiContext& api_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::vector<std::shared_ptr<Watcher>> watchers_;
  std::jthread thread_;
};

}  // namespace talky
