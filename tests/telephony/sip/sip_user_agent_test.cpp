// Tests of the SIP signalling core: the outcome table row by row (no network), option checks, and
// SipUserAgent placing real calls on loopback to sipp, which plays the trunk or the callee with
// the scenarios in scenarios/ (a sipp UAS per call: `-m 1`, a free port, output captured, killed
// if it outlives the test). Each call test checks what the agent reports and that sipp's scenario
// ran to its end (exit 0), which is how we know the right requests (ACK, BYE, CANCEL,
// credentials, the re-INVITE's 200) reached the far side; sipp's RTP echo hands each call's
// audio and DTMF back. sipp must be installed: the tests fail without it.
#include "telephony/sip/sip_user_agent.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <numbers>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/test_servers.h"
#include "net/tls_test_server.h"
#include "telephony/sip/baresip_callee.h"
#include "telephony/sip/sipp_callee.h"
#include "voice/audio.h"
#include "voice/goertzel.h"

extern char** environ;

namespace talky {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using Kind = SipCallEventKind;

// ---- the outcome table, row by row ----

// The issue's table: each final response and the outcome it means. `sipp`: a scenario answers
// with it (487 comes from our own CANCEL, 200 is the answer: other tests cover them).
struct TableRow {
  int status_code;
  CallOutcome outcome;
  bool sipp = true;
};
const TableRow kTable[] = {
    {486, CallOutcome::kBusy},
    {600, CallOutcome::kBusy},
    {480, CallOutcome::kNoAnswer},
    {408, CallOutcome::kNoAnswer},
    {487, CallOutcome::kNoAnswer, false},
    {404, CallOutcome::kInvalid},
    {484, CallOutcome::kInvalid},
    {604, CallOutcome::kInvalid},
    {603, CallOutcome::kRejected},
    {403, CallOutcome::kRejected},
    {410, CallOutcome::kDisconnected},
    {500, CallOutcome::kFailed},
    {502, CallOutcome::kFailed, false},
    {503, CallOutcome::kFailed},
    {504, CallOutcome::kFailed, false},
    {200, CallOutcome::kAnswered, false},
};

TEST(SipOutcomeTest, EveryRowOfTheTable) {
  for (const TableRow& row : kTable) {
    EXPECT_EQ(SipFinalResponseOutcome(row.status_code), row.outcome)
        << row.status_code << " -> " << ToString(SipFinalResponseOutcome(row.status_code));
  }
}

TEST(SipOutcomeTest, AnyOther4xx5xx6xxAndNonsenseIsFailed) {
  for (int code : {300, 302, 400, 401, 402, 405, 407, 415, 481, 488, 491,
                   499, 501, 599, 606, 699, 0,   -1,  99,  700, 1000}) {
    EXPECT_EQ(SipFinalResponseOutcome(code), CallOutcome::kFailed) << code;
  }
}

TEST(SipOutcomeTest, EndCausesBeyondTheFinalResponse) {
  EXPECT_EQ(SipEndOutcome(SipEndCause::kRingTimeout, 487), CallOutcome::kNoAnswer);
  EXPECT_EQ(SipEndOutcome(SipEndCause::kCancelled, 0), CallOutcome::kNoAnswer);
  EXPECT_EQ(SipEndOutcome(SipEndCause::kRemoteHangup, 0), CallOutcome::kGoalNotAchieved);
  EXPECT_EQ(SipEndOutcome(SipEndCause::kLocalHangup, 0), CallOutcome::kGoalNotAchieved);
  // Auth failures are failed even when the code alone (403) would say rejected.
  EXPECT_EQ(SipEndOutcome(SipEndCause::kAuthFailed, 403), CallOutcome::kFailed);
  EXPECT_EQ(SipEndOutcome(SipEndCause::kAuthFailed, 401), CallOutcome::kFailed);
  EXPECT_EQ(SipEndOutcome(SipEndCause::kTransportError, 0), CallOutcome::kFailed);
  EXPECT_EQ(SipEndOutcome(SipEndCause::kMediaRejected, 0), CallOutcome::kFailed);
  EXPECT_EQ(SipEndOutcome(SipEndCause::kMediaTimeout, 0), CallOutcome::kFailed);
  EXPECT_EQ(SipEndOutcome(SipEndCause::kFinalResponse, 486), CallOutcome::kBusy);
  EXPECT_EQ(SipEndOutcome(SipEndCause::kFinalResponse, 503), CallOutcome::kFailed);
}

TEST(SipOutcomeTest, ReasonTexts) {
  EXPECT_EQ(SipStandardReasonPhrase(486), "Busy Here");
  EXPECT_EQ(SipStandardReasonPhrase(604), "Does Not Exist Anywhere");
  EXPECT_EQ(SipStandardReasonPhrase(499), "");
  EXPECT_EQ(SipResponseText(486), "SIP 486 Busy Here");
  EXPECT_EQ(SipResponseText(486, "Line Engaged"), "SIP 486 Line Engaged");
  EXPECT_EQ(SipResponseText(499), "SIP 499");
  EXPECT_EQ(SipEndReason(SipEndCause::kFinalResponse, 486, {}), "busy (SIP 486 Busy Here)");
  EXPECT_EQ(SipEndReason(SipEndCause::kFinalResponse, 480, {}),
            "no answer (SIP 480 Temporarily Unavailable)");
  EXPECT_EQ(SipEndReason(SipEndCause::kAuthFailed, 403, "Forbidden"),
            "authentication failed (SIP 403 Forbidden)");
  EXPECT_EQ(SipEndReason(SipEndCause::kRingTimeout, 487),
            "no answer within the ring timeout (cancelled) (SIP 487 Request Terminated)");
  EXPECT_EQ(SipEndReason(SipEndCause::kRemoteHangup), "hung up by the callee");
  EXPECT_EQ(ToString(SipEndCause::kAuthFailed), "auth_failed");
}

// ---- options ----

template <typename T>
std::optional<ErrorCode> ErrorCodeOf(const Expected<T>& result) {
  if (result) return std::nullopt;
  return result.error().code;
}

bool NamesField(const Error& error, std::string_view field) {
  for (const FieldError& each : error.fields) {
    if (each.field == field) return true;
  }
  return false;
}

TEST(SipUserAgentOptionsTest, NamesEveryBadField) {
  SipUserAgentOptions options;
  options.trunk_uri = "http://trunk";
  options.transport = "sctp";
  options.username = "talky";
  options.caller_id = "12125550100";
  options.local_address = "localhost";
  options.local_port = 70000;
  options.media_address = "nowhere";
  options.ring_timeout = 0ms;
  options.first_response_timeout = -1ms;
  options.shutdown_timeout = std::chrono::hours(2);
  options.user_agent = "bad\r\nheader";
  options.codecs = {"G729", "PCMU", "PCMU"};
  Expected<void> valid = ValidateSipUserAgentOptions(options);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
  for (const char* field : {"trunk_uri", "transport", "password", "caller_id", "local_address",
                            "local_port", "media_address", "ring_timeout", "first_response_timeout",
                            "shutdown_timeout", "user_agent", "codecs"}) {
    EXPECT_TRUE(NamesField(valid.error(), field)) << field << ": " << valid.error().Describe();
  }
  // Both codec mistakes are named: the unknown one and the repeated one.
  EXPECT_NE(valid.error().Describe().find("G729"), std::string::npos) << valid.error().Describe();
  EXPECT_NE(valid.error().Describe().find("twice"), std::string::npos) << valid.error().Describe();
}

TEST(SipUserAgentOptionsTest, TrunkUriShapes) {
  SipUserAgentOptions options;
  for (const char* good : {"sip:127.0.0.1:5060", "sip:127.0.0.1", "sip:trunk.example.com:5080"}) {
    options.trunk_uri = good;
    EXPECT_TRUE(ValidateSipUserAgentOptions(options)) << good;
  }
  options.local_address = "::1";
  options.trunk_uri = "sip:[::1]:5060";
  EXPECT_TRUE(ValidateSipUserAgentOptions(options));
  options.local_address = "0.0.0.0";
  Expected<void> any_address = ValidateSipUserAgentOptions(options);
  ASSERT_FALSE(any_address);
  EXPECT_TRUE(NamesField(any_address.error(), "local_address"));
  options.local_address = "127.0.0.1";
  for (const char* bad :
       {"", "sip:", "sip:127.0.0.1:0", "sip:127.0.0.1:65536", "sip:host:50x",
        "sip:user@127.0.0.1:5060", "sip:127.0.0.1:5060;transport=tcp", "sips:127.0.0.1",
        "sip:[::1]:5060" /* IPv6 trunk, IPv4 local */, "sip:::1", "sip:-bad-.host"}) {
    options.trunk_uri = bad;
    Expected<void> valid = ValidateSipUserAgentOptions(options);
    ASSERT_FALSE(valid) << bad;
    EXPECT_TRUE(NamesField(valid.error(), "trunk_uri")) << bad;
  }
}

// What the agent reported, for the test thread to wait on. The agent calls Add on its SIP thread.
class EventLog {
 public:
  void Add(const SipCallEvent& event) {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
    changed_.notify_all();
  }

