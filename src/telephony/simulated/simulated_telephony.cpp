#include "telephony/simulated/simulated_telephony.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "telephony/simulated/speaking_callee.h"

namespace talky {
namespace {

// A callee whose call the media socket refused tries again this often, this much later.
constexpr int kMaxConnects = 20;
constexpr std::chrono::milliseconds kReconnectAfter{50};
constexpr std::chrono::milliseconds kLineBusyRetry{100};

}  // namespace

struct SimulatedTelephony::Call {
  Call(boost::asio::io_context& io, OriginateRequest request_in, std::string id,
       std::vector<SimulatedEvent> plan_in)
      : strand(boost::asio::make_strand(io)),
        timer(strand),
        request(std::move(request_in)),
        provider_call_id(std::move(id)),
        plan(std::move(plan_in)) {}

  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  boost::asio::steady_timer timer;
  OriginateRequest request;
  std::string provider_call_id;
  std::vector<SimulatedEvent> plan;
  size_t next_step = 0;  // touched only on the strand
  bool answered = false;
  bool done = false;
  std::shared_ptr<SpeakingCallee> callee;  // in conversation
};

SimulatedTelephony::SimulatedTelephony(boost::asio::io_context& io, const Clock& clock,
                                       CallEventSink& sink, SimulatedTelephonyOptions options)
    : io_(io), clock_(clock), sink_(sink), options_(std::move(options)) {}

SimulatedTelephony::~SimulatedTelephony() {
  std::lock_guard lock(mutex_);
  for (auto& [id, call] : calls_) call->timer.cancel();
}

Expected<std::string> SimulatedTelephony::Originate(const OriginateRequest& request) {
  if (request.to.empty()) {
    return std::unexpected(Error::InvalidArgument("no number to call", {{"to", "is required"}}));
  }
  // Unique across providers and processes: several workers, each with its own provider, share a
  // store in which provider call ids are unique.
  std::string id = "sim-" + (request.call_id.empty() ? std::to_string(next_id_.fetch_add(1))
                                                     : request.call_id.value);
  auto call =
      std::make_shared<Call>(io_, request, id,
                             PlanSimulatedCall(request.to, request.attempt_number, options_.timing,
                                               options_.outcome_mix, options_.seed));
  {
    std::lock_guard lock(mutex_);
    calls_.emplace(id, call);
  }
  boost::asio::post(call->strand, [this, call] { Step(call); });
  return id;
}

// Delivers every step that is due, then sleeps until the next one.
void SimulatedTelephony::Step(const std::shared_ptr<Call>& call) {
  if (call->done) return;
  const SimulatedEvent& event = call->plan[call->next_step];
  if (event.status == CallStatus::kAnswered && options_.media) {
    std::atomic<int>& talking = *options_.media->talking;
    int now_talking = talking.load();
    while (now_talking < options_.media->max_conversations &&
           !talking.compare_exchange_weak(now_talking, now_talking + 1)) {
    }
    if (now_talking < options_.media->max_conversations) return Converse(call);
    call->timer.expires_after(kLineBusyRetry);  // no line free: the phone rings on
    return call->timer.async_wait([this, call](const boost::system::error_code& error) {
      if (!error) Step(call);
    });
  }
  Deliver(call, event);
  if (call->done || ++call->next_step >= call->plan.size()) return;
  const auto gap = call->plan[call->next_step].after_start - event.after_start;
  call->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double, std::milli>(static_cast<double>(gap.count()) /
                                                options_.speed)));
  call->timer.async_wait([this, call](const boost::system::error_code& error) {
    if (!error) Step(call);
  });
}

// The call is answered by a callee who speaks; the conversation decides when it ends.
void SimulatedTelephony::Converse(const std::shared_ptr<Call>& call) {
  const Instant answered_at = clock_.Now();
  // Our own machine detection listens: the provider reports a plain answer.
  Deliver(call, {.status = CallStatus::kAnswered}, answered_at);
  Connect(call, answered_at, 1);
}

