#include "http/webhooks/vonage_webhooks.h"

#include <spdlog/spdlog.h>

#include <boost/url/parse.hpp>
#include <stdexcept>

#include "telephony/vonage/vonage_webhook.h"

namespace talky {
namespace {

bool IsWebSocketUrl(std::string_view text) {
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_uri(text);
  return parsed && !parsed->host().empty() &&
         (parsed->scheme() == "ws" || parsed->scheme() == "wss");
}

HttpResponse Accepted() { return JsonResponse(200, {{"status", "accepted"}}); }

}  // namespace

std::shared_ptr<const VonageWebhookCounters> AddVonageWebhookRoutes(Router& router,
                                                                    VonageWebhookOptions options,
                                                                    CallEventSink& sink,
                                                                    const Clock& clock) {
  if (!IsWebSocketUrl(options.media_websocket_uri)) {
    throw std::invalid_argument("Vonage webhooks: media_websocket_uri must be a ws(s) URL, not '" +
                                options.media_websocket_uri + "'");
  }
  auto counters = std::make_shared<VonageWebhookCounters>();
  auto shared_options = std::make_shared<const VonageWebhookOptions>(std::move(options));
  auto replays = std::make_shared<VonageReplayGuard>();

  router.Add("POST", "/webhooks/vonage/event",
             [shared_options, counters, replays, &sink, &clock](const HttpRequest& request) {
               Expected<VonageEvent> event =
                   ReadVonageEventWebhook({.target = request.target,
                                           .authorization = request.Header("authorization"),
                                           .body = request.body},
                                          shared_options->signature_secret, clock, replays.get());
               if (!event) {
                 if (event.error().code == ErrorCode::kConflict) {
                   // Answered like the first delivery, so a sender that retries stops; applied
                   // only once.
                   counters->replays.fetch_add(1, std::memory_order_relaxed);
                   spdlog::warn("vonage webhook: replay ignored: {}", event.error().message);
                   return Accepted();
                 }
                 if (event.error().code == ErrorCode::kUnauthenticated) {
                   counters->unauthorized.fetch_add(1, std::memory_order_relaxed);
                   spdlog::warn("vonage webhook: refused: {}", event.error().message);
                 } else {
                   counters->bad_requests.fetch_add(1, std::memory_order_relaxed);
                 }
                 return ErrorResponse(event.error());
               }
               if (!event->call_event) {
                 counters->events_ignored.fetch_add(1, std::memory_order_relaxed);
                 return Accepted();
               }
               sink.OnCallEvent(*event->call_event);
               counters->events.fetch_add(1, std::memory_order_relaxed);
               const std::optional<ProviderMachineDetection> detection = MachineDetectionOf(*event);
               if (detection && shared_options->on_machine_detection &&
                   !event->call_event->call_id.value.empty()) {
                 shared_options->on_machine_detection(event->call_event->call_id, *detection);
               }
               return Accepted();
             });

  HttpHandler answer = [shared_options, counters](const HttpRequest& request) {
    auto call_id = request.query.find("call_id");
    if (call_id == request.query.end() || call_id->second.empty()) {
      counters->bad_requests.fetch_add(1, std::memory_order_relaxed);
      return ErrorResponse(Error::InvalidArgument(
          "the answer URL must carry our call id",
          {{"call_id", "is required (the answer_url talky gives Vonage carries it)"}}));
    }
    counters->answers.fetch_add(1, std::memory_order_relaxed);
    return JsonResponse(
        200, VonageMediaNcco(shared_options->media_websocket_uri, CallId{call_id->second}));
  };
  router.Add("GET", "/webhooks/vonage/answer", answer);
  router.Add("POST", "/webhooks/vonage/answer", answer);
  return counters;
}

}  // namespace talky