  // The first event of `kind` for the call, waiting up to `bound` for it.
  std::optional<SipCallEvent> WaitFor(const std::string& provider_call_id, Kind kind,
                                      milliseconds bound = 10s) {
    std::unique_lock lock(mutex_);
    std::optional<SipCallEvent> found;
    changed_.wait_for(lock, bound, [&] {
      for (const SipCallEvent& event : events_) {
        if (event.provider_call_id == provider_call_id && event.kind == kind) {
          found = event;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::vector<SipCallEvent> Of(const std::string& provider_call_id) {
    std::lock_guard lock(mutex_);
    std::vector<SipCallEvent> of;
    for (const SipCallEvent& event : events_) {
      if (event.provider_call_id == provider_call_id) of.push_back(event);
    }
    return of;
  }

  size_t size() {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SipCallEvent> events_;
};

int CountOf(const std::vector<SipCallEvent>& events, Kind kind) {
  return static_cast<int>(
      std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.kind == kind; }));
}

const CallId kCallId{"call-1"};
constexpr const char* kTo = "+12125550123";

class SipUserAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::ProgramInstalled("sipp"))
        << "sipp is not installed (scripts/install-deps.sh installs sip-tester)";
    port_ = testing::FreeSipPort();
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    agent_.reset();  // Stop: every call ended, the SIP thread joined
    sipp_.reset();   // killed if still running
  }

  SipUserAgentOptions Options(const std::string& transport = "udp") {
    SipUserAgentOptions options;
    options.trunk_uri = "sip:127.0.0.1:" + std::to_string(port_);
    options.transport = transport;
    options.caller_id = "+12125550100";
    options.ring_timeout = 10s;
    options.first_response_timeout = 2s;
    options.shutdown_timeout = 1s;
    return options;
  }

  void StartAgent(SipUserAgentOptions options) {
    auto agent = SipUserAgent::Start(std::move(options),
                                     [this](const SipCallEvent& event) { events_.Add(event); });
    ASSERT_TRUE(agent) << agent.error().Describe();
    agent_ = std::move(*agent);
  }

  void StartSipp(const std::string& scenario, const std::string& transport = "udp",
                 const std::vector<std::string>& extra_arguments = {}) {
    sipp_.reset();
    sipp_ = std::make_unique<testing::SippCallee>(scenario, transport, port_, extra_arguments);
    ASSERT_TRUE(sipp_->ready()) << scenario << " did not start\n" << sipp_->Log();
  }

  // Places the call; fails the test when Invite does.
  std::string Invite(RtpMediaCallbacks media = {}) {
    Expected<std::string> call = agent_->Invite(kCallId, kTo, "", std::move(media));
    EXPECT_TRUE(call) << call.error().Describe() << "\n" << sipp_->Log();
    return call ? *call : std::string();
  }

  void ExpectSippCompleted() {
    std::optional<int> exit_code = sipp_->Wait();
    if (std::getenv("TALKY_SIPP_TRACE") != nullptr) std::cout << sipp_->Log() << "\n";
    ASSERT_TRUE(exit_code) << "sipp did not finish its scenario\n" << sipp_->Log();
    EXPECT_EQ(*exit_code, 0) << "sipp's scenario failed\n" << sipp_->Log();
  }

  SipCallEvent Ended(const std::string& id) {
    std::optional<SipCallEvent> ended = events_.WaitFor(id, Kind::kEnded);
    EXPECT_TRUE(ended) << "no ended event\n" << sipp_->Log();
    return ended.value_or(SipCallEvent{});
  }

  int port_ = 0;
  EventLog events_;
  std::unique_ptr<testing::SippCallee> sipp_;
  std::unique_ptr<SipUserAgent> agent_;
};

TEST_F(SipUserAgentTest, EveryFinalResponseEndsTheCallWithItsOutcome) {
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options()));
  for (const TableRow& row : kTable) {
    if (!row.sipp) continue;
    SCOPED_TRACE(row.status_code);
    ASSERT_NO_FATAL_FAILURE(StartSipp("uas_final_" + std::to_string(row.status_code) + ".xml"));
    const std::string id = Invite();
    ASSERT_FALSE(id.empty());
    const SipCallEvent ended = Ended(id);
    EXPECT_EQ(ended.end_cause, SipEndCause::kFinalResponse) << ended.end_reason;
    EXPECT_EQ(ended.status_code, row.status_code);
    EXPECT_EQ(ended.reason_phrase, SipStandardReasonPhrase(row.status_code));
    EXPECT_EQ(SipEndOutcome(ended.end_cause, ended.status_code), row.outcome);
    EXPECT_EQ(ended.call_id, kCallId);
    const std::vector<SipCallEvent> all = events_.Of(id);
    ASSERT_GE(all.size(), 2u);
    EXPECT_EQ(all.front().kind, Kind::kProgress);  // the 180 came first
    EXPECT_EQ(all.front().status_code, 180);
    EXPECT_FALSE(all.front().early_media);
    EXPECT_EQ(CountOf(all, Kind::kEnded), 1);
    EXPECT_EQ(all.back().kind, Kind::kEnded);
    ExpectSippCompleted();                                             // it got its ACK
    EXPECT_EQ(ErrorCodeOf(agent_->Hangup(id)), ErrorCode::kNotFound);  // finished
  }
}

