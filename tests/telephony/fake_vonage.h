// A stand-in for Vonage's Voice API (api.nexmo.com), which tests on this machine cannot reach. It
// listens on 127.0.0.1 and checks each request as Vonage does: the Authorization Bearer JWT must
// verify RS256 against the application's public key, name the application, be current by the
// given clock and carry a jti not seen before; POST /v1/calls bodies must have the create-call
// shape (Vonage's OpenAPI description); PUT /v1/calls/{uuid} must be {"action": "hangup"}. It
// answers with Vonage's bodies: 201 {uuid, status, direction, conversation_uuid}, 204, and
// problem bodies (401, 400 with invalid_parameters, 404). It also writes event webhook bodies and
// signs them (HS256 with the signature secret) as Vonage does.
//
// Requests are handled on the server's thread; the accessors are thread-safe.
#pragma once

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/clock.h"
#include "net/loopback_http_server.h"

namespace talky::testing {

struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
};
RsaKeyPair GenerateRsaKeyPair();

struct FakeVonageCall {
  std::string uuid;
  std::string conversation_uuid;
  nlohmann::json request;  // the create-call body as received
  bool hung_up = false;
};

class FakeVonage {
 public:
  // `clock` must outlive the fake; it judges the JWT's iat and exp.
  FakeVonage(std::string application_id, const std::string& public_key_pem, const Clock& clock);
  ~FakeVonage();

  std::string BaseUrl() const { return server_->BaseUrl(); }
  void Stop() { server_->Stop(); }

  // The next request, whatever it is, gets this reply instead (after its JWT was checked).
  void FailNext(int status, nlohmann::json problem);
  // From now on requests are read and never answered.
  void GoSilent();

  std::vector<FakeVonageCall> calls() const;
  std::vector<nlohmann::json> jwt_claims() const;  // of every request that verified
  std::vector<std::string> rejections() const;     // why requests were refused
  int requests() const;

  // An event webhook body for one of this fake's calls, as Vonage POSTs it to the event_url.
  nlohmann::json EventBody(const FakeVonageCall& call, const std::string& status,
                           const std::string& detail, Instant at) const;
  // The Authorization header Vonage puts on a signed webhook with this body (iat `at`, a new jti
  // each time).
  static std::string SignWebhook(const std::string& body, const std::string& signature_secret,
                                 Instant at);

 private:
  std::optional<LoopbackReply> Handle(const LoopbackRequest& request);
  std::optional<LoopbackReply> CreateCall(const LoopbackRequest& request);
  std::optional<LoopbackReply> UpdateCall(const LoopbackRequest& request, const std::string& uuid);
  std::optional<std::string> CheckJwt(const LoopbackRequest& request);

  const std::string application_id_;
  struct Key;
  std::unique_ptr<Key> key_;
  const Clock& clock_;

  mutable std::mutex mutex_;
  std::vector<FakeVonageCall> calls_;
  std::vector<nlohmann::json> claims_;
  std::vector<std::string> rejections_;
  std::deque<std::pair<int, nlohmann::json>> scripted_failures_;
  bool silent_ = false;
  int requests_ = 0;
  int next_id_ = 1;

  std::unique_ptr<LoopbackHttpServer> server_;  // last: its thread uses everything above
};

}  // namespace talky::testing
