#include "telephony/simulated/simulated_telephony.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace talky {

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

void SimulatedTelephony::Deliver(const std::shared_ptr<Call>& call, const SimulatedEvent& event) {
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
                              .occurred_at = clock_.Now(),
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