TEST_F(SipUserAgentTest, AnsweredThenTheCalleeHangsUp) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_answer_then_bye.xml"));
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options()));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());

  std::optional<SipCallEvent> ringing = events_.WaitFor(id, Kind::kProgress);
  ASSERT_TRUE(ringing);
  EXPECT_EQ(ringing->status_code, 180);
  std::optional<SipCallEvent> answered = events_.WaitFor(id, Kind::kAnswered);
  ASSERT_TRUE(answered) << sipp_->Log();
  EXPECT_EQ(answered->status_code, 200);
  ASSERT_TRUE(answered->remote_media);
  EXPECT_EQ(answered->remote_media->address, "127.0.0.1");
  EXPECT_EQ(answered->remote_media->port, 40000);
  EXPECT_EQ(answered->remote_media->payload_type, 8);  // it chose PCMA
  EXPECT_EQ(answered->remote_media->codec, "PCMA");
  EXPECT_EQ(answered->remote_media->telephone_event_payload_type, 101);

  const SipCallEvent ended = Ended(id);
  EXPECT_EQ(ended.end_cause, SipEndCause::kRemoteHangup) << ended.end_reason;
  EXPECT_EQ(SipEndOutcome(ended.end_cause, ended.status_code), CallOutcome::kGoalNotAchieved);
  EXPECT_EQ(CountOf(events_.Of(id), Kind::kEnded), 1);
  ExpectSippCompleted();  // it got 200 OK to its BYE

  // Our offer as sent: both codecs and telephone-event at the call's RTP port.
  const std::string messages = sipp_->Messages();
  EXPECT_TRUE(std::regex_search(messages, std::regex("m=audio [0-9]+ RTP/AVP 0 8 101\r\n")))
      << messages;
  EXPECT_NE(messages.find("a=rtpmap:101 telephone-event/8000"), std::string::npos);
  EXPECT_NE(messages.find("From: <sip:+12125550100@127.0.0.1>"), std::string::npos);
  EXPECT_NE(messages.find("INVITE sip:+12125550123@127.0.0.1:" + std::to_string(port_)),
            std::string::npos);
}