// A media socket can refuse a call whose record the dialer has not stored yet (the answer can
// outrun it): a new callee tries again shortly, a few times.
void SimulatedTelephony::Connect(const std::shared_ptr<Call>& call, Instant answered_at,
                                 int attempt) {
  const SimulatedMedia& media = *options_.media;
  const CallOutcome planned = call->plan.back().outcome.value_or(CallOutcome::kGoalNotAchieved);
  call->callee = SpeakingCallee::Start(
      boost::asio::make_strand(*media.io),
      {.host = media.host,
       .port = media.port,
       .call_id = call->request.call_id,
       .answered_at = answered_at,
       .media_speed = media.media_speed},
      ScriptCallee(call->request.to, call->request.attempt_number, planned, options_.seed,
                   media.voices->voices()),
      *media.voices,
      [this, call, answered_at, planned, attempt](Expected<std::chrono::milliseconds> ended) {
        boost::asio::post(call->strand, [this, call, answered_at, planned, attempt, ended] {
          Ended(call, answered_at, planned, attempt, ended);
        });
      });
}

// On the call's strand: the callee's conversation is over, or it could not begin.
void SimulatedTelephony::Ended(const std::shared_ptr<Call>& call, Instant answered_at,
                               CallOutcome planned, int attempt,
                               const Expected<std::chrono::milliseconds>& ended) {
  call->callee.reset();
  if (call->done) {
    EndConversation();
    return;
  }
  if (!ended && attempt < kMaxConnects) {
    call->timer.expires_after(kReconnectAfter);
    call->timer.async_wait([this, call, answered_at, attempt](const auto& error) {
      if (!error && !call->done) return Connect(call, answered_at, attempt + 1);
      EndConversation();  // hung up (or shut down) while waiting
    });
    return;
  }
  EndConversation();
  if (!ended) {
    if (!media_failure_logged_.exchange(true)) {
      spdlog::warn(
          "simulated calls: a callee could not speak ({}); such calls end as "
          "their plan says",
          ended.error().message);
    }
    return Deliver(call, {.status = CallStatus::kCompleted, .outcome = planned});
  }
  Deliver(call, {.status = CallStatus::kCompleted, .outcome = CallOutcome::kGoalNotAchieved},
          answered_at + *ended);
}

// Frees the line that Step took for the conversation.
void SimulatedTelephony::EndConversation() { --*options_.media->talking; }

void SimulatedTelephony::Deliver(const std::shared_ptr<Call>& call, const SimulatedEvent& event,
                                 std::optional<Instant> at) {
  if (event.status == CallStatus::kAnswered) call->answered = true;
  if (event.status == CallStatus::kCompleted) {
    call->done = true;
    std::lock_guard lock(mutex_);
    calls_.erase(call->provider_call_id);
  }
  sink_.OnCallEvent(CallEvent{.call_id = call->request.call_id,
                              .provider_call_id = call->provider_call_id,
                              .status = event.status,
                              .outcome = event.outcome,
                              .occurred_at = at.value_or(clock_.Now()),
                              .payload = {{"status", ToString(event.status)}}});
}

Expected<void> SimulatedTelephony::Hangup(std::string_view provider_call_id) {
  std::shared_ptr<Call> call;
  {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(std::string(provider_call_id));
    if (it == calls_.end()) {
      return std::unexpected(
          Error::NotFound("no simulated call " + std::string(provider_call_id) + " in progress"));
    }
    call = it->second;
  }
  boost::asio::post(call->strand, [this, call] {
    if (call->done) return;
    if (call->callee) return call->callee->Hangup();  // the conversation's end completes it
    call->timer.cancel();
    // Hanging up an answered call ends the conversation; before an answer it cancels the call.
    Deliver(call, {call->plan.back().after_start, CallStatus::kCompleted,
                   call->answered ? CallOutcome::kGoalNotAchieved : CallOutcome::kFailed});
  });
  return {};
}

size_t SimulatedTelephony::InFlight() const {
  std::lock_guard lock(mutex_);
  return calls_.size();
}

}  // namespace talky