TEST_F(SipUserAgentTest, AnsweredAndHungUpOverTcp) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_answer_then_bye.xml", "tcp"));
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options("tcp")));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(events_.WaitFor(id, Kind::kAnswered)) << sipp_->Log();
  EXPECT_EQ(Ended(id).end_cause, SipEndCause::kRemoteHangup);
  ExpectSippCompleted();
}

TEST_F(SipUserAgentTest, OurHangupAfterTheAnswerSendsBye) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_answer_wait_bye.xml"));
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options()));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  std::optional<SipCallEvent> early = events_.WaitFor(id, Kind::kProgress);
  ASSERT_TRUE(early) << sipp_->Log();
  EXPECT_EQ(early->status_code, 183);
  EXPECT_TRUE(early->early_media);
  ASSERT_TRUE(early->remote_media);
  EXPECT_EQ(early->remote_media->port, 40002);
  std::optional<SipCallEvent> answered = events_.WaitFor(id, Kind::kAnswered);
  ASSERT_TRUE(answered) << sipp_->Log();
  ASSERT_TRUE(answered->remote_media);
  EXPECT_EQ(answered->remote_media->port, 40002);
  EXPECT_EQ(answered->remote_media->payload_type, 0);
  EXPECT_EQ(answered->remote_media->codec, "PCMU");
  EXPECT_FALSE(answered->remote_media->telephone_event_payload_type);

  ASSERT_TRUE(agent_->Hangup(id));
  // The ended event is out before Hangup returns.
  const std::vector<SipCallEvent> all = events_.Of(id);
  ASSERT_EQ(CountOf(all, Kind::kEnded), 1);
  EXPECT_EQ(all.back().end_cause, SipEndCause::kLocalHangup);
  ExpectSippCompleted();  // the scenario fails without our BYE
  EXPECT_EQ(ErrorCodeOf(agent_->Hangup(id)), ErrorCode::kNotFound);
}

TEST_F(SipUserAgentTest, AnswerWithNoCodecOfOursIsRefusedWithBye) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_answer_wait_bye.xml"));  // it answers PCMU only
  SipUserAgentOptions options = Options();
  options.codecs = {"PCMA"};
  options.telephone_event = false;
  ASSERT_NO_FATAL_FAILURE(StartAgent(options));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  const SipCallEvent ended = Ended(id);
  EXPECT_EQ(ended.end_cause, SipEndCause::kMediaRejected) << ended.end_reason;
  EXPECT_EQ(SipEndOutcome(ended.end_cause, ended.status_code), CallOutcome::kFailed);
  const std::vector<SipCallEvent> all = events_.Of(id);
  EXPECT_EQ(CountOf(all, Kind::kAnswered), 0);
  ASSERT_FALSE(all.empty());
  EXPECT_FALSE(all.front().early_media);  // its 183 offered nothing we could use either
  ExpectSippCompleted();                  // ACK, then our BYE
  const std::string messages = sipp_->Messages();
  EXPECT_TRUE(std::regex_search(messages, std::regex("m=audio [0-9]+ RTP/AVP 8\r\n"))) << messages;
  EXPECT_EQ(messages.find("telephone-event"), std::string::npos);
}

TEST_F(SipUserAgentTest, StopHangsUpAnsweredCalls) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_answer_wait_bye.xml"));
  SipUserAgentOptions options = Options();
  options.shutdown_timeout = 5s;
  ASSERT_NO_FATAL_FAILURE(StartAgent(options));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(events_.WaitFor(id, Kind::kAnswered)) << sipp_->Log();

  const auto before = steady_clock::now();
  agent_->Stop();
  EXPECT_LT(steady_clock::now() - before, 2500ms);  // the BYE's 200 came: no forced close
  const std::vector<SipCallEvent> all = events_.Of(id);
  ASSERT_EQ(CountOf(all, Kind::kEnded), 1);
  EXPECT_EQ(all.back().end_cause, SipEndCause::kLocalHangup);
  ExpectSippCompleted();
  EXPECT_EQ(ErrorCodeOf(agent_->Invite(kCallId, kTo, "")), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeOf(agent_->Hangup(id)), ErrorCode::kNotFound);
}

TEST_F(SipUserAgentTest, RingTimeoutCancelsAndEndsAsNoAnswer) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_ring_until_cancel.xml"));
  SipUserAgentOptions options = Options();
  options.ring_timeout = 1s;
  ASSERT_NO_FATAL_FAILURE(StartAgent(options));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(events_.WaitFor(id, Kind::kProgress));

  const SipCallEvent ended = Ended(id);  // only the ring timer ends a call this way
  EXPECT_EQ(ended.end_cause, SipEndCause::kRingTimeout);
  EXPECT_EQ(ended.status_code, 487);
  EXPECT_EQ(SipEndOutcome(ended.end_cause, ended.status_code), CallOutcome::kNoAnswer);
  ExpectSippCompleted();  // it got the CANCEL and the ACK of its 487
  EXPECT_EQ(CountOf(events_.Of(id), Kind::kEnded), 1);
}

TEST_F(SipUserAgentTest, StopCancelsRingingCalls) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_ring_until_cancel.xml"));
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options()));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(events_.WaitFor(id, Kind::kProgress));
  agent_->Stop();
  const std::vector<SipCallEvent> all = events_.Of(id);
  ASSERT_EQ(CountOf(all, Kind::kEnded), 1);
  EXPECT_EQ(all.back().end_cause, SipEndCause::kCancelled);
  ExpectSippCompleted();  // CANCEL, then the ACK of its 487, before the stack closed
}

TEST_F(SipUserAgentTest, HangupWhileRingingSendsCancel) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_ring_until_cancel.xml"));
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options()));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(events_.WaitFor(id, Kind::kProgress));

  ASSERT_TRUE(agent_->Hangup(id));
  const std::vector<SipCallEvent> all = events_.Of(id);
  ASSERT_EQ(CountOf(all, Kind::kEnded), 1);
  EXPECT_EQ(all.back().end_cause, SipEndCause::kCancelled);
  EXPECT_EQ(SipEndOutcome(all.back().end_cause, 0), CallOutcome::kNoAnswer);
  ExpectSippCompleted();
}

TEST_F(SipUserAgentTest, HangupFromTheEventCallbackIsQueued) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_ring_until_cancel.xml"));
  SipUserAgent* agent = nullptr;
  auto started = SipUserAgent::Start(Options(), [&](const SipCallEvent& event) {
    events_.Add(event);
    if (event.kind == Kind::kProgress) {
      EXPECT_TRUE(agent->Hangup(event.provider_call_id));
    }
  });
  ASSERT_TRUE(started) << started.error().Describe();
  agent_ = std::move(*started);
  agent = agent_.get();
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(Ended(id).end_cause, SipEndCause::kCancelled);
  ExpectSippCompleted();
}

TEST_F(SipUserAgentTest, DigestAuthWithTheRightPasswordIsAnswered) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_digest_auth.xml"));
  SipUserAgentOptions options = Options();
  options.username = "talky";
  options.password = "s3cret";
  ASSERT_NO_FATAL_FAILURE(StartAgent(options));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  std::optional<SipCallEvent> answered = events_.WaitFor(id, Kind::kAnswered);
  ASSERT_TRUE(answered) << sipp_->Log();
  ASSERT_TRUE(answered->remote_media);
  EXPECT_EQ(answered->remote_media->port, 40004);
  ASSERT_TRUE(agent_->Hangup(id));
  ExpectSippCompleted();
  EXPECT_NE(sipp_->Messages().find("Authorization: Digest username=\"talky\""), std::string::npos);
}

TEST_F(SipUserAgentTest, DigestAuthWithAWrongPasswordFailsAsAuthentication) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_digest_auth.xml"));
  SipUserAgentOptions options = Options();
  options.username = "talky";
  options.password = "wrong";
  ASSERT_NO_FATAL_FAILURE(StartAgent(options));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  const SipCallEvent ended = Ended(id);
  EXPECT_EQ(ended.end_cause, SipEndCause::kAuthFailed) << ended.end_reason;
  EXPECT_EQ(ended.status_code, 403);
  EXPECT_EQ(SipEndOutcome(ended.end_cause, ended.status_code), CallOutcome::kFailed);
  EXPECT_TRUE(ended.end_reason.starts_with("authentication failed")) << ended.end_reason;
  EXPECT_EQ(CountOf(events_.Of(id), Kind::kAnswered), 0);
  ExpectSippCompleted();  // the 403 path ran to its end
}

TEST_F(SipUserAgentTest, DigestChallengeWithoutCredentialsFailsAsAuthentication) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_digest_auth.xml"));
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options()));  // no username, no password
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  const SipCallEvent ended = Ended(id);
  EXPECT_EQ(ended.end_cause, SipEndCause::kAuthFailed) << ended.end_reason;
  EXPECT_EQ(ended.status_code, 401);
  EXPECT_NE(ended.end_reason.find("none are configured"), std::string::npos) << ended.end_reason;
  // sipp waits in vain for a second INVITE; TearDown kills it.
}

TEST_F(SipUserAgentTest, ReInviteAfterTheAnswerGets200WithOurSdp) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_answer_then_reinvite.xml"));
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options()));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  std::optional<SipCallEvent> answered = events_.WaitFor(id, Kind::kAnswered);
  ASSERT_TRUE(answered) << sipp_->Log();
  EXPECT_EQ(answered->remote_media->port, 40006);
  std::optional<SipCallEvent> moved = events_.WaitFor(id, Kind::kMediaChanged);
  ASSERT_TRUE(moved) << sipp_->Log();
  ASSERT_TRUE(moved->remote_media);
  EXPECT_EQ(moved->remote_media->port, 40008);
  EXPECT_EQ(Ended(id).end_cause, SipEndCause::kRemoteHangup);
  ExpectSippCompleted();  // it checked that our 200 carried an audio answer
  // The answer to the re-INVITE kept the port of our offer: ours is the one port sipp did not use,
  // and it appears twice.
  const std::string messages = sipp_->Messages();
  const std::regex audio_line("m=audio ([0-9]+) RTP/AVP");
  std::map<std::string, int> our_ports;
  for (auto match = std::sregex_iterator(messages.begin(), messages.end(), audio_line);
       match != std::sregex_iterator(); ++match) {
    const std::string port = (*match)[1];
    if (port != "40006" && port != "40008") ++our_ports[port];
  }
  ASSERT_EQ(our_ports.size(), 1u) << messages;
  EXPECT_EQ(our_ports.begin()->second, 2) << messages;
}

// ---- each call's media ----

// What a call's RtpMedia heard, from its callbacks (on the SIP thread), for the test thread.
class HeardAudio {
 public:
  RtpMediaCallbacks Callbacks(double tone_hz) {
    RtpMediaCallbacks callbacks;
    callbacks.next_frame = [tone_hz, phase = 0.0](std::span<std::int16_t> frame) mutable {
      for (std::int16_t& sample : frame) {
        sample = static_cast<std::int16_t>(8000 * std::sin(phase));
        phase += 2 * std::numbers::pi * tone_hz / kNarrowbandRate;
      }
      return true;
    };
    callbacks.on_frame = [this, tone_hz](std::span<const std::int16_t> frame) {
      const double amplitude =
          2 * std::sqrt(GoertzelPower(frame, kNarrowbandRate, tone_hz)) / double(frame.size());
      std::lock_guard lock(mutex_);
      if (amplitude > 4000) ++tone_frames_;
      changed_.notify_all();
    };
    callbacks.on_dtmf = [this](char digit, milliseconds) {
      std::lock_guard lock(mutex_);
      digits_ += digit;
      changed_.notify_all();
    };
    callbacks.on_timeout = [this] {
      std::lock_guard lock(mutex_);
      timed_out_ = true;
      changed_.notify_all();
    };
    return callbacks;
  }

  bool WaitFor(const std::function<bool()>& done, milliseconds bound = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, bound, done);
  }

  int tone_frames_ = 0;  // frames in which the tone came back at (nearly) the level it was sent
  std::string digits_;
  bool timed_out_ = false;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
};

TEST_F(SipUserAgentTest, AnsweredCallsAudioAndDigitsGoWhereTheAnswerSays) {
  const int media_port = testing::FreeSipPort();
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_answer_echo_media.xml", "udp",
                                    {"-rtp_echo", "-mp", std::to_string(media_port)}));
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options()));
  HeardAudio heard;
  const std::string id = Invite(heard.Callbacks(1000));
  ASSERT_FALSE(id.empty());
  std::optional<SipCallEvent> answered = events_.WaitFor(id, Kind::kAnswered);
  ASSERT_TRUE(answered) << sipp_->Log();
  ASSERT_TRUE(answered->remote_media);
  EXPECT_EQ(answered->remote_media->port, media_port);
  // sipp echoes our tone: heard back, the RTP went to the answer's port.
  EXPECT_TRUE(heard.WaitFor([&] { return heard.tone_frames_ >= 25; })) << heard.tone_frames_;
  ASSERT_TRUE(agent_->SendDtmf(id, "5#"));
  EXPECT_TRUE(heard.WaitFor([&] { return heard.digits_.size() >= 2; }));
  EXPECT_EQ(heard.digits_, "5#");
  Expected<RtpMediaStats> stats = agent_->MediaStats(id);
  ASSERT_TRUE(stats) << stats.error().Describe();
  EXPECT_GE(stats->packets_received, 25u);
  EXPECT_GT(stats->event_packets_sent, 0u);
  ASSERT_TRUE(agent_->Hangup(id));
  ExpectSippCompleted();
  EXPECT_EQ(ErrorCodeOf(agent_->MediaStats(id)), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(agent_->SendDtmf(id, "1")), ErrorCode::kNotFound);
  EXPECT_FALSE(heard.timed_out_);
}

TEST_F(SipUserAgentTest, NoRtpAfterTheAnswerEndsTheCallWithBye) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_answer_echo_media.xml"));  // no -rtp_echo: silence
  SipUserAgentOptions options = Options();
  options.media.rtp_timeout = 600ms;
  ASSERT_NO_FATAL_FAILURE(StartAgent(options));
  HeardAudio heard;
  const std::string id = Invite(heard.Callbacks(1000));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(events_.WaitFor(id, Kind::kAnswered)) << sipp_->Log();
  const SipCallEvent ended = Ended(id);
  EXPECT_EQ(ended.end_cause, SipEndCause::kMediaTimeout) << ended.end_reason;
  EXPECT_NE(ended.end_reason.find("RTP timeout"), std::string::npos) << ended.end_reason;
  EXPECT_TRUE(heard.WaitFor([&] { return heard.timed_out_; }));  // the caller's hears too
  ExpectSippCompleted();                                         // it got our BYE
  EXPECT_EQ(CountOf(events_.Of(id), Kind::kEnded), 1);
}

TEST_F(SipUserAgentTest, DigitsBeforeTheAnswerAreRefused) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_ring_until_cancel.xml"));
  ASSERT_NO_FATAL_FAILURE(StartAgent(Options()));
  const std::string id = Invite();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(events_.WaitFor(id, Kind::kProgress));  // ringing (CANCEL needs a provisional)
  EXPECT_EQ(ErrorCodeOf(agent_->SendDtmf(id, "1")), ErrorCode::kUnavailable);
  ASSERT_TRUE(agent_->Hangup(id));
  ExpectSippCompleted();
}

// ---- SIP over TLS, with baresip as the callee ----

class SipTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::ScratchDir::Create("sip-tls");
    ASSERT_TRUE(dir) << dir.error().Describe();
    dir_ = std::move(*dir);
  }

  // baresip answering over TLS with a certificate for `subject_alt_name`.
  void StartCallee(const std::string& subject_alt_name) {
    const testing::SelfSignedCertificate certificate =
        testing::MakeSelfSignedCertificate(subject_alt_name);
    server_certificate_ = dir_->path() / "server.pem";
    std::ofstream(dir_->path() / "callee.pem")
        << certificate.certificate_pem << certificate.private_key_pem;
    std::ofstream(server_certificate_) << certificate.certificate_pem;
    auto callee = testing::BaresipCallee::Start(
        {.tls_certificate = dir_->path() / "callee.pem", .user = kTo});
    ASSERT_TRUE(callee) << callee.error().Describe();
    callee_ = std::move(*callee);
  }

  // An agent that calls baresip over TLS, trusting the CAs of `ca_file`.
  std::unique_ptr<SipUserAgent> Agent(const std::filesystem::path& ca_file) {
    SipUserAgentOptions options;
    options.trunk_uri = "sip:127.0.0.1:" + std::to_string(callee_->tls_port());
    options.transport = "tls";
    options.tls_ca_file = ca_file.string();
    options.caller_id = "+12125550100";
    auto agent = SipUserAgent::Start(options, [this](const SipCallEvent& e) { events_.Add(e); });
    EXPECT_TRUE(agent) << agent.error().Describe();
    return agent ? std::move(*agent) : nullptr;
  }

  std::unique_ptr<testing::ScratchDir> dir_;
  std::filesystem::path server_certificate_;
  std::unique_ptr<testing::BaresipCallee> callee_;
  EventLog events_;
};

TEST_F(SipTlsTest, ACallOverTlsToATrunkWhoseCertificateWeTrust) {
  ASSERT_NO_FATAL_FAILURE(StartCallee("IP:127.0.0.1"));
  std::unique_ptr<SipUserAgent> agent = Agent(server_certificate_);
  ASSERT_TRUE(agent);
  Expected<std::string> call = agent->Invite(kCallId, kTo, "");
  ASSERT_TRUE(call) << call.error().Describe() << "\n" << callee_->Log();
  ASSERT_TRUE(events_.WaitFor(*call, Kind::kAnswered)) << callee_->Log();
  ASSERT_TRUE(callee_->WaitForEvent("CALL_ESTABLISHED", 5s)) << callee_->Log();
  ASSERT_TRUE(agent->Hangup(*call));
  const std::optional<testing::BaresipEvent> closed = callee_->WaitForEvent("CALL_CLOSED", 5s);
  ASSERT_TRUE(closed) << callee_->Log();
  EXPECT_EQ(closed->param, "Connection reset by peer");  // our BYE, over TLS
}

TEST_F(SipTlsTest, ATrunkWhoseCertificateIsNotTrustedIsNeverCalled) {
  ASSERT_NO_FATAL_FAILURE(StartCallee("IP:127.0.0.1"));
  const testing::SelfSignedCertificate stranger =
      testing::MakeSelfSignedCertificate("IP:127.0.0.1");
  std::ofstream(dir_->path() / "stranger.pem") << stranger.certificate_pem;
  std::unique_ptr<SipUserAgent> agent = Agent(dir_->path() / "stranger.pem");
  ASSERT_TRUE(agent);
  Expected<std::string> call = agent->Invite(kCallId, kTo, "");
  ASSERT_FALSE(call);
  EXPECT_EQ(call.error().code, ErrorCode::kUnavailable);
  agent->Stop();
  EXPECT_EQ(events_.size(), 0u);
  EXPECT_FALSE(callee_->WaitForEvent("CALL_ESTABLISHED", 300ms));
}

TEST_F(SipTlsTest, ACertificateForAnotherAddressIsRefused) {
  ASSERT_NO_FATAL_FAILURE(StartCallee("IP:127.0.0.2"));  // trusted, but not the trunk's name
  std::unique_ptr<SipUserAgent> agent = Agent(server_certificate_);
  ASSERT_TRUE(agent);
  Expected<std::string> call = agent->Invite(kCallId, kTo, "");
  ASSERT_FALSE(call);
  EXPECT_EQ(call.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(callee_->WaitForEvent("CALL_ESTABLISHED", 300ms));
}

// ---- trunks that do not answer ----

class SipUnreachableTrunkTest : public ::testing::Test {
 protected:
  std::unique_ptr<SipUserAgent> Start(SipUserAgentOptions options) {
    auto agent = SipUserAgent::Start(std::move(options),
                                     [this](const SipCallEvent& event) { events_.Add(event); });
    EXPECT_TRUE(agent) << agent.error().Describe();
    return agent ? std::move(*agent) : nullptr;
  }
  EventLog events_;
};

TEST_F(SipUnreachableTrunkTest, ClosedTcpPortFailsInviteQuickly) {
  const int port = testing::FreeSipPort();  // nothing listens there
  SipUserAgentOptions options;
  options.trunk_uri = "sip:127.0.0.1:" + std::to_string(port);
  options.transport = "tcp";
  options.caller_id = "+12125550100";
  std::unique_ptr<SipUserAgent> agent = Start(options);
  ASSERT_TRUE(agent);
  const auto before = steady_clock::now();
  Expected<std::string> call = agent->Invite(kCallId, kTo, "");
  EXPECT_LT(steady_clock::now() - before, 1500ms);  // refused: no waiting for the 2 s bound
  ASSERT_FALSE(call);
  EXPECT_EQ(call.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(call.error().message.find(options.trunk_uri), std::string::npos)
      << call.error().message;
  agent->Stop();  // joins the SIP thread: nothing can be reported after this
  EXPECT_EQ(events_.size(), 0u);
}

TEST_F(SipUnreachableTrunkTest, SilentUdpTrunkFailsInviteAfterTheBoundAndIsForgotten) {
  // A socket that takes the INVITE and never answers.
  const int silent = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length);
  SipUserAgentOptions options;
  options.trunk_uri = "sip:127.0.0.1:" + std::to_string(ntohs(address.sin_port));
  options.caller_id = "+12125550100";
  options.first_response_timeout = 300ms;
  options.shutdown_timeout = 300ms;
  std::unique_ptr<SipUserAgent> agent = Start(options);
  ASSERT_TRUE(agent);
  const auto before = steady_clock::now();
  Expected<std::string> call = agent->Invite(kCallId, kTo, "");
  const auto waited = steady_clock::now() - before;
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 1500ms);
  ASSERT_FALSE(call);
  EXPECT_EQ(call.error().code, ErrorCode::kUnavailable);
  char packet[2048];
  const ssize_t received = recv(silent, packet, sizeof(packet), MSG_DONTWAIT);
  EXPECT_GT(received, 0);
  EXPECT_EQ(std::string_view(packet, received > 0 ? size_t(received) : 0).substr(0, 6), "INVITE");
  const auto stopping = steady_clock::now();
  agent->Stop();  // the forgotten INVITE is still retransmitting: closed after shutdown_timeout
  EXPECT_LT(steady_clock::now() - stopping, 2s);
  EXPECT_EQ(events_.size(), 0u);
  close(silent);
}

TEST_F(SipUnreachableTrunkTest, UnresolvableTrunkNameIsUnavailable) {
  SipUserAgentOptions options;
  options.trunk_uri = "sip:no-such-trunk.invalid:5060";
  options.caller_id = "+12125550100";
  options.first_response_timeout = 500ms;
  options.shutdown_timeout = 300ms;
  auto started = SipUserAgent::Start(options, [this](const SipCallEvent& e) { events_.Add(e); });
  if (!started) {  // no resolver configured on this host
    EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
    return;
  }
  Expected<std::string> call = (*started)->Invite(kCallId, kTo, "");
  ASSERT_FALSE(call);
  if (std::getenv("TALKY_SIPP_TRACE") != nullptr) std::cout << call.error().message << "\n";
  EXPECT_EQ(call.error().code, ErrorCode::kUnavailable);
  (*started)->Stop();
  EXPECT_EQ(events_.size(), 0u);
}

TEST_F(SipUnreachableTrunkTest, BadRequestsAndUnknownCalls) {
  SipUserAgentOptions options;
  options.trunk_uri = "sip:127.0.0.1:5060";
  std::unique_ptr<SipUserAgent> agent = Start(options);
  ASSERT_TRUE(agent);
  Expected<std::string> call = agent->Invite(CallId{}, "2125550123", "");
  ASSERT_FALSE(call);
  EXPECT_EQ(call.error().code, ErrorCode::kInvalidArgument);
  for (const char* field : {"call_id", "to", "from"}) {
    EXPECT_TRUE(NamesField(call.error(), field)) << field;
  }
  EXPECT_EQ(ErrorCodeOf(agent->Hangup("no-such-call")), ErrorCode::kNotFound);
}

TEST_F(SipUnreachableTrunkTest, PortInUseIsUnavailable) {
  SipUserAgentOptions options;
  options.trunk_uri = "sip:127.0.0.1:5060";
  std::unique_ptr<SipUserAgent> first = Start(options);
  ASSERT_TRUE(first);
  options.local_port = first->local_port();
  EXPECT_GT(options.local_port, 0);
  auto second = SipUserAgent::Start(options, [](const SipCallEvent&) {});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace talky
